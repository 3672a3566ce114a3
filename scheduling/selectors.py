"""Reads for the calendar. Tenant reads take `clinic=`."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from iop import clock
from iop.models import Clinic, Membership, Track

from .models import (
    Attendance,
    AttendanceTodo,
    Closure,
    MissedSession,
    MissedStatus,
    Room,
    Session,
    SessionStatus,
)


@dataclass
class RosterSession:
    session: Session
    rows: list[Attendance]
    started: bool = True  # attendance is recorded once the session has begun

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    @property
    def staffing_gaps(self) -> list[str]:
        """The template's lead or room this session was generated without (double-booked)."""
        block, session = self.session.block, self.session
        if block is None or session.status == SessionStatus.CANCELLED:
            return []
        gaps = []
        if block.lead is not None and not session.lead_id:
            gaps.append(f"No lead: {block.lead.user.display_name} is double-booked")
        if block.room is not None and not session.room_id:
            gaps.append(f"No room: {block.room.name} is booked for another session")
        return gaps

    @property
    def remaining(self) -> int:
        """Patients on the list not marked yet ("mark all remaining present")."""
        return self.counts.get("expected", 0)


# The columns a roster row shows (scheduling/roster_rows.py, the sign-in sheet, the day
# pages' counts), no more: a patient has some twenty, and loading them all for 300 rows made
# this read ~40% slower.
ROSTER_ROW_FIELDS = (
    "session", "status", "arrived_at", "left_at", "minutes_attended", "makeup_of",
    "patient__record_number", "patient__legal_first_name", "patient__legal_last_name",
    "patient__preferred_name",
    "makeup_of__session__starts_at", "makeup_of__session__group_type__name",
    "makeup_of__session__topic__name",
)  # fmt: skip


def _roster_sessions(clinic: Clinic) -> Any:
    # A make-up guest's row says which session it makes up: joined, not a query per guest.
    rows = (
        Attendance.objects.filter(clinic=clinic, is_active=True)
        .select_related("patient", "makeup_of__session__group_type", "makeup_of__session__topic")
        .only(*ROSTER_ROW_FIELDS)
    )
    return (
        Session.objects.filter(clinic=clinic)
        .select_related(
            "track", "room", "lead__user", "group_type", "topic", "block__lead__user", "block__room"
        )
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=rows.order_by("patient__legal_last_name", "patient__legal_first_name"),
                to_attr="rows",
            )
        )
        .order_by("starts_at", "track__name")
    )


def _roster_session(session: Session, now: datetime.datetime) -> RosterSession:
    return RosterSession(session=session, rows=session.rows, started=session.starts_at <= now)  # type: ignore[attr-defined]


def roster(
    *, clinic: Clinic, day: datetime.date, site_id: int | None = None
) -> list[RosterSession]:
    """Every session of the day with its expected patients: two queries, whatever the size."""
    sessions = _roster_sessions(clinic).filter(day=day)
    if site_id:
        sessions = sessions.filter(track__site_id=site_id) | sessions.filter(room__site_id=site_id)
    now = clock.now()
    return [_roster_session(s, now) for s in sessions]


def roster_session(*, clinic: Clinic, session_id: int) -> RosterSession:
    """One session of the roster with its list, as the roster shows it."""
    session = _roster_sessions(clinic).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    return _roster_session(session, clock.now())


# --- The Today page on a day nothing runs ---------------------------------------------------


@dataclass(frozen=True)
class DayOff:
    """A day nothing runs, why, and the next day something does."""

    day: datetime.date
    closure: str  # the clinic's closure that day ("Thanksgiving"), or "" if tracks do not meet
    next_open: datetime.date | None  # None: nothing runs as far ahead as sessions exist


def next_open_day(
    *, clinic: Clinic, since: datetime.date, site_id: int | None = None
) -> datetime.date | None:
    """The first clinic-local date on or after `since` with a session that runs (cancelled
    ones do not count), looking as far ahead as tracks generate their sessions."""
    last = since + datetime.timedelta(weeks=clinic.generate_weeks_ahead)
    sessions = Session.objects.filter(clinic=clinic, day__gte=since, day__lte=last).exclude(
        status=SessionStatus.CANCELLED
    )
    if site_id:
        sessions = sessions.filter(Q(track__site_id=site_id) | Q(room__site_id=site_id))
    return sessions.order_by("day").values_list("day", flat=True).first()


def day_off(*, clinic: Clinic, day: datetime.date, site_id: int | None = None) -> DayOff:
    closure = Closure.objects.filter(clinic=clinic, date=day).values_list("name", flat=True)
    return DayOff(
        day=day,
        closure=closure.first() or "",
        next_open=next_open_day(clinic=clinic, since=day, site_id=site_id),
    )


def attendance_get(*, clinic: Clinic, attendance_id: int) -> Attendance:
    row = (
        Attendance.objects.filter(clinic=clinic, pk=attendance_id)
        .select_related(
            "session", "patient", "makeup_of__session__group_type", "makeup_of__session__topic"
        )
        .first()
    )
    if row is None:
        raise Http404("No such attendance.")
    return row


def track_get(*, clinic: Clinic, track_id: int) -> Track:
    track = Track.objects.filter(clinic=clinic, pk=track_id).prefetch_related("blocks").first()
    if track is None:
        raise Http404("No such track.")
    return track


@dataclass(frozen=True)
class StaffingClash:
    """A generated session created without its template's room or lead, because that room or
    person was already booked then (`services.GENERATION_FALLBACKS`)."""

    session: Session
    missing: str  # "lead" or "room"
    wanted: Any  # the template's Membership or Room
    other: Session | None  # what holds them at that time (None once it has been moved)

    explanation: str  # for the admin: who or what, and where they are instead


def _clash(
    clinic: Clinic, session: Session, missing: str, wanted: Any, other: Any
) -> StaffingClash:
    name = str(wanted.user.display_name if missing == "lead" else wanted.name)
    if other is None:
        text = f"{name} was booked elsewhere when this session was generated; set it again."
    else:
        verb = "already leading" if missing == "lead" else "already booked for"
        text = f"{name} is {verb} {session_when(clinic, other)}"
    return StaffingClash(session, missing, wanted, other, text)


def session_when(clinic: Clinic, session: Session) -> str:
    """Which session, on which day, at what time, in the clinic's zone: "Evening IOP on Mon
    Nov 30, 6:00 PM–9:00 PM" (a track's by the track's name, any other by its kind). What a
    clash names, so the admin can find what is in the way."""
    what = session.track.name if session.track else session.get_kind_display()
    return f"{what} on {session_day_time(clinic, session)}"


def session_day_time(clinic: Clinic, session: Session) -> str:
    """ "Mon Nov 30, 6:00 PM–9:00 PM" in the clinic's zone."""
    start, end = clock.local(clinic, session.starts_at), clock.local(clinic, session.ends_at)
    return f"{start:%a %b %-d}, {start:%-I:%M %p}–{end:%-I:%M %p}"


def staffing_clashes(*, clinic: Clinic, since: datetime.date) -> list[StaffingClash]:
    """Coming generated sessions missing their template's lead or room, with the session that
    holds them: two queries."""
    missing = Q(block__lead__isnull=False, lead__isnull=True) | Q(
        block__room__isnull=False, room__isnull=True
    )
    sessions = list(
        Session.objects.filter(clinic=clinic, day__gte=since, block__isnull=False)
        .exclude(status=SessionStatus.CANCELLED)
        .filter(missing)
        .select_related("track", "block__lead__user", "block__room")
        .order_by("starts_at")
    )
    if not sessions:
        return []
    leads = {s.block.lead_id for s in sessions if s.block and s.block.lead_id and not s.lead_id}
    rooms = {s.block.room_id for s in sessions if s.block and s.block.room_id and not s.room_id}
    holders = list(
        Session.objects.filter(clinic=clinic, day__in={s.day for s in sessions})
        .exclude(status=SessionStatus.CANCELLED)
        .filter(Q(lead_id__in=leads) | Q(room_id__in=rooms))
        .select_related("track")
    )

    def holder(session: Session, field: str, wanted: int) -> Session | None:
        return next(
            (
                h for h in holders
                if getattr(h, field) == wanted and h.pk != session.pk
                and h.starts_at < session.ends_at and session.starts_at < h.ends_at
            ),
            None,
        )  # fmt: skip

    clashes = []
    for s in sessions:
        block = s.block
        if block is None:  # the query asks for a block; for the type checker
            continue
        if block.room_id and not s.room_id:
            other = holder(s, "room_id", block.room_id)
            clashes.append(_clash(clinic, s, "room", block.room, other))
        if block.lead_id and not s.lead_id:
            other = holder(s, "lead_id", block.lead_id)
            clashes.append(_clash(clinic, s, "lead", block.lead, other))
    return clashes


def session_get(*, clinic: Clinic, session_id: int) -> Session:
    session = Session.objects.filter(clinic=clinic, pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    return session


def missed_sessions_recent(*, clinic: Clinic, patient_id: int, days: int = 60) -> list[Any]:
    """The patient's missed sessions of the last `days` days with what became of each, newest
    first (one query)."""
    return list(
        MissedSession.objects.filter(
            clinic=clinic,
            patient_id=patient_id,
            session__day__gte=clock.today(clinic) - datetime.timedelta(days=days),
        )
        .exclude(status="withdrawn")
        .select_related("session__group_type", "session__topic", "makeup__session")
        .order_by("-session__starts_at")
    )


def patient_upcoming(
    *, clinic: Clinic, patient_id: int, now: datetime.datetime, days: int = 28
) -> list[Attendance]:
    """The patient's coming sessions (on the list, expected, the session still scheduled)
    from `now` for `days` days, soonest first, with room and leads (one query): what a
    printed schedule shows."""
    return list(
        Attendance.objects.filter(
            clinic=clinic,
            patient_id=patient_id,
            is_active=True,
            status="expected",
            session__status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lt=now + datetime.timedelta(days=days),
        )
        .select_related("session__room", "session__lead", "session__group_type")
        .order_by("starts_at", "pk")
    )


# --- A person's first screen (scheduling/day_views.py) --------------------------------------


def sessions_of(
    *, clinic: Clinic, day: datetime.date, membership: Membership
) -> list[RosterSession]:
    """The day's sessions this person leads or co-leads, with their lists (two queries)."""
    return [
        item
        for item in roster(clinic=clinic, day=day)
        if membership.pk in (item.session.lead_id, item.session.co_lead_id)
    ]


@dataclass
class ClinicDay:
    sessions: list[RosterSession]
    running: int  # sessions not cancelled
    expected: int  # patients on the lists of those
    unmarked_now: int  # still "expected" on sessions that have begun
    unmarked_earlier: int  # lists of earlier days nobody finished (to-dos)


def clinic_day(*, clinic: Clinic, day: datetime.date) -> ClinicDay:
    """The clinic's day at a glance for the admin: three queries."""
    sessions = roster(clinic=clinic, day=day)
    running = [s for s in sessions if s.session.status != SessionStatus.CANCELLED]
    return ClinicDay(
        sessions=sessions,
        running=len(running),
        expected=sum(len(s.rows) for s in running),
        unmarked_now=sum(s.counts.get("expected", 0) for s in running if s.started),
        unmarked_earlier=AttendanceTodo.objects.filter(
            clinic=clinic, resolved_at__isnull=True
        ).count(),
    )


def makeups_due(*, clinic: Clinic, membership: Membership, limit: int = 10) -> list[MissedSession]:
    """Open misses of this case manager's patients, oldest first: the ones whose make-up
    window closes soonest (one query)."""
    return list(
        MissedSession.objects.filter(
            clinic=clinic, status=MissedStatus.OPEN, patient__case_manager=membership
        )
        .select_related("patient", "session__group_type", "session__track")
        .order_by("session__starts_at")[:limit]
    )


def setup_gaps(*, clinic: Clinic) -> list[tuple[str, str]]:
    """What the calendar is missing to run the clinic's week, as (what, page name): two
    queries."""
    gaps = []
    today = clock.today(clinic)
    tracks = (
        Track.objects.filter(clinic=clinic, is_active=True)
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
        .annotate(blocks_n=Count("blocks"))
        .order_by("name")
    )
    for track in tracks:
        if track.blocks_n == 0:
            gaps.append(
                (
                    f"Track “{track.name}” has no weekly template: it makes no sessions.",
                    "track-list",
                )
            )
    if not Room.objects.filter(clinic=clinic).exists():
        gaps.append(
            (
                "No rooms: sessions cannot be given a room, so double-booking goes unchecked.",
                "track-list",
            )
        )
    return gaps
