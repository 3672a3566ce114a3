"""Progress notes: the clinic's format, signing and the database lock on every path,
addenda, co-signature, and who may read them (Part 2: the treating team only)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, transaction
from django.db.models import ProtectedError

from iop import clock
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant
from tests.therapy.records import individual_session
from therapy import selectors, services
from therapy.models import NoteAddendum, NoteCosignature, NoteObjective, ProgressNote

DAP = {"data": "Came on time; two cravings.", "assessment": "Motivated.", "plan": "Urge log."}


def past_session(tenant: Tenant, *, days_ago: int = 1, hour: int = 19) -> object:
    day = clock.today(tenant.clinic) - datetime.timedelta(days=days_ago)
    return individual_session(
        tenant.patient, lead=tenant.members[Role.THERAPIST], day=day, hour=hour
    )


def draft(tenant: Tenant, session: object = None, **texts: str) -> ProgressNote:
    return services.progress_note_save(
        session=session or past_session(tenant),  # type: ignore[arg-type]
        author=tenant.members[Role.THERAPIST],
        texts=texts or DAP,
    )


def test_the_note_follows_the_clinic_format_and_is_complete_before_signing(
    clinic_a: Tenant,
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    services.therapy_settings_update(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, note_format="birp"
    )
    session = past_session(clinic_a)
    with pytest.raises(ValidationError) as refused:
        draft(clinic_a, session, data="DAP text in a BIRP clinic")
    assert "data" in refused.value.message_dict
    note = draft(clinic_a, session, behavior="Calm.", intervention="MI.", response="Engaged.")
    assert note.format == "birp"
    assert [label for label, _ in note.sections] == ["Behavior", "Intervention", "Response", "Plan"]
    with pytest.raises(ValidationError) as incomplete:
        services.progress_note_sign(note, signer=therapist)
    assert set(incomplete.value.message_dict) == {"plan"}
    # The clinic changing its format later never reshapes a note already started.
    services.therapy_settings_update(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, note_format="soap"
    )
    note = services.progress_note_save(
        session=note.session, author=therapist, texts={"plan": "Next week."}
    )
    signed = services.progress_note_sign(note, signer=therapist)
    assert signed.is_signed
    assert signed.format == "birp"


def test_part2_defaults_from_a_substance_use_diagnosis(clinic_a: Tenant) -> None:
    # The tenant's patient has F10.20 (alcohol dependence): substance-use counseling.
    assert draft(clinic_a).part2 is True


def test_only_the_lead_writes_and_only_the_author_signs(clinic_a: Tenant) -> None:
    other = factories.member(clinic_a.clinic, Role.THERAPIST)
    session = past_session(clinic_a)
    with pytest.raises(DomainError):
        services.progress_note_save(session=session, author=other, texts=DAP)
    note = services.progress_note_save(
        session=session, author=clinic_a.members[Role.THERAPIST], texts=DAP
    )
    with pytest.raises(DomainError):
        services.progress_note_sign(note, signer=other)


def test_a_signed_note_cannot_change_through_the_service(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    note = services.progress_note_sign(draft(clinic_a), signer=therapist)
    with pytest.raises(DomainError):
        services.progress_note_save(session=note.session, author=therapist, texts={"plan": "X"})
    with pytest.raises(DomainError):
        services.progress_note_sign(note, signer=therapist)


def test_the_database_refuses_changes_to_a_signed_note(clinic_a: Tenant) -> None:
    """Every path: raw ORM update and delete of the note, its linked objectives, its
    addenda and co-signature; a new objective link on a signed note."""
    note = signed_record_note(clinic_a)  # with an objective and an addendum
    with clinic_context(clinic_a.clinic.pk):
        objective_id = NoteObjective.objects.get(note=note).objective_id
    attempts = [
        lambda: ProgressNote.objects.filter(pk=note.pk).update(data="Rewritten."),
        lambda: ProgressNote.objects.filter(pk=note.pk).update(signed_at=None),
        lambda: ProgressNote.objects.filter(pk=note.pk).update(part2=False),
        lambda: raw("DELETE FROM therapy_progressnote WHERE id = %s", note.pk),
        lambda: NoteObjective.objects.filter(note=note).delete(),
        lambda: NoteObjective.objects.filter(note=note).update(objective_id=objective_id),
    ]
    for attempt in attempts:
        with (
            clinic_context(clinic_a.clinic.pk),
            pytest.raises(ProgrammingError, match="signed"),
            transaction.atomic(),
        ):
            attempt()
    # The ORM's delete stops even earlier: addenda protect their note.
    with clinic_context(clinic_a.clinic.pk), pytest.raises(ProtectedError):
        ProgressNote.objects.filter(pk=note.pk).delete()
    append_only = [
        lambda: NoteAddendum.objects.filter(note=note).update(text="Rewritten."),
        lambda: NoteAddendum.objects.filter(note=note).delete(),
    ]
    for attempt in append_only:
        with (
            clinic_context(clinic_a.clinic.pk),
            pytest.raises(ProgrammingError),
            transaction.atomic(),
        ):
            attempt()
    with clinic_context(clinic_a.clinic.pk):
        kept = ProgressNote.objects.get(pk=note.pk)
        assert kept.data == "Reported two cravings."
        assert kept.is_signed
        assert NoteAddendum.objects.get(note=note).text == "Late entry: phone check-in."


def signed_record_note(tenant: Tenant) -> ProgressNote:
    """The tenant's draft note, signed, with an addendum."""
    therapist = tenant.members[Role.THERAPIST]
    note = services.progress_note_sign(tenant.records["note_id"], signer=therapist)
    services.note_addendum_add(note, actor=therapist.user, text="Late entry: phone check-in.")
    return note


def raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_draft_can_still_change_in_the_database(clinic_a: Tenant) -> None:
    note = draft(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        assert ProgressNote.objects.filter(pk=note.pk).update(data="Edited draft.") == 1


def test_addenda_only_on_signed_notes_and_in_order(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    note = draft(clinic_a)
    with pytest.raises(DomainError):
        services.note_addendum_add(note, actor=therapist.user, text="Too early")
    services.progress_note_sign(note, signer=therapist)
    with pytest.raises(ValidationError):
        services.note_addendum_add(note, actor=therapist.user, text="   ")
    first = services.note_addendum_add(note, actor=therapist.user, text="Correction one.")
    second = services.note_addendum_add(note, actor=therapist.user, text="Correction two.")
    with clinic_context(clinic_a.clinic.pk):
        assert list(note.addenda.all()) == [first, second]


def test_a_supervised_clinicians_note_is_final_only_once_co_signed(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    supervisor = factories.member(clinic_a.clinic, Role.THERAPIST)
    services.therapist_profile_set(
        membership=therapist, actor=clinic_a.admin.user, needs_cosign=True, supervisor=supervisor
    )
    note = services.progress_note_sign(draft(clinic_a), signer=therapist)
    assert note.cosign_required
    with clinic_context(clinic_a.clinic.pk):
        assert not selectors.is_final(ProgressNote.objects.get(pk=note.pk))
    with clinic_context(clinic_a.clinic.pk):
        todo = selectors.notes_todo(clinic=clinic_a.clinic, membership=supervisor)
    assert [n.pk for n in todo.to_cosign] == [note.pk]
    with pytest.raises(DomainError):  # someone else's supervisee
        services.progress_note_cosign(note, supervisor=clinic_a.members[Role.CASE_MANAGER])
    services.progress_note_cosign(note, supervisor=supervisor)
    with pytest.raises(DomainError):
        services.progress_note_cosign(note, supervisor=supervisor)
    with clinic_context(clinic_a.clinic.pk):
        assert selectors.is_final(ProgressNote.objects.get(pk=note.pk))
        with pytest.raises(ProgrammingError), transaction.atomic():
            NoteCosignature.objects.filter(note=note).delete()
    with clinic_context(clinic_a.clinic.pk):
        todo = selectors.notes_todo(clinic=clinic_a.clinic, membership=supervisor)
    assert todo.to_cosign == []


def test_a_note_without_supervision_is_final_when_signed(clinic_a: Tenant) -> None:
    note = signed_record_note(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        assert selectors.is_final(ProgressNote.objects.get(pk=note.pk))


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        (Role.ADMIN, True),
        (Role.THERAPIST, True),  # primary therapist
        (Role.CASE_MANAGER, True),
        (Role.AUDITOR, True),
        (Role.FRONT_DESK, False),
        (Role.NURSE, False),
    ],
)
def test_notes_are_read_by_the_treating_team_only(clinic_a: Tenant, role: str, reads: bool) -> None:
    note = clinic_a.records["note_id"]
    membership = clinic_a.members[role]
    with clinic_context(clinic_a.clinic.pk):
        listed = list(selectors.note_list(clinic=clinic_a.clinic, membership=membership))
    assert (note in listed) is reads
    page = clinic_a.client_for(role).get(f"/c/{clinic_a.clinic.slug}/therapy/notes/{note.pk}/")
    assert page.status_code == (200 if reads else 403)


def test_a_therapist_outside_the_team_does_not_see_the_note(clinic_a: Tenant) -> None:
    outsider = factories.member(clinic_a.clinic, Role.THERAPIST)
    note = clinic_a.records["note_id"]
    with clinic_context(clinic_a.clinic.pk):
        assert list(selectors.note_list(clinic=clinic_a.clinic, membership=outsider)) == []
    client = factories_client(outsider)
    assert client.get(f"/c/{clinic_a.clinic.slug}/therapy/notes/{note.pk}/").status_code == 404
    # Their supervisor relationship opens it.
    services.therapist_profile_set(
        membership=clinic_a.members[Role.THERAPIST], actor=clinic_a.admin.user,
        needs_cosign=False, supervisor=outsider,
    )  # fmt: skip
    assert client.get(f"/c/{clinic_a.clinic.slug}/therapy/notes/{note.pk}/").status_code == 200


def factories_client(membership: object) -> object:
    from django.test import Client

    client = Client()
    client.force_login(membership.user)  # type: ignore[attr-defined]
    return client
