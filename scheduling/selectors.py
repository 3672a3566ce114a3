"""Reads for the calendar. Tenant reads take `clinic=`."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q
from django.http import Http404

from iop import clock
from iop.models import Clinic, Track

from .models import Attendance, Closure, MissedSession, Session, SessionStatus


@dataclass
class RosterSession:
    session: Session
    rows: list[Attendance]

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


def roster(
    *, clinic: Clinic, day: datetime.date, site_id: int | None = None
) -> list[RosterSession]:
    """Every session of the day with its expected patients: two queries, whatever the size."""
    rows = Attendance.objects.filter(clinic=clinic, is_active=True).select_related("patient")
    sessions = (
        Session.objects.filter(clinic=clinic, day=day)
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
    if site_id:
        sessions = sessions.filter(track__site_id=site_id) | sessions.filter(room__site_id=site_id)
    return [RosterSession(session=s, rows=s.rows) for s in sessions]


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
        .select_related("session", "patient")
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
        what = other.track.name if other.track else other.get_kind_display()
        start, end = clock.local(clinic, other.starts_at), clock.local(clinic, other.ends_at)
        text = f"{name} is {verb} {what} {start:%-I:%M %p}–{end:%-I:%M %p}"
    return StaffingClash(session, missing, wanted, other, text)


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
