"""The calendar's part of the demo (`seed_demo`, through the core's demo seeders): the
tracks and rooms before the patients exist, twelve weeks of attendance and the make-ups of
its misses after. Every date and time comes from the clinic's own clock."""

import datetime
import random
from typing import Any

from django.core.exceptions import ValidationError

from iop import clock
from iop.hooks import DemoClinic
from iop.models import Clinic, Enrollment, Membership
from iop.roles import Role

from . import makeups, services
from .models import Attendance, GroupType, MissedSession, Session

TRACK_SPECS = [
    ("Morning IOP", "morning", datetime.time(9)),
    ("Afternoon IOP", "afternoon", datetime.time(13)),
    ("Evening IOP", "evening", datetime.time(18)),
]
# How a clinic's lists end up marked, per patient and program day: nearly everyone comes to
# everything; a day missed is missed whole and usually called in ahead (excused); now and then
# someone is a few minutes late for the first group or leaves the last one early. (Patients
# the progress demo makes struggle get their misses there.)
DAY_OUTCOMES = ["present", "late", "left_early", "excused", "absent"]
DAY_WEIGHTS = [94, 3, 1, 1.8, 0.2]
PAST_WEEKS = 12


def _later(start: datetime.time, *, minutes: int) -> datetime.time:
    """A wall-clock time `minutes` after `start` on the same day (template times, no date)."""
    hours, minutes = divmod(start.hour * 60 + start.minute + minutes, 60)
    return datetime.time(hours, minutes)


def seed_calendar(demo: DemoClinic) -> None:
    """Three tracks (Mon/Tue/Thu) with a realistic day each, rooms, and the sessions of the
    coming weeks; the groups are of the clinic's default group types."""
    clinic, admin = demo.clinic, demo.staff[Role.ADMIN]
    leads = _group_leads(demo)
    group_types = {g.kind: g for g in GroupType.objects.filter(clinic=clinic).order_by("id")}
    rooms = [
        services.room_create(clinic=clinic, actor=admin, name=name, capacity=14)
        for name in ("Group room A", "Group room B", "Group room C")
    ]
    for index, (name, slot, start) in enumerate(TRACK_SPECS):
        # Two 90-minute groups around a 15-minute break: three hours of service a day.
        half = [_later(start, minutes=m) for m in (0, 90, 105, 195)]
        blocks: list[dict[str, Any]] = []
        for weekday in (0, 1, 3):
            blocks += [
                {
                    "weekday": weekday,
                    "starts_at": half[0],
                    "ends_at": half[1],
                    "kind": "group",
                    "group_type": group_types.get("process"),
                    "room": rooms[index],
                },
                {"weekday": weekday, "starts_at": half[1], "ends_at": half[2], "kind": "break"},
                {
                    "weekday": weekday,
                    "starts_at": half[2],
                    "ends_at": half[3],
                    "kind": "group",
                    "group_type": group_types.get("skills" if weekday else "education"),
                    "room": rooms[index],
                },
            ]
        for block in blocks:
            if block["kind"] == "group":
                block["lead"] = leads[slot]
        services.track_create(
            clinic=clinic,
            actor=admin,
            name=name,
            slot=slot,
            weekdays=[0, 1, 3],
            starts_at=half[0],
            ends_at=half[3],
            capacity=14,
            active_from=clock.today(clinic) - datetime.timedelta(days=365),
            blocks=blocks,
        )
    services.sessions_generate(clinic=clinic, today=clock.today(clinic))


def _group_leads(demo: DemoClinic) -> dict[str, Membership]:
    """Who leads each track's groups. The team's therapist is every patient's primary
    therapist: their program-day hours go to the weekly individual sessions (leading a track
    would leave patients unplaced). The other therapist (working 9 to 5) leads the day
    tracks; the clinic's admin, its clinical director, the evening one."""
    clinic = demo.clinic
    primary = Membership.objects.get(clinic=clinic, user=demo.staff[Role.THERAPIST])
    other = (
        Membership.objects.filter(clinic=clinic, role=Role.THERAPIST)
        .exclude(pk=primary.pk)
        .order_by("id")
        .first()
    )
    director = Membership.objects.get(clinic=clinic, user=demo.staff[Role.ADMIN])
    day_lead = other or primary
    return {"morning": day_lead, "afternoon": day_lead, "evening": director}


def seed_attendance(demo: DemoClinic) -> None:
    """Twelve weeks of held groups, marked as a clinic marks them (`DAY_OUTCOMES`): the
    progress charts show a quarter. Today's sessions that have begun get their lists too,
    marked when over. Then the make-ups of its misses."""
    clinic, rng = demo.clinic, demo.rng
    today, now = clock.today(clinic), clock.now()
    start = today - datetime.timedelta(weeks=PAST_WEEKS)
    for weeks_ago in range(PAST_WEEKS, 0, -clinic.generate_weeks_ahead):
        services.sessions_generate(clinic=clinic, today=today - datetime.timedelta(weeks=weeks_ago))
    enrollments = list(Enrollment.objects.filter(clinic=clinic, status="active"))
    begun = Session.objects.filter(
        clinic=clinic, day__gte=start, starts_at__lt=now, track__isnull=False
    ).order_by("starts_at")
    days: dict[tuple[int | None, datetime.date], list[Session]] = {}
    for session in begun:
        days.setdefault((session.track_id, session.day), []).append(session)
    rows = []
    for (track_id, day), sessions in days.items():
        groups = [s for s in sessions if s.kind == "group"]
        for enrollment in enrollments:
            if enrollment.track_id != track_id or enrollment.admission_date > day:
                continue
            outcome = rng.choices(DAY_OUTCOMES, weights=DAY_WEIGHTS)[0]
            for session in sessions:
                rows.append(
                    _mark(session, enrollment.patient_id, outcome, groups=groups, now=now, rng=rng)
                )
    Session.objects.filter(clinic=clinic, day__gte=start, ends_at__lte=now).update(status="held")
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    # Yesterday's (or the last) evening list was never marked: a to-do for the front desk.
    last = Session.objects.filter(clinic=clinic, day__lt=today).order_by("-starts_at").first()
    if last is not None:
        Attendance.objects.filter(session=last).update(
            status="expected", arrived_at=None, left_at=None, minutes_attended=None
        )
    _makeups(clinic, rng)


def _mark(
    session: Session,
    patient_id: int,
    outcome: str,
    *,
    groups: list[Session],
    now: datetime.datetime,
    rng: random.Random,
) -> Attendance:
    """The patient's place on one session of a program day with that day's outcome: late
    for the day's first group, leaving its last early, the whole day missed, or present.
    A session still running is left to mark."""
    status, arrived, left = "present", None, None
    if session.ends_at > now:
        status = "expected"
    elif outcome in ("excused", "absent"):
        status = outcome
    elif outcome == "late" and groups and session == groups[0]:
        status = "late"
        arrived = session.starts_at + datetime.timedelta(minutes=rng.choice([10, 15, 20]))
    elif outcome == "left_early" and groups and session == groups[-1]:
        status, left = "left_early", session.ends_at - datetime.timedelta(minutes=30)
    return Attendance(
        clinic_id=session.clinic_id, session=session, patient_id=patient_id,
        starts_at=session.starts_at, ends_at=session.ends_at, status=status,
        arrived_at=arrived, left_at=left,
        minutes_attended=services.minutes_for(session, status, arrived, left),
    )  # fmt: skip


def _makeups(clinic: Clinic, rng: random.Random) -> None:
    """The sweep finds the misses; a few are already decided, most wait in the queue."""
    makeups.missed_sweep(clinic=clinic)
    case_manager = Membership.objects.get(clinic=clinic, role=Role.CASE_MANAGER).user
    open_misses = list(
        MissedSession.objects.filter(clinic=clinic, status="open")
        .select_related("session")
        .order_by("detected_at", "id")
    )
    # The weeks before the make-up window were dealt with at the time; of the recent
    # ones, three are booked and one waived, the rest wait in the queue.
    window = clock.today(clinic) - datetime.timedelta(days=clinic.makeup_window_days)
    recent = [m for m in open_misses if m.session.day >= window]
    for missed in open_misses:
        if missed.session.day < window:
            makeups.makeup_waive(
                missed, actor=case_manager, reason="Discussed at the weekly check-in."
            )
    bookable = [m for m in recent if m.proposals.exists()]
    booked: set[int] = set()
    for missed in bookable:
        if len(booked) == 3:
            break
        try:  # two misses of one patient may propose the same session
            makeups.makeup_accept(missed, actor=case_manager, proposal=missed.proposals.first())
        except ValidationError:
            continue
        booked.add(missed.pk)
    for missed in [m for m in bookable if m.pk not in booked][:1]:
        reason = rng.choice(["Covered in the individual session.", "Medical appointment."])
        makeups.makeup_waive(missed, actor=case_manager, reason=reason)
