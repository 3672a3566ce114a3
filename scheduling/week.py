"""A staff member's week as a calendar app shows it: the sessions they lead or co-lead, per
day, laid on a time grid of the days that hold something. My calendar draws the sessions
alone; the therapist's week view (therapy) adds their open time and time away to the same
days and the same grid (templates/scheduling/_time_grid.html)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from iop import clock
from iop.models import Clinic, Membership

from .models import Session, SessionStatus


@dataclass
class WeekItem:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    kind: str  # "session", "open", "away"
    label: str
    session: Any = None


@dataclass
class WeekDay:
    day: datetime.date
    items: list[WeekItem]


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=n) for n in range(7)]


def week_window(clinic: Clinic, monday: datetime.date) -> tuple[datetime.datetime, ...]:
    """The week's first and last minute in the clinic's zone."""
    tz = clock.zone(clinic)
    days = week_days(monday)
    return clock.at(tz, days[0], datetime.time(0)), clock.at(tz, days[-1], datetime.time(23, 59))


def led_sessions(*, clinic: Clinic, member: Membership, monday: datetime.date) -> QuerySet[Session]:
    """The week's sessions `member` leads or co-leads, groups and individual alike, with what
    their labels show: one query and one for the lists."""
    first, last = week_window(clinic, monday)
    return (
        Session.objects.filter(
            Q(lead=member) | Q(co_lead=member), clinic=clinic, starts_at__lt=last, ends_at__gt=first
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("group_type", "track", "room")
        .prefetch_related("attendance__patient")
        .order_by("starts_at")
    )


def session_item(session: Session) -> WeekItem:
    """A session on the grid: a group by its type, track, room and its list's size; an
    individual or family session by whom it is with."""
    title = session.group_type.name if session.group_type else str(session.get_kind_display())
    listed = [a.patient for a in session.attendance.all() if a.is_active]
    if session.kind == "group":
        where = [x.name for x in (session.track, session.room) if x is not None]
        size = f"{len(listed)} on the list" if listed else "nobody on the list"
        label = " · ".join([title, *where, size])
    else:
        people = ", ".join(f"{p.display_name} ({p.record_number})" for p in listed)
        label = f"{title}: {people}" if people else title
    return WeekItem(session.starts_at, session.ends_at, "session", label, session)


def staff_week(
    *,
    clinic: Clinic,
    member: Membership,
    monday: datetime.date,
    sessions: list[Session] | None = None,
) -> list[WeekDay]:
    """The seven days of `member`'s week with the sessions they lead, each in its day (in the
    clinic's zone). `sessions` are `led_sessions` when the caller needs more of them."""
    tz = clock.zone(clinic)
    if sessions is None:
        sessions = list(led_sessions(clinic=clinic, member=member, monday=monday))
    return [
        WeekDay(
            day,
            sorted(
                (session_item(s) for s in sessions if s.starts_at.astimezone(tz).date() == day),
                key=lambda i: i.starts_at,
            ),
        )
        for day in week_days(monday)
    ]


@dataclass
class GridCell:
    """One cell of the week's time grid: the items starting in its first slot (and those
    overlapping them), spanning `rows` slots."""

    items: list[WeekItem]
    rows: int


@dataclass
class GridRow:
    starts_at: datetime.time  # the slot's wall-clock time, written in the first column
    cells: list[GridCell | bool | None]  # per shown day: a cell, None (empty), False (spanned)


@dataclass
class TimeGrid:
    days: list[WeekDay]  # the working days only: those with hours, a session or time away
    rows: list[GridRow]


def time_grid(week: list[WeekDay], *, tz: datetime.tzinfo, slot_minutes: int = 30) -> TimeGrid:
    """A week like a calendar app: one column per working day, one row per `slot_minutes`
    from the week's first item to its last, each item in the row of its start spanning its
    length. Items that overlap (a session during time away) share a cell."""
    shown = [day for day in week if day.items]
    if not shown:
        return TimeGrid([], [])

    def slot(moment: datetime.datetime, *, up: bool) -> int:
        local = moment.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        whole, part = divmod(minutes, slot_minutes)
        return whole + (1 if up and part else 0)

    per_day: list[dict[int, GridCell]] = []
    first, last = 24 * 60 // slot_minutes, 0
    for day in shown:
        cells: dict[int, GridCell] = {}
        open_start, open_end, open_until = -1, -1, None
        for item in day.items:  # sorted by start
            if open_until is not None and item.starts_at < open_until:  # overlaps in time
                cell = cells[open_start]
                cell.items.append(item)
                open_end = max(open_end, slot(item.ends_at, up=True))
                open_until = max(open_until, item.ends_at)
                cell.rows = open_end - open_start
                continue
            # One that only begins in the last slot of the one before (open time after a
            # 50-minute session) starts in the next row.
            start = max(slot(item.starts_at, up=False), open_end)
            end = max(slot(item.ends_at, up=True), start + 1)
            cells[start] = GridCell([item], end - start)
            open_start, open_end, open_until = start, end, item.ends_at
            first, last = min(first, start), max(last, end)
        per_day.append(cells)
    rows = []
    covered = [0] * len(shown)  # the slot up to which each day's current cell reaches
    for index in range(first, last):
        row_cells: list[GridCell | bool | None] = []
        for n, cells in enumerate(per_day):
            if index in cells:
                row_cells.append(cells[index])
                covered[n] = index + cells[index].rows
            elif index < covered[n]:
                row_cells.append(False)
            else:
                row_cells.append(None)
        minutes = index * slot_minutes
        rows.append(GridRow(datetime.time(minutes // 60, minutes % 60), row_cells))
    return TimeGrid(shown, rows)
