"""Group notes: a shared part once, a part per attendee; the rules before signing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, transaction

from groups import services as notes
from groups.models import GroupNote, GroupNotePart
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Attendance, GroupType, Topic
from tests import factories
from tests.conftest import Tenant
from tests.scheduling.test_roster import todays_session


def group_of_three(tenant: Tenant) -> tuple[object, list[object]]:
    admin = tenant.admin.user
    session = todays_session(tenant)
    others = [
        factories.patient(tenant.clinic, actor=admin, legal_first_name=n, legal_last_name="Rowe")
        for n in ("Quinn", "Morgan")
    ]
    for patient in others:
        calendar.attendance_add(session=session, patient=patient, actor=admin)
    with clinic_context(tenant.clinic.pk):
        for row in Attendance.objects.filter(session=session):
            row.session = session
            calendar.attendance_mark(row, actor=admin, status="present")
    return session, [tenant.patient, *others]


def test_signing_needs_a_distinct_part_for_everyone_who_came(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST].user
    session, people = group_of_three(clinic_a)
    parts = {p.pk: "Engaged and shared openly." for p in people}
    note = notes.group_note_save(session=session, actor=therapist, summary="Triggers.", parts=parts)
    with pytest.raises(ValidationError, match="identical"):
        notes.group_note_sign(note, actor=therapist)
    parts[people[1].pk] = ""
    note = notes.group_note_save(session=session, actor=therapist, summary="Triggers.", parts=parts)
    with pytest.raises(ValidationError, match="Write the part for"):
        notes.group_note_sign(note, actor=therapist)
    parts = {p.pk: f"Participated; goal {i}." for i, p in enumerate(people)}
    parts[people[2].pk] = "Supported Quinn when she spoke."
    note = notes.group_note_save(session=session, actor=therapist, summary="Triggers.", parts=parts)
    with pytest.raises(ValidationError, match="names another attendee"):
        notes.group_note_sign(note, actor=therapist)
    notes.group_note_sign(note, actor=therapist, names_checked=True)
    with pytest.raises(DomainError):
        notes.group_note_save(session=session, actor=therapist, summary="Changed.", parts={})


def test_the_database_refuses_changes_to_a_signed_note(clinic_a: Tenant) -> None:
    """Not only the service: raw ORM updates, deletes and added parts are refused too."""
    therapist = clinic_a.members[Role.THERAPIST].user
    session, people = group_of_three(clinic_a)
    parts = {p.pk: f"Participated; goal {i}." for i, p in enumerate(people)}
    note = notes.group_note_save(session=session, actor=therapist, summary="Stress.", parts=parts)
    with clinic_context(clinic_a.clinic.pk):
        GroupNotePart.objects.filter(note=note, patient=people[0]).update(text="Draft edit.")
    notes.group_note_sign(note, actor=therapist)
    attempts = [
        lambda: GroupNote.objects.filter(pk=note.pk).update(summary="Rewritten."),
        lambda: GroupNote.objects.filter(pk=note.pk).update(signed_at=None),
        lambda: GroupNote.objects.filter(pk=note.pk).delete(),
        lambda: GroupNotePart.objects.filter(note=note).update(text="Rewritten."),
        lambda: GroupNotePart.objects.filter(note=note).delete(),
        lambda: GroupNotePart.objects.create(
            clinic=clinic_a.clinic, note=note, patient=people[0], text="Late addition."
        ),
    ]
    for attempt in attempts:
        with (
            clinic_context(clinic_a.clinic.pk),
            pytest.raises(ProgrammingError, match="signed"),
            transaction.atomic(),
        ):
            attempt()
    with clinic_context(clinic_a.clinic.pk):
        assert GroupNote.objects.get(pk=note.pk).summary == "Stress."
        texts = GroupNotePart.objects.filter(note=note).values_list("text", flat=True)
        assert sorted(texts) == ["Draft edit.", "Participated; goal 1.", "Participated; goal 2."]


def test_signed_parts_reach_each_chart_and_only_the_treating_team(clinic_a: Tenant) -> None:
    session, people = group_of_three(clinic_a)
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/sessions/{session.pk}/note/"
    form = {"summary": "Relapse warning signs.", "action": "sign"}
    form.update({f"part-{p.pk}": f"Own words {i}" for i, p in enumerate(people)})
    form[f"part-{people[0].pk}"] = ""
    refused = client.post(url, form)
    html = refused.content.decode()
    assert "Write the part for" in html
    assert "Own words 1" in html  # nothing typed is lost
    form[f"part-{people[0].pk}"] = "Own words 0"
    assert client.post(url, form).status_code == 302
    chart = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    page = client.get(chart).content.decode()
    assert "Relapse warning signs." in page
    assert "Own words 0" in page
    assert "Own words 1" not in page  # another attendee's part stays in their chart
    front_desk = clinic_a.client_for(Role.FRONT_DESK).get(chart).content.decode()
    assert "Relapse warning signs." not in front_desk


def test_group_notes_through_the_api(clinic_a: Tenant) -> None:
    from django.test import Client

    session, people = group_of_three(clinic_a)
    _, secret = factories.api_token(clinic_a.members[Role.THERAPIST])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    url = f"/api/v1/sessions/{session.pk}/note"
    assert client.get(url).json()["summary"] == ""
    early = client.post(f"{url}/sign", {}, content_type="application/json")
    assert early.status_code == 400
    parts = [
        {"patient": p.pk, "text": f"Practiced I-statements ({i})."} for i, p in enumerate(people)
    ]
    body = {"summary": "Communication skills.", "parts": parts}
    assert client.put(url, body, content_type="application/json").status_code == 200
    signed = client.post(f"{url}/sign", {}, content_type="application/json")
    assert signed.status_code == 200
    assert signed.json()["signed_at"]
    again = client.put(url, body, content_type="application/json")
    assert again.status_code == 409
    _, front = factories.api_token(clinic_a.members[Role.FRONT_DESK])
    refused = Client(headers={"Authorization": f"Bearer {front}"}).get(url)
    assert refused.status_code == 403  # front desk never reads notes


def test_an_admin_shapes_the_curriculum(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    base = f"/c/{clinic_a.clinic.slug}/curriculum/"
    with clinic_context(clinic_a.clinic.pk):
        skills = GroupType.objects.get(clinic=clinic_a.clinic, kind="skills")
        last = max(skills.topics.values_list("order", flat=True))
    assert "Relapse warning signs" in client.get(base).content.decode()
    added = client.post(
        f"{base}topics/new/", {"group_type": skills.pk, "name": "Sleep hygiene"}, follow=True
    )
    assert "Topic “Sleep hygiene” saved." in added.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        topic = Topic.objects.get(clinic=clinic_a.clinic, name="Sleep hygiene")
    assert topic.order == last + 1  # empty order: last of its group type
    clash = client.post(f"{base}topics/new/", {"group_type": skills.pk, "name": "Sleep hygiene"})
    assert "already has a topic with this name" in clash.content.decode()
    # The same name under another group type is fine.
    with clinic_context(clinic_a.clinic.pk):
        education = GroupType.objects.get(clinic=clinic_a.clinic, kind="education")
    other = client.post(f"{base}topics/new/", {"group_type": education.pk, "name": "Sleep hygiene"})
    assert other.status_code == 302
    retired = client.post(
        f"{base}topics/{topic.pk}/", {"group_type": skills.pk, "name": "Sleep hygiene", "order": 3}
    )
    assert retired.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        topic.refresh_from_db()
    assert (topic.order, topic.is_active) == (3, False)
    page = client.get(base).content.decode()
    assert "Retired" in page
    made = client.post(f"{base}group-types/new/", {"name": "Art therapy", "kind": "process"})
    assert made.status_code == 302
    again = client.post(f"{base}group-types/new/", {"name": "Art therapy", "kind": "skills"})
    assert "Another group type already has this name." in again.content.decode()


def test_curriculum_through_the_api(clinic_a: Tenant, clinic_b: Tenant) -> None:
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    made = client.post("/api/v1/group-types/", {"name": "Yoga", "kind": "skills"})
    assert made.status_code == 201, made.content
    topic = client.post("/api/v1/topics/", {"group_type": made.json()["id"], "name": "Breath"})
    assert topic.status_code == 201
    assert topic.json()["order"] == 1
    foreign = clinic_b.records["group_type_id"].pk
    refused = client.post("/api/v1/topics/", {"group_type": foreign, "name": "Breath"})
    assert refused.status_code == 400
    patched = client.patch(
        f"/api/v1/topics/{topic.json()['id']}/",
        {"is_active": False},
        content_type="application/json",
    )
    assert patched.json()["is_active"] is False
