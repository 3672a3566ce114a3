"""Missed sessions and make-ups ("life happens").

The sweep runs in the worker: every few minutes for the whole clinic, and at once for rows
just marked. A session is looked at once it has ended plus the clinic's grace period (a
patient marked absent at 9:05 may still walk in at 9:30), so nobody is told about a miss
that was not one. Everything is set-based SQL under a per-clinic advisory lock: running it
twice, or in two workers at once, records each miss once and proposes one set of slots.
"""

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import Error, IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from iop import clock, events
from iop.models import Clinic, Membership, Notification, NotificationKind, Patient, User
from iop.models.audit import AuditAction
from iop.services.core import audit_record, notify
from iop.services.errors import DomainError
from iop.tenancy import clinic_context

from . import hooks, ledger, services
from .models import (
    Attendance,
    AttendanceTodo,
    Closure,
    MakeupProposal,
    MissedSession,
    MissedStatus,
    Session,
    SessionStatus,
)

logger = logging.getLogger(__name__)

MISSABLE_KINDS = ["group", "workshop", "individual", "family", "check_in"]
GROUP_KINDS = ("group", "workshop")
PROPOSALS_PER_MISS = 3
# Individual make-ups follow the therapist's recorded weekly hours; for a therapist who has
# recorded none, the usual working day, Monday to Friday.
WORKING_HOURS = (datetime.time(9), datetime.time(17))


@dataclass
class Swept:
    missed: int = 0
    proposals: int = 0
    withdrawn: int = 0
    todos: int = 0
    batches: int = 0
    # False when the run stopped at its time budget with misses left for the next run.
    finished: bool = True


# The sweep records misses in batches of this many, each batch one transaction: a batch's
# misses, their proposals and explanations commit together, so a run that is stopped (its
# time budget, a soft time limit, a lost worker) keeps every finished batch and the next run
# carries on from there. A batch this size takes well under a second.
SWEEP_BATCH = 1000
# A run starts no new batch after this long; the task then enqueues the rest (tasks.py).
SWEEP_BUDGET = datetime.timedelta(seconds=60)
LOCK_KEY = 7341


def missed_sweep(
    *,
    clinic: Clinic,
    now: datetime.datetime | None = None,
    attendance_ids: list[int] | None = None,
    batch: int | None = None,
    budget: datetime.timedelta | None = None,
) -> Swept:
    """Record misses, propose make-ups for the new ones, withdraw misses whose attendance
    was corrected, keep the front desk's to-dos for unmarked lists, and tell case managers.
    `attendance_ids` limits the work to rows just marked (the roster's fast path).

    The plan does not depend on the planner's luck: what every batch joins against (the
    coming group sessions with how full they are, the patients' coming bookings) is
    computed once per run into temporary tables with fresh statistics, each batch's misses
    are too, and the miss table is analysed after every full batch."""
    now = now or clock.now()
    batch = SWEEP_BATCH if batch is None else batch
    budget = SWEEP_BUDGET if budget is None else budget
    stop_at = time.monotonic() + budget.total_seconds()
    swept = Swept()
    params: dict[str, Any] = {
        "clinic": clinic.pk,
        "now": now,
        "grace": datetime.timedelta(minutes=clinic.missed_grace_minutes),
        "kinds": MISSABLE_KINDS,
        "ids": attendance_ids,
        "batch": batch,
        "window": clinic.makeup_window_days,
        "last_day": clock.local(clinic, now).date()
        + datetime.timedelta(days=clinic.makeup_window_days + 1),
        "limit": PROPOSALS_PER_MISS,
    }
    # Each step is its own transaction, bound to the clinic (inside a caller's transaction,
    # a savepoint of it).
    with clinic_context(clinic.pk), connection.cursor() as cursor:
        _lock(cursor, clinic)
        swept.withdrawn = _withdraw_corrected(cursor, clinic, now)
        _materialize(cursor, params)
    try:
        while True:
            with clinic_context(clinic.pk), connection.cursor() as cursor:
                # One batch per clinic at a time; a second sweep waits, then finds nothing
                # new (the batch's statement starts after the lock is granted).
                _lock(cursor, clinic)
                new = _record_batch(cursor, params)
                events.emit(clinic_id=clinic.pk, event=events.MISSED_SESSION_RECORDED,
                            object_type="missed_session", ids=new)  # fmt: skip
                if new:
                    swept.proposals += _propose_groups(cursor, params)
                    swept.proposals += _propose_individual(clinic, _one_to_one(cursor), now)
                    _explain_checkins(cursor, params)
                    _notify_case_managers(clinic, _per_case_manager(cursor))
                if len(new) == batch:
                    # The planner saw this table before the batch: let it see it now.
                    cursor.execute("ANALYZE scheduling_missedsession")
            swept.missed += len(new)
            swept.batches += bool(new)
            if len(new) < batch:
                break
            if time.monotonic() >= stop_at:
                swept.finished = False
                break
    finally:
        _drop_materialized()
    if attendance_ids is None:
        with clinic_context(clinic.pk):
            swept.todos = _sync_todos(clinic, now)
    return swept


def _lock(cursor: Any, clinic: Clinic) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_KEY, clinic.pk])


# Once per run. Temporary tables belong to this connection: no other run sees them, and no
# row-level security applies to them (everything in them was read inside the clinic's
# context). Proposals do not book anyone, so neither table changes during a run.
MATERIALIZE = [
    "DROP TABLE IF EXISTS sweep_pool, sweep_busy, sweep_batch",
    # Every coming group session within the window once, with how full it is.
    """
    CREATE TEMPORARY TABLE sweep_pool (
        id bigint PRIMARY KEY, kind text NOT NULL, group_type_id bigint,
        track_id bigint, topic_id bigint, starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL, day date NOT NULL, capacity integer NOT NULL,
        taken integer NOT NULL
    )
    """,
    """
    INSERT INTO sweep_pool
    SELECT c.id, c.kind, c.group_type_id, c.track_id, c.topic_id, c.starts_at, c.ends_at,
           c.day, coalesce(t.capacity, r.capacity, 2147483647),
           (SELECT count(*) FROM scheduling_attendance a
            WHERE a.clinic_id = %(clinic)s AND a.session_id = c.id AND a.is_active)
    FROM scheduling_session c
    LEFT JOIN scheduling_track t ON t.id = c.track_id
    LEFT JOIN scheduling_room r ON r.id = c.room_id
    WHERE c.clinic_id = %(clinic)s AND c.status = 'scheduled'
      AND c.kind IN ('group', 'workshop') AND c.starts_at > %(now)s
      AND c.day <= %(last_day)s
    """,
    "CREATE INDEX ON sweep_pool (kind, group_type_id, day)",
    "ANALYZE sweep_pool",
    # The patients' coming bookings: a candidate starts after now, so only a booking that
    # ends after now can clash with it.
    """
    CREATE TEMPORARY TABLE sweep_busy (
        patient_id bigint NOT NULL, starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL
    )
    """,
    """
    INSERT INTO sweep_busy
    SELECT a.patient_id, a.starts_at, a.ends_at FROM scheduling_attendance a
    WHERE a.clinic_id = %(clinic)s AND a.is_active AND a.ends_at > %(now)s
    """,
    "CREATE INDEX ON sweep_busy (patient_id, starts_at)",
    "ANALYZE sweep_busy",
    """
    CREATE TEMPORARY TABLE sweep_batch (
        missed_id bigint PRIMARY KEY, patient_id bigint NOT NULL, session_id bigint NOT NULL,
        kind text NOT NULL, group_type_id bigint, topic_id bigint, track_id bigint,
        day date NOT NULL
    )
    """,
]


def _materialize(cursor: Any, params: dict[str, Any]) -> None:
    for statement in MATERIALIZE:
        cursor.execute(statement, params)


def _drop_materialized() -> None:
    """The run's tables go with the run. After a failure inside a caller's transaction the
    connection cannot run anything until that rolls back (which drops them anyway), and a
    lost connection takes them with it; the next run drops any left over before it starts."""
    if connection.needs_rollback or connection.connection is None:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS sweep_pool, sweep_busy, sweep_batch")
    except Error:
        logger.warning("sweep: could not drop the run's temporary tables; the next run will")


# The next batch of misses not yet recorded (attendance order, so a resumed run carries on
# where the last one stopped), kept in `sweep_batch` with what the proposals need.
RECORD_MISSES = """
    WITH recorded AS (
        INSERT INTO scheduling_missedsession
            (clinic_id, attendance_id, patient_id, session_id, excused, status, detected_at,
             none_found, waive_reason)
        SELECT a.clinic_id, a.id, a.patient_id, a.session_id, a.status = 'excused', 'open',
               %(now)s, '', ''
        FROM scheduling_attendance a
        JOIN scheduling_session s ON s.id = a.session_id
        WHERE a.clinic_id = %(clinic)s AND a.is_active AND a.status IN ('absent', 'excused')
          AND s.status <> 'cancelled' AND s.kind = ANY(%(kinds)s)
          AND s.ends_at + %(grace)s <= %(now)s
          AND (%(ids)s::bigint[] IS NULL OR a.id = ANY(%(ids)s::bigint[]))
          AND NOT EXISTS (SELECT 1 FROM scheduling_missedsession m
                          WHERE m.clinic_id = %(clinic)s AND m.attendance_id = a.id)
        ORDER BY a.id
        LIMIT %(batch)s
        ON CONFLICT (clinic_id, attendance_id) DO NOTHING
        RETURNING id, patient_id, session_id
    )
    INSERT INTO sweep_batch
    SELECT r.id, r.patient_id, r.session_id, s.kind, s.group_type_id, s.topic_id, s.track_id,
           s.day
    FROM recorded r JOIN scheduling_session s ON s.id = r.session_id
    RETURNING missed_id
"""


def _record_batch(cursor: Any, params: dict[str, Any]) -> list[int]:
    cursor.execute("TRUNCATE sweep_batch")
    cursor.execute(RECORD_MISSES, params)
    new = [row[0] for row in cursor.fetchall()]
    cursor.execute("ANALYZE sweep_batch")
    return new


def _withdraw_corrected(cursor: Any, clinic: Clinic, now: datetime.datetime) -> int:
    """A miss whose attendance was corrected (the patient came after all, or the session
    was cancelled) is withdrawn; one whose reason changed follows it."""
    cursor.execute(
        """
        UPDATE scheduling_missedsession m
        SET status = 'withdrawn', resolved_at = %(now)s
        FROM scheduling_attendance a
        WHERE a.id = m.attendance_id AND m.clinic_id = %(clinic)s AND m.status = 'open'
          AND (NOT a.is_active OR a.status NOT IN ('absent', 'excused'))
        """,
        {"clinic": clinic.pk, "now": now},
    )
    withdrawn = int(cursor.rowcount)
    cursor.execute(
        """
        UPDATE scheduling_missedsession m SET excused = (a.status = 'excused')
        FROM scheduling_attendance a
        WHERE a.id = m.attendance_id AND m.clinic_id = %(clinic)s AND m.status = 'open'
          AND m.excused <> (a.status = 'excused')
        """,
        {"clinic": clinic.pk},
    )
    return withdrawn


# For the batch's group misses: sessions that could stand in (same kind and group type or,
# for a group with no type, the same track; within the window), with whether each is full
# and whether it clashes with the patient's other sessions; the best three become proposals
# and a miss with none is told why, in numbers the case manager can act on. One statement.
PROPOSE_GROUPS = """
    WITH candidates AS MATERIALIZED (
        SELECT n.missed_id, c.id AS session_id, c.starts_at, c.ends_at, c.day,
               coalesce(c.topic_id = n.topic_id, false) AS same_topic,
               coalesce(c.track_id = n.track_id, false) AS own_track,
               c.taken >= c.capacity AS is_full,
               EXISTS (SELECT 1 FROM sweep_busy b
                       WHERE b.patient_id = n.patient_id AND b.starts_at < c.ends_at
                         AND b.ends_at > c.starts_at) AS has_clash
        FROM sweep_batch n
        JOIN sweep_pool c
          ON c.kind = n.kind AND c.id <> n.session_id AND c.day <= n.day + %(window)s
         AND (c.group_type_id = n.group_type_id
              OR (n.group_type_id IS NULL AND c.track_id = n.track_id))
        WHERE n.kind IN ('group', 'workshop')
    ),
    ranked AS (
        SELECT *, row_number() OVER (
            PARTITION BY missed_id
            ORDER BY same_topic DESC, day, own_track DESC, starts_at, session_id
        ) AS rank
        FROM candidates WHERE NOT is_full AND NOT has_clash
    ),
    proposed AS (
        INSERT INTO scheduling_makeupproposal
            (clinic_id, missed_id, rank, session_id, starts_at, ends_at, same_topic, own_track)
        SELECT %(clinic)s, missed_id, rank, session_id, starts_at, ends_at, same_topic,
               own_track
        FROM ranked WHERE rank <= %(limit)s
        ON CONFLICT DO NOTHING
        RETURNING missed_id
    ),
    counts AS (
        SELECT n.missed_id, count(c.session_id) AS total,
               count(c.session_id) FILTER (WHERE c.is_full) AS full_ones,
               count(c.session_id) FILTER (WHERE c.has_clash) AS clashing
        FROM sweep_batch n LEFT JOIN candidates c ON c.missed_id = n.missed_id
        WHERE n.kind IN ('group', 'workshop')
          AND NOT EXISTS (SELECT 1 FROM ranked r WHERE r.missed_id = n.missed_id)
        GROUP BY n.missed_id
    ),
    explained AS (
        UPDATE scheduling_missedsession m
        SET none_found = CASE
            WHEN counts.total = 0
            THEN format('No other session of this group within %%s days.', %(window)s)
            ELSE format('All %%s sessions of this group within %%s days are full (%%s) '
                        'or clash with the patient''s schedule (%%s).',
                        counts.total, %(window)s, counts.full_ones, counts.clashing)
        END
        FROM counts WHERE m.clinic_id = %(clinic)s AND m.id = counts.missed_id
        RETURNING m.id
    )
    SELECT (SELECT count(*) FROM proposed), (SELECT count(*) FROM explained)
"""


def _propose_groups(cursor: Any, params: dict[str, Any]) -> int:
    cursor.execute(PROPOSE_GROUPS, params)
    proposed, _explained = cursor.fetchone()
    return int(proposed)


def _explain_checkins(cursor: Any, params: dict[str, Any]) -> None:
    cursor.execute(
        """
        UPDATE scheduling_missedsession m SET none_found = %(why)s
        FROM sweep_batch n
        WHERE m.clinic_id = %(clinic)s AND m.id = n.missed_id AND n.kind = 'check_in'
        """,
        {
            **params,
            "why": "Check-ins are not proposed: book the next one on the calendar, or waive.",
        },
    )


def _one_to_one(cursor: Any) -> list[int]:
    """The batch's individual and family misses (proposed from the therapist's hours)."""
    cursor.execute(
        "SELECT missed_id FROM sweep_batch WHERE kind IN ('individual', 'family') "
        "ORDER BY missed_id"
    )
    return [row[0] for row in cursor.fetchall()]


def _per_case_manager(cursor: Any) -> dict[int, int]:
    """How many of the batch's misses each case manager's patients have."""
    cursor.execute(
        """
        SELECT p.case_manager_id, count(*) FROM sweep_batch n
        JOIN iop_patient p ON p.id = n.patient_id
        WHERE p.case_manager_id IS NOT NULL GROUP BY p.case_manager_id
        """
    )
    return {row[0]: int(row[1]) for row in cursor.fetchall()}


def _propose_individual(clinic: Clinic, new: list[int], now: datetime.datetime) -> int:
    """An individual (or family) miss: the therapist's free hours in the coming week that
    fit the patient's schedule, soonest first."""
    if not new:
        return 0
    misses = MissedSession.objects.filter(clinic=clinic, pk__in=new).select_related(
        "session__lead", "patient__primary_therapist"
    )
    proposals = []
    for missed in misses:
        lead = missed.session.lead or missed.patient.primary_therapist
        if lead is None:
            missed.none_found = "The patient has no primary therapist to see them."
            missed.save(update_fields=["none_found"])
            continue
        slots = free_hours(
            clinic, lead=lead, patient=missed.patient, missed=missed.session, now=now
        )
        if not slots:
            missed.none_found = (
                f"{lead.user.display_name} has no free hour that fits the patient's schedule "
                "in the coming week."
            )
            missed.save(update_fields=["none_found"])
        proposals += [
            MakeupProposal(
                clinic=clinic, missed=missed, rank=rank, lead=lead, starts_at=start, ends_at=end
            )
            for rank, (start, end) in enumerate(slots[:PROPOSALS_PER_MISS], start=1)
        ]
    MakeupProposal.objects.bulk_create(proposals, ignore_conflicts=True)
    return len(proposals)


def free_hours(
    clinic: Clinic,
    *,
    lead: Membership,
    patient: Patient,
    missed: Session,
    now: datetime.datetime,
    days: int = 7,
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Slots as long as the missed session, on the hour, within the therapist's weekly hours
    (the usual working day when they have recorded none), closures and time away skipped,
    where neither the therapist nor the patient is booked."""
    tz = clock.zone(clinic)
    length = missed.ends_at - missed.starts_at
    first = now.astimezone(tz).date()
    last = first + datetime.timedelta(days=days)
    windows: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    away: list[tuple[datetime.datetime, datetime.datetime]] = []
    for hours_of in hooks.staff_hours:
        hours = hours_of(clinic, lead, first, last)
        for weekday, spans in hours.weekly.items():
            windows[weekday] += spans
        away += hours.away
    if not windows:
        windows.update({weekday: [WORKING_HOURS] for weekday in range(5)})
    busy = [
        (s.starts_at, s.ends_at)
        for s in Session.objects.filter(
            Q(lead=lead) | Q(co_lead=lead), clinic=clinic, day__range=(first, last)
        ).exclude(status=SessionStatus.CANCELLED)
    ] + [
        (a.starts_at, a.ends_at)
        for a in Attendance.objects.filter(
            clinic=clinic, patient=patient, is_active=True, starts_at__date__range=(first, last)
        )
    ]
    busy += away
    closed = set(
        Closure.objects.filter(clinic=clinic, date__range=(first, last)).values_list(
            "date", flat=True
        )
    )
    slots = []
    for offset in range(days + 1):
        day = first + datetime.timedelta(days=offset)
        if day in closed:
            continue
        for t0, t1 in sorted(windows.get(day.weekday(), [])):
            start = clock.at(tz, day, t0)
            while start + length <= clock.at(tz, day, t1):
                end = start + length
                if start > now and not any(b0 < end and b1 > start for b0, b1 in busy):
                    slots.append((start, end))
                start += datetime.timedelta(hours=1)
    return sorted(slots)


def _notify_case_managers(clinic: Clinic, counts: dict[int, int]) -> None:
    url = reverse("makeup-queue", kwargs={"clinic_slug": clinic.slug}) + "?mine=1"
    for membership_id, count in counts.items():
        notify(
            clinic=clinic,
            membership_id=membership_id,
            message=f"{count} missed session{'s' if count > 1 else ''} of your patients "
            f"{'need' if count > 1 else 'needs'} a make-up decision.",
            url=url,
            kind=NotificationKind.MAKEUP,
        )


def _sync_todos(clinic: Clinic, now: datetime.datetime) -> int:
    """Lists of earlier days with patients nobody marked (`ledger.awaiting_mark`: within the
    marking window) become to-dos; completed lists, and lists the window has closed on,
    close theirs. Returns the number of open to-dos."""
    today = clock.local(clinic, now).date()
    unmarked = (
        Attendance.objects.filter(
            ledger.awaiting_mark(today=today), clinic=clinic, session__day__lt=today
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .values("session_id")
        .annotate(n=Count("id"))
    )
    counts = {row["session_id"]: row["n"] for row in unmarked}
    AttendanceTodo.objects.bulk_create(
        [AttendanceTodo(clinic=clinic, session_id=sid, unmarked=n) for sid, n in counts.items()],
        update_conflicts=True,
        unique_fields=["clinic", "session"],
        update_fields=["unmarked"],
    )
    AttendanceTodo.objects.filter(clinic=clinic, resolved_at__isnull=True).exclude(
        session_id__in=list(counts)
    ).update(resolved_at=now)
    AttendanceTodo.objects.filter(clinic=clinic, session_id__in=list(counts)).update(
        resolved_at=None
    )
    return len(counts)


# --- Decisions --------------------------------------------------------------------------------


def makeup_accept(
    missed: MissedSession,
    *,
    actor: User,
    proposal: MakeupProposal | None = None,
    session: Session | None = None,
) -> Attendance:
    """Book the make-up: a proposal, or another session picked by hand. The patient is put
    on its list with a link back to the miss; the hours ledger counts it like any other."""
    with clinic_context(missed.clinic_id), transaction.atomic():
        missed = _lock_open(missed)
        if proposal is not None:
            if proposal.missed_id != missed.pk:
                raise ValidationError({"proposal": "That proposal is for another miss."})
            session = proposal.session or services.session_create(
                clinic=missed.clinic, actor=actor, kind=missed.session.kind,
                day=clock.local(missed.clinic, proposal.starts_at).date(),
                starts_at=proposal.starts_at, ends_at=proposal.ends_at, lead=proposal.lead,
            )  # fmt: skip
        if session is None:
            raise ValidationError({"session": "Choose a proposal or a session."})
        _check_fits(missed, session)
        makeup = _rejoin(missed, session, actor) or services.attendance_add(
            session=session, patient=missed.patient, actor=actor, makeup_of=missed.attendance
        )
        missed.status = MissedStatus.MADE_UP
        missed.makeup = makeup
        _resolve(missed, actor, ["status", "makeup"])
        # The patient is busy then now: their other misses stop proposing that time.
        MakeupProposal.objects.filter(
            clinic_id=missed.clinic_id,
            missed__patient_id=missed.patient_id,
            missed__status=MissedStatus.OPEN,
            starts_at__lt=makeup.ends_at,
            ends_at__gt=makeup.starts_at,
        ).delete()
    return makeup


def makeup_waive(missed: MissedSession, *, actor: User, reason: str) -> MissedSession:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why no make-up is needed."})
    with clinic_context(missed.clinic_id), transaction.atomic():
        missed = _lock_open(missed)
        missed.status = MissedStatus.WAIVED
        missed.waive_reason = reason[:300]
        _resolve(missed, actor, ["status", "waive_reason"])
    return missed


def _lock_open(missed: MissedSession) -> MissedSession:
    locked = (
        MissedSession.objects.select_for_update(of=("self",))
        .select_related("session", "patient", "attendance", "clinic")
        .get(clinic_id=missed.clinic_id, pk=missed.pk)
    )
    if locked.status != MissedStatus.OPEN:
        raise DomainError(f"This miss was already decided ({locked.get_status_display()}).")
    return locked


def _check_fits(missed: MissedSession, session: Session) -> None:
    if session.clinic_id != missed.clinic_id or session.status != SessionStatus.SCHEDULED:
        raise ValidationError({"session": "That session is not on the calendar any more."})
    if session.starts_at <= clock.now():
        raise ValidationError({"session": "That session has already started."})
    if session.kind != missed.session.kind:
        raise ValidationError({"session": "A make-up must be the same kind of session."})
    # Two people booking the last place at once: the second waits here, then sees it taken.
    Session.objects.select_for_update().filter(clinic_id=session.clinic_id, pk=session.pk).first()
    capacity = (session.track.capacity if session.track else None) or (
        session.room.capacity if session.room else None
    )
    taken = Attendance.objects.filter(clinic_id=session.clinic_id, session=session, is_active=True)
    if capacity is not None and taken.count() >= capacity:
        raise ValidationError({"session": f"That session is full ({capacity} places)."})


def _rejoin(missed: MissedSession, session: Session, actor: User) -> Attendance | None:
    """The patient was once on this session's list and taken off (a track change, a hold):
    their row comes back as the make-up rather than a second row."""
    row = Attendance.objects.filter(
        clinic_id=session.clinic_id, session=session, patient_id=missed.patient_id
    ).first()
    if row is None:
        return None
    if row.is_active:
        raise ValidationError({"session": "The patient is already on that session's list."})
    row.is_active, row.status, row.makeup_of = True, "expected", missed.attendance
    row.arrived_at = row.left_at = row.minutes_attended = None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise services.double_booking_error(exc) from None
    audit_record(
        clinic=missed.clinic, actor=actor, action=AuditAction.CHANGE, obj=row,
        patient_id=row.patient_id, changed_fields=["is_active", "status", "makeup_of"],
    )  # fmt: skip
    return row


def _resolve(missed: MissedSession, actor: User, changed: list[str]) -> None:
    missed.resolved_by = actor
    missed.resolved_at = clock.now()
    missed.save(update_fields=[*changed, "resolved_by", "resolved_at"])
    audit_record(
        clinic=missed.clinic, actor=actor, action=AuditAction.CHANGE, obj=missed,
        patient_id=missed.patient_id, changed_fields=changed,
    )  # fmt: skip


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class Option:
    session: Session
    same_topic: bool
    own_track: bool
    full: bool
    clash: bool

    @property
    def bookable(self) -> bool:
        return not (self.full or self.clash)


def makeup_options(missed: MissedSession, *, now: datetime.datetime | None = None) -> list[Option]:
    """Every session that could stand in for a missed group over the next four weeks, with
    why the unbookable ones are not (full, or the patient is busy then): "pick another
    time" on the make-up page."""
    now = now or clock.now()
    source = missed.session
    if source.kind not in GROUP_KINDS:
        return []  # one-to-one meetings are proposed from the therapist's free hours
    sessions = (
        Session.objects.filter(
            clinic_id=missed.clinic_id,
            status=SessionStatus.SCHEDULED,
            kind=source.kind,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(weeks=4),
        )
        .exclude(pk=source.pk)
        .select_related("track", "room", "topic", "group_type")
        .annotate(
            taken=Count("attendance", filter=Q(attendance__is_active=True)),
            clash=Exists(
                Attendance.objects.filter(
                    clinic_id=missed.clinic_id,
                    patient_id=missed.patient_id,
                    is_active=True,
                    starts_at__lt=OuterRef("ends_at"),
                    ends_at__gt=OuterRef("starts_at"),
                )
            ),
        )
        .order_by("starts_at")
    )
    if source.group_type_id:
        sessions = sessions.filter(group_type_id=source.group_type_id)
    elif source.track_id:
        sessions = sessions.filter(track_id=source.track_id)
    options = []
    for s in sessions[:200]:
        capacity = (s.track.capacity if s.track else None) or (s.room.capacity if s.room else None)
        options.append(
            Option(
                session=s,
                same_topic=bool(source.topic_id and s.topic_id == source.topic_id),
                own_track=bool(source.track_id and s.track_id == source.track_id),
                full=capacity is not None and s.taken >= capacity,
                clash=s.clash,
            )
        )
    return options


def notifications_for(
    *, clinic: Clinic, membership: Membership, limit: int = 10
) -> list[Notification]:
    return list(
        Notification.objects.filter(clinic=clinic, recipient=membership, read_at__isnull=True)[
            :limit
        ]
    )
