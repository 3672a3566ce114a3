"""The weekly individual session: every patient with an active enrollment meets their
primary therapist one-on-one once a week.

`week_propose` reads everything it needs in a fixed number of queries (enrollments, track
slots, availability, blocks, the therapists' sessions, the patients' attendance, last week's
individual sessions, closures, settings) and places patients in memory, so its cost does not
grow in queries with the clinic's size. Preference, per patient:

1. cadence — the same weekday and time as last week's individual session;
2. a track block of kind "individual slot" on one of the patient's program days;
3. right before or right after the patient's track hours on a program day;
4. any open time of the therapist on a program day.

A patient who cannot be placed gets a reason. `week_book` writes the placements with two
bulk inserts under a per-clinic advisory lock; the calendar's exclusion constraints are the
backstop against any double booking that slipped past (a concurrent edit).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from iop import clock
from iop.audit import audit_records
from iop.models import Clinic, Enrollment, Membership, Patient, User
from iop.models.audit import AuditAction
from iop.models.care import EnrollmentStatus
from iop.services.core import audit_record
from iop.services.errors import DomainError
from iop.tenancy import clinic_context
from scheduling.models import (
    Attendance,
    BlockKind,
    Closure,
    Session,
    SessionKind,
    SessionStatus,
    TrackBlock,
)
from scheduling.services import attendance_add, double_booking_error, session_create

from .models import Availability, AvailabilityBlock
from .services import therapy_settings_get

STEP = datetime.timedelta(minutes=30)
Interval = tuple[datetime.datetime, datetime.datetime]

NO_THERAPIST = "no primary therapist assigned"
NO_DAYS = "no program days left this week"
NO_AVAILABILITY = "therapist has no availability on the patient's days"
NO_HOURS = "no working hours recorded for the therapist"
NO_COMMON_TIME = "no common free time with the therapist on the patient's days"
FULLY_BOOKED = "fully booked this week"


@dataclass(frozen=True)
class Placement:
    patient_id: int
    therapist_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    how: str  # "same time as last week", "individual slot", "next to track hours", "open time"


@dataclass(frozen=True)
class Unplaced:
    patient_id: int
    therapist_id: int | None
    why: str
    # The nearest times the therapist is free and the patient is not busy (any day they
    # work, this week or next), for booking by hand; filled when asked for (`suggest`).
    slots: tuple[datetime.datetime, ...] = ()


@dataclass
class WeekPlan:
    week_start: datetime.date
    placed: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    already: int = 0  # patients who have their session this week


def _overlaps(start: datetime.datetime, end: datetime.datetime, busy: list[Interval]) -> bool:
    return any(b0 < end and b1 > start for b0, b1 in busy)


@dataclass
class _Patient:
    id: int
    therapist_id: int | None
    track_id: int
    weekdays: list[int]
    track_start: datetime.time
    track_end: datetime.time
    admitted: datetime.date


def week_propose(
    *,
    clinic: Clinic,
    week_start: datetime.date,
    now: datetime.datetime | None = None,
    therapist_id: int | None = None,
    suggest: int = 0,
) -> WeekPlan:
    """Where each active patient's individual session of the week could go (nothing is
    written). Placements do not clash with each other. With `suggest`, each patient who
    cannot be placed gets up to that many of the nearest free times, this week or next (one
    more fixed set of queries, for next week)."""
    with clinic_context(clinic.pk):
        week = _Week(clinic, clock.week_start(week_start), now or clock.now())
        week.load(therapist_id)
    plan = WeekPlan(week_start=week.days[0])
    # Patients keeping last week's time go first: they are the easiest to disappoint.
    order = sorted(week.patients, key=lambda p: (p.id not in week.cadence, len(p.weekdays), p.id))
    for p in order:
        if p.id in week.has_individual:
            plan.already += 1
        elif p.therapist_id is None:
            plan.unplaced.append(Unplaced(p.id, None, NO_THERAPIST))
        else:
            result = week.place(p, p.therapist_id)
            (plan.placed if isinstance(result, Placement) else plan.unplaced).append(result)  # type: ignore[arg-type]
    if suggest and any(u.therapist_id for u in plan.unplaced):
        with clinic_context(clinic.pk):
            following = _Week(clinic, week.days[0] + datetime.timedelta(weeks=1), week.now)
            following.load(therapist_id)
        plan.unplaced = [
            Unplaced(
                u.patient_id, u.therapist_id, u.why,
                tuple(_nearest(u.patient_id, u.therapist_id, [week, following], suggest)),
            ) if u.therapist_id else u
            for u in plan.unplaced
        ]  # fmt: skip
    return plan


def _nearest(
    patient_id: int, therapist: int, weeks: list["_Week"], n: int
) -> list[datetime.datetime]:
    """The first `n` starts, in time order, where `fits` holds in the therapist's open time
    on any day of the weeks (this week's proposals count as taken)."""
    found: list[datetime.datetime] = []
    for week in weeks:
        patient = week.patient(patient_id)
        if patient is None:
            continue
        days = [d for d in week.days if d >= patient.admitted]
        for start in week.open_times(therapist, days):
            if week.fits(patient, therapist, start):
                found.append(start)
                if len(found) == n:
                    return found
    return found


class _Week:
    """One clinic's week, loaded in a fixed number of queries, then placed in memory."""

    def __init__(self, clinic: Clinic, monday: datetime.date, now: datetime.datetime) -> None:
        self.clinic, self.now, self.tz = clinic, now, clock.zone(clinic)
        self.days = [monday + datetime.timedelta(days=n) for n in range(7)]
        self.first = clock.at(self.tz, self.days[0], datetime.time(0))
        self.last = clock.at(self.tz, self.days[-1] + datetime.timedelta(days=1), datetime.time(0))
        minutes = therapy_settings_get(clinic=clinic).session_minutes
        self.length = datetime.timedelta(minutes=minutes)
        self.patients: list[_Patient] = []
        self.slots: dict[tuple[int, int], list[datetime.time]] = defaultdict(list)
        self.hours: dict[tuple[int, int], list[tuple[datetime.time, datetime.time]]] = defaultdict(
            list
        )
        self.away: dict[int, list[Interval]] = defaultdict(list)
        self.busy_staff: dict[int, list[Interval]] = defaultdict(list)
        self.busy_patient: dict[int, list[Interval]] = defaultdict(list)
        self.has_individual: set[int] = set()
        self.cadence: dict[int, datetime.datetime] = {}
        self.closed: set[datetime.date] = set()

    def load(self, therapist_id: int | None) -> None:
        clinic, first, last = self.clinic, self.first, self.last
        enrollments = Enrollment.objects.filter(clinic=clinic, status=EnrollmentStatus.ACTIVE)
        if therapist_id is not None:
            enrollments = enrollments.filter(patient__primary_therapist_id=therapist_id)
        self.patients = [
            _Patient(*row)
            for row in enrollments.order_by("patient_id").values_list(
                "patient_id", "patient__primary_therapist_id", "track_id", "track__weekdays",
                "track__starts_at", "track__ends_at", "admission_date",
            )
        ]  # fmt: skip
        therapists = {p.therapist_id for p in self.patients if p.therapist_id}
        patient_ids = [p.id for p in self.patients]
        for track_id, weekday, starts in TrackBlock.objects.filter(
            clinic=clinic, kind=BlockKind.INDIVIDUAL_SLOT,
            track_id__in={p.track_id for p in self.patients},
        ).values_list("track_id", "weekday", "starts_at"):  # fmt: skip
            self.slots[(track_id, weekday)].append(starts)  # a wall-clock time
        for who, weekday, t0, t1 in Availability.objects.filter(
            clinic=clinic, therapist_id__in=therapists
        ).values_list("therapist_id", "weekday", "starts_at", "ends_at"):
            self.hours[(who, weekday)].append((t0, t1))
        for who, s, e in AvailabilityBlock.objects.filter(
            clinic=clinic, therapist_id__in=therapists, starts_at__lt=last, ends_at__gt=first
        ).values_list("therapist_id", "starts_at", "ends_at"):
            self.away[who].append((s, e))
        for lead, co_lead, s, e in (
            Session.objects.filter(
                Q(lead_id__in=therapists) | Q(co_lead_id__in=therapists),
                clinic=clinic,
                starts_at__lt=last,
                ends_at__gt=first,
            )
            .exclude(status=SessionStatus.CANCELLED)
            .values_list("lead_id", "co_lead_id", "starts_at", "ends_at")
        ):
            for who in {lead, co_lead} & therapists:
                self.busy_staff[who].append((s, e))
        rows = Attendance.objects.filter(
            clinic=clinic, patient_id__in=patient_ids, is_active=True
        ).exclude(session__status=SessionStatus.CANCELLED)
        for pid, s, e, kind in rows.filter(starts_at__lt=last, ends_at__gt=first).values_list(
            "patient_id", "starts_at", "ends_at", "session__kind"
        ):
            self.busy_patient[pid].append((s, e))
            if kind == SessionKind.INDIVIDUAL:
                self.has_individual.add(pid)
        for pid, s in (
            rows.filter(
                session__kind=SessionKind.INDIVIDUAL,
                starts_at__gte=first - datetime.timedelta(days=7),
                starts_at__lt=first,
            )
            .order_by("starts_at")
            .values_list("patient_id", "starts_at")
        ):
            self.cadence[pid] = s
        self.closed = set(
            Closure.objects.filter(
                clinic=clinic, date__range=(self.days[0], self.days[-1])
            ).values_list("date", flat=True)
        )

    def patient(self, patient_id: int) -> "_Patient | None":
        return next((p for p in self.patients if p.id == patient_id), None)

    def open_times(self, therapist: int, days: list[datetime.date]) -> Any:
        """Every half-hour start in the therapist's working hours on `days`, in order."""
        for day in days:
            for w0, w1 in sorted(self.windows(therapist, day)):
                start = w0
                while start + self.length <= w1:
                    yield start
                    start += STEP

    def windows(self, therapist: int, day: datetime.date) -> list[Interval]:
        tz = self.tz
        return [
            (clock.at(tz, day, s), clock.at(tz, day, e))
            for s, e in self.hours[(therapist, day.weekday())]
        ]

    def fits(self, p: _Patient, therapist: int, start: datetime.datetime) -> bool:
        end = start + self.length
        day = start.astimezone(self.tz).date()
        return (
            start > self.now
            and day not in self.closed
            and any(w0 <= start and end <= w1 for w0, w1 in self.windows(therapist, day))
            and not _overlaps(start, end, self.away[therapist])
            and not _overlaps(start, end, self.busy_staff[therapist])
            and not _overlaps(start, end, self.busy_patient[p.id])
        )

    def candidates(self, p: _Patient, therapist: int, days: list[datetime.date]) -> Any:
        """Start times in order of preference, lazily: most patients take the first."""
        tz = self.tz
        if p.id in self.cadence:
            local = self.cadence[p.id].astimezone(tz)
            yield (
                clock.at(tz, local.date() + datetime.timedelta(days=7), local.time()),
                ("same time as last week"),
            )
        for day in days:
            for starts in self.slots[(p.track_id, day.weekday())]:
                yield clock.at(tz, day, starts), "individual slot"
        for day in days:
            yield clock.at(tz, day, p.track_end), "next to track hours"
            yield clock.at(tz, day, p.track_start) - self.length, "next to track hours"
        for start in self.open_times(therapist, days):
            yield start, "open time"

    def place(self, p: _Patient, therapist: int) -> Placement | Unplaced:
        days = [
            d for d in self.days
            if d.weekday() in p.weekdays and d not in self.closed and d >= p.admitted
            and clock.at(self.tz, d + datetime.timedelta(days=1), datetime.time(0)) > self.now
        ]  # fmt: skip
        for start, how in self.candidates(p, therapist, days):
            if self.fits(p, therapist, start):
                placement = Placement(p.id, therapist, start, start + self.length, how)
                self.busy_staff[therapist].append((start, placement.ends_at))
                self.busy_patient[p.id].append((start, placement.ends_at))
                return placement
        if not days:
            return Unplaced(p.id, therapist, NO_DAYS)
        if not any(hours for (who, _day), hours in self.hours.items() if who == therapist):
            return Unplaced(p.id, therapist, NO_HOURS)
        nobody = _Patient(
            0, therapist, p.track_id, p.weekdays, p.track_start, p.track_end, p.admitted
        )
        if any(self.fits(nobody, therapist, start) for start in self.open_times(therapist, days)):
            # The therapist is free then, the patient is not (their groups, other sessions).
            return Unplaced(p.id, therapist, NO_COMMON_TIME)
        open_hours = any(
            not any(b0 <= w0 and w1 <= b1 for b0, b1 in self.away[therapist])
            for day in days
            for w0, w1 in self.windows(therapist, day)
        )
        return Unplaced(p.id, therapist, FULLY_BOOKED if open_hours else NO_AVAILABILITY)


@dataclass
class Booked:
    sessions: list[Session]
    plan: WeekPlan


def week_book(
    *,
    clinic: Clinic,
    actor: User,
    week_start: datetime.date,
    therapist_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Booked:
    """Book the week's proposals: two bulk inserts and one bulk audit insert. If the
    database refuses the batch (someone booked meanwhile), rows are retried one by one
    and the refused ones reported as fully booked."""
    tz = clock.zone(clinic)
    with clinic_context(clinic.pk), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7342, clinic.pk])
        plan = week_propose(
            clinic=clinic, week_start=week_start, therapist_id=therapist_id, now=now
        )
        sessions = [_session(clinic, p, tz) for p in plan.placed]
        try:
            with transaction.atomic():
                Session.objects.bulk_create(sessions)
                Attendance.objects.bulk_create(
                    [_attendance(s, p) for s, p in zip(sessions, plan.placed, strict=True)]
                )
        except IntegrityError:
            sessions = _book_one_by_one(clinic, plan, tz)
        _audit_booked(clinic, actor, sessions)
    return Booked(sessions=sessions, plan=plan)


def _session(clinic: Clinic, p: Placement, tz: Any) -> Session:
    return Session(
        clinic=clinic, kind=SessionKind.INDIVIDUAL, day=p.starts_at.astimezone(tz).date(),
        starts_at=p.starts_at, ends_at=p.ends_at, lead_id=p.therapist_id,
    )  # fmt: skip


def _attendance(session: Session, p: Placement) -> Attendance:
    return Attendance(
        clinic_id=session.clinic_id, session=session, patient_id=p.patient_id,
        starts_at=session.starts_at, ends_at=session.ends_at,
    )  # fmt: skip


def _book_one_by_one(clinic: Clinic, plan: WeekPlan, tz: Any) -> list[Session]:
    booked, placed = [], []
    for p in plan.placed:
        session = _session(clinic, p, tz)
        try:
            with transaction.atomic():
                session.save()
                _attendance(session, p).save()
        except IntegrityError:
            plan.unplaced.append(Unplaced(p.patient_id, p.therapist_id, FULLY_BOOKED))
            continue
        booked.append(session)
        placed.append(p)
    plan.placed = placed
    return booked


def _audit_booked(clinic: Clinic, actor: User, sessions: list[Session]) -> None:
    patients = dict(
        Attendance.objects.filter(clinic=clinic, session__in=sessions).values_list(
            "session_id", "patient_id"
        )
    )
    audit_records(
        clinic_id=clinic.pk, actor=actor, action=AuditAction.CREATE, objs=sessions,
        patient_id_of=lambda s: patients.get(s.pk), changed_fields=["individual session"],
    )  # fmt: skip


def session_move(session: Session, *, actor: User, starts_at: datetime.datetime) -> Session:
    """The therapist moves an individual (or family) session to another time of the same
    length, within their working hours and outside their blocks. The database refuses a
    time when the therapist or the patient is booked."""
    clinic = session.clinic
    tz = clock.zone(clinic)
    with clinic_context(clinic.pk):
        if session.kind not in (SessionKind.INDIVIDUAL, SessionKind.FAMILY):
            raise ValidationError({"session": "Only individual and family sessions move here."})
        if session.status != SessionStatus.SCHEDULED:
            raise DomainError("Only a scheduled session can be moved.")
        if hasattr(session, "progress_note"):
            raise DomainError("The session already has a note; it stays where it happened.")
        if starts_at <= clock.now():
            raise ValidationError({"starts_at": "Choose a time in the future."})
        ends_at = starts_at + (session.ends_at - session.starts_at)
        local = starts_at.astimezone(tz)
        lead: Membership | None = session.lead
        if lead is not None:
            _require_working(clinic, lead, starts_at, ends_at)
        session.starts_at, session.ends_at, session.day = starts_at, ends_at, local.date()
        try:
            with transaction.atomic():
                session.save(update_fields=["starts_at", "ends_at", "day"])
                Attendance.objects.filter(clinic=clinic, session=session).update(
                    starts_at=starts_at, ends_at=ends_at
                )
        except IntegrityError as exc:
            error = double_booking_error(exc)
            raise ValidationError({"starts_at": error.messages}) from None
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=session,
            changed_fields=["starts_at", "ends_at", "day"],
        )  # fmt: skip
    return session


def _require_working(
    clinic: Clinic, lead: Membership, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> None:
    """Refuse a time outside the therapist's working hours or inside their time away."""
    tz = clock.zone(clinic)
    local = starts_at.astimezone(tz)
    wins = [
        (clock.at(tz, local.date(), s), clock.at(tz, local.date(), e))
        for s, e in Availability.objects.filter(
            clinic=clinic, therapist=lead, weekday=local.weekday()
        ).values_list("starts_at", "ends_at")
    ]
    if not any(w0 <= starts_at and ends_at <= w1 for w0, w1 in wins):
        raise ValidationError({"starts_at": "That is outside the therapist's working hours."})
    if AvailabilityBlock.objects.filter(
        clinic=clinic, therapist=lead, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise ValidationError({"starts_at": "The therapist is away then."})


def nearest_slots(
    *, clinic: Clinic, patient_id: int, therapist_id: int, week_start: datetime.date, n: int = 3
) -> list[datetime.datetime]:
    """The `n` nearest times, this week or next, when the therapist is working and free and
    the patient is not busy: the scheduler's own free time (`_Week.fits`), for one patient."""
    with clinic_context(clinic.pk):
        weeks = []
        for k in (0, 1):
            week = _Week(
                clinic, clock.week_start(week_start) + k * datetime.timedelta(weeks=1), clock.now()
            )
            week.load(therapist_id)
            weeks.append(week)
    return _nearest(patient_id, therapist_id, weeks, n)


def session_book(
    *, clinic: Clinic, actor: User, patient: Patient, starts_at: datetime.datetime
) -> Session:
    """Book one patient's individual session by hand, with their primary therapist, at
    `starts_at`, for the clinic's session length: within the therapist's working hours and
    outside their time away; the calendar refuses a time when either is booked. The session
    and its list entry are audited; a refusal leaves nothing behind."""
    with clinic_context(clinic.pk):
        lead = patient.primary_therapist
        if lead is None:
            raise ValidationError({"starts_at": "The patient has no primary therapist to meet."})
        if starts_at <= clock.now():
            raise ValidationError({"starts_at": "Choose a time in the future."})
        minutes = therapy_settings_get(clinic=clinic).session_minutes
        ends_at = starts_at + datetime.timedelta(minutes=minutes)
        _require_working(clinic, lead, starts_at, ends_at)
        try:
            with transaction.atomic():
                session = session_create(
                    clinic=clinic, actor=actor, kind=SessionKind.INDIVIDUAL,
                    day=starts_at.astimezone(clock.zone(clinic)).date(), starts_at=starts_at,
                    ends_at=ends_at, lead=lead,
                )  # fmt: skip
                attendance_add(session=session, patient=patient, actor=actor)
        except ValidationError as exc:  # a clash: said on the time chosen
            raise ValidationError({"starts_at": exc.messages}) from None
    return session
