"""The weekly individual session scheduler: every active patient placed with their primary
therapist, never clashing, keeping last week's time, and each failure explained."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Clinic
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session
from tests import factories
from tests.therapy.records import caseload_clinic
from therapy import scheduler, services
from therapy.models import Availability

SCHEDULER_QUERIES = (
    9  # settings, enrollments, slots, hours, blocks, sessions, attendance x2, closures
)


@pytest.fixture
def clinic(db: None) -> Clinic:
    return factories.ClinicFactory(slug="sched", generate_weeks_ahead=3)


def next_monday(clinic: Clinic) -> datetime.date:
    today = clock.today(clinic)
    return clock.week_start(today) + datetime.timedelta(weeks=1)


def overlapping_pairs(clinic: Clinic) -> int:
    """Pairs of live sessions sharing a lead, and attendance rows of one patient, that overlap."""
    with connection.cursor() as cursor, clinic_context(clinic.pk):
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM scheduling_session a JOIN scheduling_session b
                    ON a.lead_id = b.lead_id AND a.id < b.id AND a.status <> 'cancelled'
                    AND b.status <> 'cancelled' AND a.starts_at < b.ends_at
                    AND b.starts_at < a.ends_at)
                 + (SELECT count(*) FROM scheduling_attendance a JOIN scheduling_attendance b
                    ON a.patient_id = b.patient_id AND a.id < b.id AND a.is_active AND b.is_active
                    AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at)
            """
        )
        return int(cursor.fetchone()[0])


def test_100_patients_across_10_therapists_are_placed_without_conflicts(clinic: Clinic) -> None:
    admin = factories.member(clinic, Role.ADMIN).user
    staff, people = caseload_clinic(clinic, actor=admin, therapists=10, patients=100)
    # Therapist 0 works Mondays and Fridays only: her Evening patients (Tue/Wed/Thu) cannot
    # be placed. Therapist 1 has a single hour on Mondays and Wednesdays: the first two of
    # her patients on those days fit, the rest find her fully booked.
    with clinic_context(clinic.pk):
        Availability.objects.filter(therapist=staff[0], weekday__in=[1, 2, 3]).delete()
        Availability.objects.filter(therapist=staff[1]).delete()
    for weekday in (0, 2):
        services.availability_add(
            clinic=clinic, actor=admin, therapist=staff[1], weekday=weekday,
            starts_at=datetime.time(12), ends_at=datetime.time(13),
        )  # fmt: skip
    with clinic_context(clinic.pk):
        people[-1].primary_therapist = None
        people[-1].save(update_fields=["primary_therapist"])
    monday = next_monday(clinic)
    with CaptureQueriesContext(connection) as queries:
        proposed = scheduler.week_propose(clinic=clinic, week_start=monday)
    # A fixed number, whatever the clinic's size: the bench runs the same code on 500.
    selects = [q["sql"] for q in queries if q["sql"].startswith('SELECT "')]
    assert len(selects) == SCHEDULER_QUERIES, selects
    booked = scheduler.week_book(clinic=clinic, actor=admin, week_start=monday)
    plan = booked.plan
    assert len(plan.placed) + len(plan.unplaced) == 100
    assert {p.patient_id for p in plan.placed} == {p.patient_id for p in proposed.placed}
    reasons = {u.patient_id: u.why for u in plan.unplaced}
    assert reasons[people[-1].pk] == scheduler.NO_THERAPIST
    evening_of_0 = [p.pk for n, p in enumerate(people[:-1]) if n % 10 == 0 and n % 3 == 2]
    assert evening_of_0
    assert all(reasons[pk] == scheduler.NO_AVAILABILITY for pk in evening_of_0)
    of_1 = [p.pk for n, p in enumerate(people) if n % 10 == 1]
    assert sum(1 for pk in of_1 if reasons.get(pk) == scheduler.FULLY_BOOKED) >= 5
    assert set(reasons.values()) <= {
        scheduler.NO_THERAPIST,
        scheduler.NO_AVAILABILITY,
        scheduler.FULLY_BOOKED,
    }
    assert len(plan.placed) >= 80
    assert len(booked.sessions) == len(plan.placed)
    assert overlapping_pairs(clinic) == 0
    tz = clock.zone(clinic)
    with clinic_context(clinic.pk):
        therapist_of = {p.pk: p.primary_therapist_id for p in people}
        for session in Session.objects.filter(clinic=clinic, kind="individual"):
            local = session.starts_at.astimezone(tz)
            assert monday <= local.date() < monday + datetime.timedelta(days=7)
            row = Attendance.objects.get(session=session)
            assert session.lead_id == therapist_of[row.patient_id]
            hours = Availability.objects.filter(
                therapist_id=session.lead_id, weekday=local.weekday()
            )
            end = session.ends_at.astimezone(tz).time()
            assert any(h.starts_at <= local.time() and end <= h.ends_at for h in hours)
    # Most are next to their track hours (before or after), as a clinic wants.
    assert sum(p.how == "next to track hours" for p in plan.placed) >= len(plan.placed) // 2
    # Booking again finds everyone already booked: nothing doubles.
    again = scheduler.week_book(clinic=clinic, actor=admin, week_start=monday)
    assert again.sessions == []
    assert again.plan.already == len(plan.placed)


def test_the_cadence_is_kept_week_to_week(clinic: Clinic) -> None:
    admin = factories.member(clinic, Role.ADMIN).user
    caseload_clinic(clinic, actor=admin, therapists=2, patients=12)
    monday = next_monday(clinic)
    first = scheduler.week_book(clinic=clinic, actor=admin, week_start=monday)
    following = scheduler.week_book(
        clinic=clinic, actor=admin, week_start=monday + datetime.timedelta(weeks=1)
    )
    assert len(following.plan.placed) == len(first.plan.placed) == 12
    before = {p.patient_id: p.starts_at for p in first.plan.placed}
    for p in following.plan.placed:
        assert p.how == "same time as last week"
        assert p.starts_at - before[p.patient_id] == datetime.timedelta(weeks=1)


def test_a_block_takes_time_out_and_a_move_respects_it(clinic: Clinic) -> None:
    admin = factories.member(clinic, Role.ADMIN).user
    staff, _people = caseload_clinic(clinic, actor=admin, therapists=1, patients=3)
    monday = next_monday(clinic)
    tz = clock.zone(clinic)
    week_start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=tz)
    services.availability_block_add(
        clinic=clinic, actor=admin, therapist=staff[0], starts_at=week_start,
        ends_at=week_start + datetime.timedelta(days=7), reason="Leave",
    )  # fmt: skip
    plan = scheduler.week_propose(clinic=clinic, week_start=monday)
    assert plan.placed == []
    assert {u.why for u in plan.unplaced} == {scheduler.NO_AVAILABILITY}
    # The week after: booked; a move into the next week's leave is refused.
    later = monday + datetime.timedelta(weeks=1)
    booked = scheduler.week_book(clinic=clinic, actor=admin, week_start=later)
    session = booked.sessions[0]
    with pytest.raises(ValidationError) as away:
        scheduler.session_move(
            session, actor=admin, starts_at=week_start + datetime.timedelta(hours=10)
        )
    assert "away" in str(away.value)
    with pytest.raises(ValidationError) as outside:
        scheduler.session_move(
            session, actor=admin,
            starts_at=datetime.datetime.combine(later, datetime.time(6), tzinfo=tz),
        )  # fmt: skip
    assert "working hours" in str(outside.value)
    other = booked.sessions[1]
    with pytest.raises(ValidationError) as clash:
        scheduler.session_move(session, actor=admin, starts_at=other.starts_at)
    assert "booked" in str(clash.value) or "running" in str(clash.value)
    target = datetime.datetime.combine(
        later + datetime.timedelta(days=4), datetime.time(8), tzinfo=tz
    )
    moved = scheduler.session_move(session, actor=admin, starts_at=target)
    with clinic_context(clinic.pk):
        row = Attendance.objects.get(session=moved)
    assert row.starts_at == target
    assert moved.day == target.date()


@pytest.mark.instant("2026-12-02 10:30")
def test_each_unplaced_patient_gets_its_reason_and_the_nearest_free_times(clinic: Clinic) -> None:
    """Three therapists, two patients each: one has no working hours; one works only during
    the afternoon patients' groups on their days, and Tuesdays; one has a single Tuesday
    hour, which the first of their evening patients takes."""
    admin = factories.member(clinic, Role.ADMIN).user
    staff, people = caseload_clinic(clinic, actor=admin, therapists=3, patients=6)
    with clinic_context(clinic.pk):
        Availability.objects.filter(therapist__in=staff).delete()
    for weekday in (0, 1, 2, 4):  # the Afternoon track meets Mon/Wed/Fri, 13-16
        services.availability_add(
            clinic=clinic, actor=admin, therapist=staff[1], weekday=weekday,
            starts_at=datetime.time(13), ends_at=datetime.time(16),
        )  # fmt: skip
    services.availability_add(
        clinic=clinic, actor=admin, therapist=staff[2], weekday=1,
        starts_at=datetime.time(17), ends_at=datetime.time(18),
    )  # fmt: skip
    monday = next_monday(clinic)
    with CaptureQueriesContext(connection) as plain:
        scheduler.week_propose(clinic=clinic, week_start=monday)
    with CaptureQueriesContext(connection) as suggesting:
        plan = scheduler.week_propose(clinic=clinic, week_start=monday, suggest=3)
    # Next week's free time costs one more fixed set of queries, not one per patient.
    assert len(suggesting) == 2 * len(plain)
    tz = clock.zone(clinic)
    unplaced = {u.patient_id: u for u in plan.unplaced}
    assert [p.patient_id for p in plan.placed] == [people[2].pk]
    for patient in (people[0], people[3]):
        assert unplaced[patient.pk].why == scheduler.NO_HOURS
        assert unplaced[patient.pk].slots == ()
    tuesday = monday + datetime.timedelta(days=1)
    for patient in (people[1], people[4]):
        assert unplaced[patient.pk].why == scheduler.NO_COMMON_TIME
        # Outside the program days, where the patient is free: Tuesday, 13:00 on the half hour.
        assert [s.astimezone(tz) for s in unplaced[patient.pk].slots] == [
            clock.at(tz, tuesday, datetime.time(13, m)) for m in (0, 30)
        ] + [clock.at(tz, tuesday, datetime.time(14))]
    full = unplaced[people[5].pk]
    assert full.why == scheduler.FULLY_BOOKED
    # The one Tuesday hour is taken this week; the next is the Tuesday after.
    assert full.slots == (clock.at(tz, tuesday + datetime.timedelta(weeks=1), datetime.time(17)),)
