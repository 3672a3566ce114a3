"""Missed sessions and make-ups: detection, ranked proposals, decisions, and the sweep's
guarantees (on commit, idempotent, safe with two workers at once)."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop import services as core
from iop.models import Notification
from iop.roles import Role
from iop.services import DomainError
from iop.tenancy import clinic_context
from progress import selectors as progress_selectors
from scheduling import makeups
from scheduling import services as calendar
from scheduling.ledger import weeks_for
from scheduling.models import (
    Attendance,
    AttendanceTodo,
    GroupType,
    MakeupProposal,
    MissedSession,
    Session,
    Topic,
    Track,
)
from tests import factories
from tests.conftest import Tenant, wait_until
from therapy.models import Availability


def skills_with_topic(tenant: Tenant) -> tuple[GroupType, Topic]:
    with clinic_context(tenant.clinic.pk):
        skills = GroupType.objects.get(clinic=tenant.clinic, kind="skills")
        return skills, skills.topics.order_by("order").first()  # type: ignore[return-value]


def evening_track(tenant: Tenant, group_type: GroupType, **fields: object) -> Track:
    """Another track of the same group type that the patient is not enrolled in."""
    track = factories.track(
        tenant.clinic, actor=tenant.admin.user, name="Evening IOP", slot="evening",
        hours=(datetime.time(18), datetime.time(21)), weekdays=[0, 1, 2, 3, 4], **fields,
    )  # fmt: skip
    calendar.sessions_generate(clinic=tenant.clinic)
    with clinic_context(tenant.clinic.pk):
        Session.objects.filter(track=track).update(group_type=group_type)
    return track


def evening_sessions(tenant: Tenant, track: Track) -> list[Session]:
    with clinic_context(tenant.clinic.pk):
        now = clock.now()
        return list(Session.objects.filter(track=track, starts_at__gt=now).order_by("starts_at"))


def proposals(missed: MissedSession) -> list[MakeupProposal]:
    with clinic_context(missed.clinic_id):
        return list(MakeupProposal.objects.filter(missed=missed).order_by("rank"))


def test_proposals_rank_same_topic_then_sooner_and_respect_capacity_and_clashes(
    clinic_a: Tenant,
) -> None:
    admin = clinic_a.admin.user
    skills, topic = skills_with_topic(clinic_a)
    evening = evening_track(clinic_a, skills, capacity=2)
    coming = evening_sessions(clinic_a, evening)
    # The sixth coming evening session covers the missed topic; the first is full; the
    # patient has an appointment at the time of the second.
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=coming[5].pk).update(topic=topic)
    for n in range(2):
        other = factories.patient(clinic_a.clinic, actor=admin, legal_last_name=f"Full{n}")
        calendar.attendance_add(session=coming[0], patient=other, actor=admin)
    individual = calendar.session_create(
        clinic=clinic_a.clinic, actor=admin, kind="individual",
        day=coming[1].day, starts_at=coming[1].starts_at, ends_at=coming[1].ends_at,
        lead=clinic_a.members[Role.THERAPIST],
    )  # fmt: skip
    calendar.attendance_add(session=individual, patient=clinic_a.patient, actor=admin)

    missed = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills, topic=topic)
    ranked = proposals(missed)
    assert [p.session_id for p in ranked] == [coming[5].pk, coming[2].pk, coming[3].pk]
    assert [p.same_topic for p in ranked] == [True, False, False]
    assert missed.none_found == ""


def test_the_sweep_is_idempotent(clinic_a: Tenant) -> None:
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    missed = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, group_type=skills
    )
    before = [(p.rank, p.session_id) for p in proposals(missed)]
    again = makeups.missed_sweep(clinic=clinic_a.clinic)
    assert (again.missed, again.proposals) == (0, 0)
    assert [(p.rank, p.session_id) for p in proposals(missed)] == before
    with clinic_context(clinic_a.clinic.pk):
        assert MissedSession.objects.filter(patient=clinic_a.patient).count() == 2  # + fixture's


def test_no_proposal_says_why(clinic_a: Tenant) -> None:
    skills, _ = skills_with_topic(clinic_a)
    missed = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, group_type=skills
    )
    assert proposals(missed) == []
    assert missed.none_found == "No other session of this group within 14 days."
    evening = evening_track(clinic_a, skills, capacity=1)
    with clinic_context(clinic_a.clinic.pk):
        others = list(Session.objects.filter(track=evening, starts_at__gt=clock.now()))
    for session in others:
        filler = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
        calendar.attendance_add(session=session, patient=filler, actor=clinic_a.admin.user)
    second = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, group_type=skills, days_ago=3
    )
    window = sum(1 for s in others if s.day <= second.session.day + datetime.timedelta(14))
    assert second.none_found == (
        f"All {window} sessions of this group within 14 days are full ({window}) or clash "
        "with the patient's schedule (0)."
    )
    assert 0 < window < len(others)


def test_a_miss_waits_for_the_grace_period_and_a_correction_withdraws_it(
    clinic_a: Tenant,
) -> None:
    admin = clinic_a.admin.user
    now = clock.now()
    starts_at = now - datetime.timedelta(hours=2)
    session = calendar.session_create(
        clinic=clinic_a.clinic, actor=admin, kind="group",
        day=clock.local_date(clinic_a.clinic, starts_at), starts_at=starts_at,
        ends_at=now - datetime.timedelta(minutes=10),
    )  # fmt: skip
    row = calendar.attendance_add(session=session, patient=clinic_a.patient, actor=admin)
    row.session = session
    calendar.attendance_mark(row, actor=admin, status="absent")
    assert makeups.missed_sweep(clinic=clinic_a.clinic).missed == 0  # within the 30 minutes
    later = now + datetime.timedelta(minutes=25)
    assert makeups.missed_sweep(clinic=clinic_a.clinic, now=later).missed == 1
    calendar.attendance_mark(  # they came after all
        row, actor=admin, status="late", arrived_at=starts_at + datetime.timedelta(minutes=30)
    )
    swept = makeups.missed_sweep(clinic=clinic_a.clinic, now=later)
    assert swept.withdrawn == 1
    with clinic_context(clinic_a.clinic.pk):
        assert MissedSession.objects.get(attendance=row).status == "withdrawn"


def test_accepting_books_the_makeup_and_the_ledger_counts_it(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    missed = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills)
    first = proposals(missed)[0]
    makeup = makeups.makeup_accept(missed, actor=admin, proposal=first)
    assert (makeup.session_id, makeup.makeup_of_id) == (first.session_id, missed.attendance_id)
    with clinic_context(clinic_a.clinic.pk):
        missed.refresh_from_db()
        makeup = Attendance.objects.select_related("session").get(pk=makeup.pk)
    assert (missed.status, missed.makeup_id, missed.resolved_by_id) == (
        "made_up",
        makeup.pk,
        admin.pk,
    )
    with pytest.raises(DomainError, match="already decided"):
        makeups.makeup_accept(missed, actor=admin, proposal=first)

    # Attended, the make-up counts in its week like any session.
    def attended() -> int:
        with clinic_context(clinic_a.clinic.pk):
            ledger = weeks_for(clinic=clinic_a.clinic, start=makeup.session.day)
        week = ledger.get((clinic_a.patient.pk, clock.week_start(makeup.session.day)))
        return week.attended if week else 0

    before = attended()
    with time_machine.travel(makeup.session.starts_at, tick=True):  # marked once it begins
        calendar.attendance_mark(makeup, actor=admin, status="present")
    assert attended() - before == 180


def test_waiving_needs_a_reason(clinic_a: Tenant) -> None:
    missed = clinic_a.records["missed_id"]
    with pytest.raises(ValidationError, match="Say why"):
        makeups.makeup_waive(missed, actor=clinic_a.admin.user, reason="  ")
    makeups.makeup_waive(missed, actor=clinic_a.admin.user, reason="Covered individually.")
    with clinic_context(clinic_a.clinic.pk):
        missed.refresh_from_db()
    assert (missed.status, missed.waive_reason) == ("waived", "Covered individually.")


def test_an_individual_miss_gets_the_therapists_free_hours(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    missed = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, kind="individual", lead=therapist,
        hours=(10, 11),
    )  # fmt: skip
    slots = proposals(missed)
    assert len(slots) == 3
    tz = clock.zone(clinic_a.clinic)
    with clinic_context(clinic_a.clinic.pk):
        busy = list(
            Attendance.objects.filter(patient=clinic_a.patient, is_active=True).values_list(
                "starts_at", "ends_at"
            )
        )
    with clinic_context(clinic_a.clinic.pk):
        hours = set(
            Availability.objects.filter(therapist=therapist).values_list(
                "weekday", "starts_at", "ends_at"
            )
        )
    assert hours  # the tenant's therapist records weekly hours
    for slot in slots:
        local, local_end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        assert slot.lead_id == therapist.pk
        assert any(
            day == local.weekday() and t0 <= local.time() and local_end.time() <= t1
            for day, t0, t1 in hours
        )
        assert slot.ends_at - slot.starts_at == datetime.timedelta(hours=1)
        assert not any(a < slot.ends_at and b > slot.starts_at for a, b in busy)
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
    makeup = makeups.makeup_accept(missed, actor=clinic_a.admin.user, proposal=slots[0])
    with clinic_context(clinic_a.clinic.pk):
        session = Session.objects.get(pk=makeup.session_id)
    assert (session.kind, session.lead_id, session.starts_at) == (
        "individual",
        therapist.pk,
        slots[0].starts_at,
    )


def test_unmarked_lists_become_a_front_desk_todo_until_marked(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    session = factories.past_session(clinic_a.clinic, actor=admin)
    row = calendar.attendance_add(session=session, patient=clinic_a.patient, actor=admin)
    assert makeups.missed_sweep(clinic=clinic_a.clinic).todos == 1
    page = clinic_a.client_for(Role.FRONT_DESK).get(f"/c/{clinic_a.clinic.slug}/roster/")
    assert "1 patient not marked" in page.content.decode()
    row.session = session
    calendar.attendance_mark(row, actor=admin, status="present")
    assert makeups.missed_sweep(clinic=clinic_a.clinic).todos == 0
    with clinic_context(clinic_a.clinic.pk):
        assert AttendanceTodo.objects.get(session=session).resolved_at is not None


def test_two_unexcused_misses_in_two_weeks_flag_the_chart(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    client = clinic_a.client_for(Role.CASE_MANAGER)
    assert "unexcused misses in 14 days" not in client.get(url).content.decode()  # one so far
    factories.missed_session(clinic_a.patient, actor=admin, status="excused", days_ago=4)
    assert "unexcused misses in 14 days" not in client.get(url).content.decode()
    factories.missed_session(clinic_a.patient, actor=admin, days_ago=5)
    assert "2 unexcused misses in 14 days" in client.get(url).content.decode()


# Mid-afternoon: a session that ended ten minutes ago is today's and still in its grace.
@pytest.mark.instant("2026-12-02 15:00")
def test_the_chart_the_caseload_and_the_queue_agree_on_misses_inside_the_grace_period(
    clinic_a: Tenant,
) -> None:
    admin, clinic = clinic_a.admin.user, clinic_a.clinic
    case_manager = clinic_a.members[Role.CASE_MANAGER]
    patient = clinic_a.patient
    core.patient_update(patient=patient, actor=admin, case_manager=case_manager)
    now = clock.now()
    recent = calendar.session_create(
        clinic=clinic, actor=admin, kind="group", day=clock.today(clinic),
        starts_at=now - datetime.timedelta(hours=2), ends_at=now - datetime.timedelta(minutes=10),
    )  # fmt: skip
    row = calendar.attendance_add(session=recent, patient=patient, actor=admin)
    row.session = recent
    calendar.attendance_mark(row, actor=admin, status="absent")
    makeups.missed_sweep(clinic=clinic)

    def verdicts() -> tuple[bool, bool, bool]:
        chart = client.get(f"/c/{clinic.slug}/patients/{patient.pk}/").content.decode()
        with clinic_context(clinic.pk):
            [caseload] = [
                r for r in progress_selectors.caseload(clinic=clinic) if r.patient.pk == patient.pk
            ]
        queue = client.get(f"/c/{clinic.slug}/makeups/").context["at_risk"]
        return (
            "2 unexcused misses in 14 days" in chart,
            any(code == "missed" for code, _t, _w in caseload.flags),
            patient.pk in queue,
        )

    client = clinic_a.client_for(Role.CASE_MANAGER)
    with clinic_context(clinic.pk):
        # The fixture's miss is recorded; today's is marked but waits out the grace period.
        assert MissedSession.objects.filter(clinic=clinic, patient=patient).count() == 1
    assert verdicts() == (True, True, True)
    calendar.attendance_mark(row, actor=admin, status="excused")  # the call came in after all
    assert verdicts() == (False, False, False)


@pytest.mark.django_db(transaction=True)
def test_marking_absent_enqueues_the_sweep_on_commit_and_notifies_the_case_manager(
    clinic_a: Tenant, celery_worker: object
) -> None:
    from iop import services

    admin = clinic_a.admin.user
    case_manager = clinic_a.members[Role.CASE_MANAGER]
    with clinic_context(clinic_a.clinic.pk):
        services.patient_update(patient=clinic_a.patient, actor=admin, case_manager=case_manager)
    session = factories.past_session(clinic_a.clinic, actor=admin, days_ago=1)
    row = calendar.attendance_add(session=session, patient=clinic_a.patient, actor=admin)
    row.session = session

    # Rolled back: nothing is enqueued, nothing recorded.
    def mark_then_fail() -> None:
        with transaction.atomic():
            calendar.attendance_mark(row, actor=admin, status="absent")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        mark_then_fail()
    with clinic_context(clinic_a.clinic.pk):
        assert not MissedSession.objects.filter(attendance=row).exists()
    with clinic_context(clinic_a.clinic.pk):
        row.refresh_from_db()
    row.session = session
    calendar.attendance_mark(row, actor=admin, status="absent")

    def recorded() -> bool:
        with clinic_context(clinic_a.clinic.pk):
            return MissedSession.objects.filter(attendance=row).exists()

    assert wait_until(recorded)
    with clinic_context(clinic_a.clinic.pk):
        note = Notification.objects.get(recipient=case_manager)
    assert "a make-up decision" in note.message
    assert wait_until(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == [case_manager.user.email]
    assert clinic_a.patient.legal_last_name not in mail.outbox[0].body  # no patient data by mail


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_each_miss_once(clinic_a: Tenant) -> None:
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    admin = clinic_a.admin.user
    rows = []
    for n in range(5):
        patient = factories.patient(clinic_a.clinic, actor=admin, legal_last_name=f"Away{n}")
        session = factories.past_session(clinic_a.clinic, actor=admin, group_type=skills)
        row = calendar.attendance_add(session=session, patient=patient, actor=admin)
        row.session = session
        calendar.attendance_mark(row, actor=admin, status="absent")
        rows.append(row)
    start = threading.Barrier(2)
    results = []

    def sweep() -> None:
        start.wait()
        try:
            results.append(makeups.missed_sweep(clinic=clinic_a.clinic))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.missed for r in results) == [0, 5]
    with clinic_context(clinic_a.clinic.pk):
        misses = MissedSession.objects.filter(attendance__in=rows)
        assert misses.count() == 5
        per_miss = {m.pk: m.proposals.count() for m in misses}
    assert set(per_miss.values()) == {3}


def test_the_queue_books_and_waives(clinic_a: Tenant) -> None:
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    missed = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, group_type=skills
    )
    client = clinic_a.client_for(Role.FRONT_DESK)
    base = f"/c/{clinic_a.clinic.slug}/makeups/"
    page = client.get(base).content.decode()
    assert "Same topic" not in page
    assert "Book" in page
    assert clinic_a.patient.record_number in page
    refused = client.post(f"{base}{missed.pk}/decide/", {"action": "waive", "reason": ""})
    assert "Say why no make-up is needed." in refused.content.decode()
    first = proposals(missed)[0]
    booked = client.post(
        f"{base}{missed.pk}/decide/", {"action": "accept", "proposal": first.pk}, follow=True
    )
    assert "Make-up booked for" in booked.content.decode()
    again = client.post(f"{base}{missed.pk}/decide/", {"action": "accept", "proposal": first.pk})
    assert "already decided" in again.content.decode()
    nurse = clinic_a.client_for(Role.NURSE)
    assert nurse.post(f"{base}{missed.pk}/decide/", {"action": "waive"}).status_code == 403


@pytest.mark.parametrize("misses", [5, 40])
def test_queue_query_budget(clinic_a: Tenant, misses: int) -> None:
    admin = clinic_a.admin.user
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    for n in range(misses - 1):
        patient = factories.patient(clinic_a.clinic, actor=admin, legal_last_name=f"Q{n}")
        session = factories.past_session(
            clinic_a.clinic, actor=admin, group_type=skills, hours=(8 + n % 8, 9 + n % 8)
        )
        row = calendar.attendance_add(session=session, patient=patient, actor=admin)
        row.session = session
        calendar.attendance_mark(row, actor=admin, status="absent")
    makeups.missed_sweep(clinic=clinic_a.clinic)
    client = clinic_a.client_for(Role.CASE_MANAGER)
    client.get(f"/c/{clinic_a.clinic.slug}/makeups/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/c/{clinic_a.clinic.slug}/makeups/")
    assert response.status_code == 200
    assert response.content.decode().count(">Book<") >= misses
    assert len(queries) == QUEUE_QUERIES, [q["sql"][:90] for q in queries]


QUEUE_QUERIES = 11  # 15 before the framework's four fewer (clinic, MFA, session, person)


def test_makeups_through_the_api(clinic_a: Tenant) -> None:
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    missed = factories.missed_session(
        clinic_a.patient, actor=clinic_a.admin.user, group_type=skills
    )
    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    listed = client.get("/api/v1/missed-sessions/", {"status": "open"}).json()
    mine = next(m for m in listed["results"] if m["id"] == missed.pk)
    assert [p["rank"] for p in mine["proposals"]] == [1, 2, 3]
    url = f"/api/v1/missed-sessions/{missed.pk}"
    both = client.post(
        f"{url}/accept",
        {"proposal": mine["proposals"][0]["id"], "session": mine["proposals"][0]["session"]},
        content_type="application/json",
    )
    assert both.status_code == 400
    assert "proposal" in both.json()["error"]["fields"]
    booked = client.post(
        f"{url}/accept",
        {"session": mine["proposals"][1]["session"]},
        content_type="application/json",
    )
    assert booked.status_code == 200, booked.content
    assert booked.json()["status"] == "made_up"
    assert booked.json()["makeup_session"] == mine["proposals"][1]["session"]
    late = client.post(f"{url}/waive", {"reason": "Too late"}, content_type="application/json")
    assert late.status_code == 409


def test_a_patient_once_taken_off_a_session_rejoins_it_as_the_makeup(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    skills, _ = skills_with_topic(clinic_a)
    evening = evening_track(clinic_a, skills)
    target = evening_sessions(clinic_a, evening)[0]
    old = calendar.attendance_add(session=target, patient=clinic_a.patient, actor=admin)
    with clinic_context(clinic_a.clinic.pk):
        Attendance.objects.filter(pk=old.pk).update(is_active=False)  # e.g. a track change
    missed = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills)
    makeup = makeups.makeup_accept(missed, actor=admin, session=target)
    assert makeup.pk == old.pk
    with clinic_context(clinic_a.clinic.pk):
        row = Attendance.objects.get(pk=old.pk)
    assert (row.is_active, row.status, row.makeup_of_id) == (True, "expected", missed.attendance_id)
    second = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills, days_ago=4)
    with pytest.raises(ValidationError, match="already on that session"):
        makeups.makeup_accept(second, actor=admin, session=target)


def test_booking_one_miss_withdraws_that_time_from_the_patients_other_misses(
    clinic_a: Tenant,
) -> None:
    admin = clinic_a.admin.user
    skills, _ = skills_with_topic(clinic_a)
    evening_track(clinic_a, skills)
    first = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills)
    second = factories.missed_session(clinic_a.patient, actor=admin, group_type=skills, days_ago=3)
    shared = proposals(first)[0].session_id
    assert shared in [p.session_id for p in proposals(second)]
    makeups.makeup_accept(first, actor=admin, proposal=proposals(first)[0])
    assert shared not in [p.session_id for p in proposals(second)]
    assert proposals(second)  # the others remain
