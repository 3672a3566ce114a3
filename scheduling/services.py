"""Writes for the calendar: tracks and their templates, rooms, closures, sessions, and the
attendance lists that follow each patient's enrollment (rolling admission)."""

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from iop.models import Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.services.core import audit_record, validate_and_save
from iop.tenancy import clinic_context

from .models import (
    Attendance,
    BlockKind,
    Closure,
    Room,
    Session,
    SessionKind,
    SessionStatus,
    Track,
    TrackBlock,
)

BLOCK_SESSION_KIND: dict[str, str] = {
    BlockKind.GROUP: SessionKind.GROUP,
    BlockKind.WORKSHOP: SessionKind.WORKSHOP,
    BlockKind.CHECK_IN: SessionKind.CHECK_IN,
    BlockKind.INDIVIDUAL_SLOT: SessionKind.INDIVIDUAL,
}
DOUBLE_BOOKED = {
    "session_room_free": ("room", "The room is already booked at that time."),
    "session_lead_free": ("lead", "The lead is already running another session at that time."),
    "session_co_lead_free": ("co_lead", "The co-lead is already in another session then."),
    "attendance_patient_free": ("patient", "The patient is already booked at that time."),
}


def _double_booking(exc: IntegrityError) -> ValidationError:
    """The exclusion constraint's refusal, said in the clinic's words, on the right field."""
    for name, (field, message) in DOUBLE_BOOKED.items():
        if name in str(exc):
            return ValidationError({field: message})
    return ValidationError("This conflicts with another booking; reload and try again.")


def clinic_tz(clinic: Clinic) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(clinic.timezone)


def elapsed_minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """Real minutes between two instants. In UTC: Python subtracts two datetimes sharing a
    zone by wall clock, which is off by an hour across a daylight-saving change."""
    return int(
        (end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)).total_seconds() // 60
    )


def at(day: datetime.date, time: datetime.time, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A wall-clock time in the clinic's zone (daylight saving handled by zoneinfo)."""
    return datetime.datetime.combine(day, time, tzinfo=tz)


# --- Configuration ----------------------------------------------------------------------------


def room_create(
    *, clinic: Clinic, actor: User, name: str, capacity: int = 14, site: Any = None
) -> Room:
    with clinic_context(clinic.pk):
        room = Room(clinic=clinic, name=name, capacity=capacity, site=site)
        validate_and_save(room)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=room)
    return room


def track_create(
    *,
    clinic: Clinic,
    actor: User,
    blocks: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> Track:
    """A track and its weekly template (weekday, starts_at, ends_at, kind, group_type, room,
    lead for each block)."""
    with clinic_context(clinic.pk):
        track = Track(clinic=clinic, **fields)
        validate_and_save(track)
        for block in blocks:
            item = TrackBlock(clinic=clinic, track=track, **block)
            if item.weekday not in track.weekdays:
                raise ValidationError({"weekday": "A block must fall on one of the track's days."})
            validate_and_save(item)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=track,
            changed_fields=[*fields, "blocks"],
        )  # fmt: skip
    return track


def closure_add(*, clinic: Clinic, actor: User, date: datetime.date, name: str) -> int:
    """Close the clinic for a day; sessions already generated on it are cancelled, and their
    attendance lists emptied. Returns how many sessions were cancelled."""
    with clinic_context(clinic.pk):
        closure = Closure(clinic=clinic, date=date, name=name)
        validate_and_save(closure)
        cancelled = _cancel_generated(clinic, {date: name})
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=closure)
    return cancelled


def _cancel_generated(clinic: Clinic, closures: dict[datetime.date, str]) -> int:
    sessions = Session.objects.filter(
        clinic=clinic, day__in=list(closures), block__isnull=False, status=SessionStatus.SCHEDULED
    )
    ids = list(sessions.values_list("id", flat=True))
    for day, name in closures.items():
        sessions.filter(day=day).update(
            status=SessionStatus.CANCELLED, cancel_reason=f"Closed: {name}"
        )
    Attendance.objects.filter(clinic=clinic, session_id__in=ids).update(is_active=False)
    return len(ids)


# --- Generation -------------------------------------------------------------------------------


def generate_on_commit(clinic: Clinic) -> None:
    """A template changed: regenerate in the worker once the change is committed."""
    from .tasks import generate_sessions

    clinic_id = clinic.pk
    transaction.on_commit(lambda: generate_sessions.delay(clinic_id=clinic_id))


@dataclass(frozen=True)
class Generated:
    sessions: int
    attendance: int
    cancelled: int


def sessions_generate(*, clinic: Clinic, today: datetime.date | None = None) -> Generated:
    """Keep every active track's sessions generated `clinic.generate_weeks_ahead` weeks ahead
    from its weekly template, skipping closures, and every patient on the track on their
    lists. Idempotent: a second run creates nothing (unique block × day; ON CONFLICT)."""
    tz = clinic_tz(clinic)
    today = today or timezone.localdate(timezone=tz)
    last = today + datetime.timedelta(weeks=clinic.generate_weeks_ahead)
    with clinic_context(clinic.pk):
        closures = dict(
            Closure.objects.filter(clinic=clinic, date__range=(today, last)).values_list(
                "date", "name"
            )
        )
        new = []
        for track in Track.objects.filter(clinic=clinic, is_active=True).prefetch_related("blocks"):
            for offset in range((last - today).days):
                day = today + datetime.timedelta(days=offset)
                if day in closures or not track.runs_on(day):
                    continue
                for block in track.blocks.all():
                    if block.weekday != day.weekday() or block.kind == BlockKind.BREAK:
                        continue
                    new.append(
                        Session(
                            clinic=clinic,
                            kind=BLOCK_SESSION_KIND[block.kind],
                            track=track,
                            block=block,
                            day=day,
                            starts_at=at(day, block.starts_at, tz),
                            ends_at=at(day, block.ends_at, tz),
                            room_id=block.room_id,
                            lead_id=block.lead_id,
                            group_type_id=block.group_type_id,
                        )
                    )
        before = Session.objects.filter(clinic=clinic).count()
        Session.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        created = Session.objects.filter(clinic=clinic).count() - before
        cancelled = _cancel_generated(clinic, closures)
        added = _add_track_attendance(clinic=clinic, since=today, until=last)
    return Generated(sessions=created, attendance=added, cancelled=cancelled)


def _add_track_attendance(
    *, clinic: Clinic, since: datetime.date, until: datetime.date, patient_id: int | None = None
) -> int:
    """Set-based: every active enrollment's patient onto its track's scheduled sessions from
    admission on. ON CONFLICT DO NOTHING also skips a patient already booked then (the
    exclusion constraint), so one clash never blocks the rest."""
    sql = """
        INSERT INTO scheduling_attendance
            (clinic_id, session_id, patient_id, starts_at, ends_at, is_active, status)
        SELECT s.clinic_id, s.id, e.patient_id, s.starts_at, s.ends_at, true, 'expected'
        FROM scheduling_session s
        JOIN iop_enrollment e ON e.clinic_id = s.clinic_id AND e.track_id = s.track_id
        WHERE s.clinic_id = %(clinic)s AND s.status = 'scheduled'
          AND s.day >= %(since)s AND s.day <= %(until)s AND s.starts_at >= %(now)s
          AND e.status = 'active' AND s.day >= e.admission_date
          AND (%(patient)s::bigint IS NULL OR e.patient_id = %(patient)s::bigint)
        ON CONFLICT DO NOTHING
    """
    params: dict[str, Any] = {
        "clinic": clinic.pk,
        "since": since,
        "until": until,
        "now": timezone.now(),
        "patient": patient_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def attendance_follow_enrollment(*, patient: Patient) -> None:
    """Rolling admission: a patient's future track attendance is exactly the future sessions
    of their active enrollment's track. Joining a running track, changing track, going on
    hold or leaving never requires recreating anything. Past and recorded attendance, and
    sessions outside tracks (individual, family, make-ups), are left alone."""
    clinic = patient.clinic
    now = timezone.now()
    with clinic_context(clinic.pk):
        enrollment = patient.enrollments.filter(status="active").select_related("track").first()
        future = Attendance.objects.filter(
            clinic=clinic, patient=patient, starts_at__gte=now, session__track__isnull=False,
            status="expected", makeup_of__isnull=True,
        )  # fmt: skip
        if enrollment is None:
            future.delete()
            return
        future.exclude(session__track=enrollment.track).delete()
        last = timezone.localdate(timezone=clinic_tz(clinic)) + datetime.timedelta(
            weeks=clinic.generate_weeks_ahead
        )
        _add_track_attendance(
            clinic=clinic, since=enrollment.admission_date, until=last, patient_id=patient.pk
        )


def session_create(*, clinic: Clinic, actor: User, **fields: Any) -> Session:
    """A one-off session (individual, family, check-in, assessment). Double-booking of the
    room, the staff or a patient is refused by the database and said plainly."""
    with clinic_context(clinic.pk):
        session = Session(clinic=clinic, **fields)
        session.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError as exc:
            raise _double_booking(exc) from None
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=session)
    return session


def attendance_add(*, session: Session, patient: Patient, actor: User, **fields: Any) -> Attendance:
    with clinic_context(session.clinic_id):
        attendance = Attendance(
            clinic_id=session.clinic_id, session=session, patient=patient,
            starts_at=session.starts_at, ends_at=session.ends_at, **fields,
        )  # fmt: skip
        try:
            with transaction.atomic():
                attendance.save()
        except IntegrityError as exc:
            raise _double_booking(exc) from None
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=attendance,
            patient_id=patient.pk,
        )  # fmt: skip
    return attendance


MARKABLE = ("expected", "present", "late", "left_early", "absent", "excused")


def minutes_for(
    session: Session,
    status: str,
    arrived_at: datetime.datetime | None,
    left_at: datetime.datetime | None,
) -> int | None:
    """Minutes attended: the overlap of the stay with the session; none for a miss."""
    if status == "expected":
        return None
    if status in ("absent", "excused"):
        return 0
    start = max(session.starts_at, arrived_at) if arrived_at else session.starts_at
    end = min(session.ends_at, left_at) if left_at else session.ends_at
    return max(0, elapsed_minutes(start, end))


def _stay(
    session: Session,
    status: str,
    arrived_at: datetime.datetime | None,
    left_at: datetime.datetime | None,
) -> tuple[datetime.datetime | None, datetime.datetime | None, int | None]:
    """Check a mark and work out the stay it records: (arrival, departure, minutes)."""
    if status not in MARKABLE:
        raise ValidationError({"status": "Choose present, late, left early, absent or excused."})
    now = timezone.now()
    if status == "late" and arrived_at is None:
        arrived_at = min(max(now, session.starts_at), session.ends_at)
    if status == "left_early" and left_at is None:
        left_at = min(max(now, session.starts_at), session.ends_at)
    if arrived_at and left_at and left_at <= arrived_at:
        raise ValidationError({"left_at": "The departure must be after the arrival."})
    if arrived_at and arrived_at >= session.ends_at:
        raise ValidationError({"arrived_at": "The arrival is after the session ended."})
    if left_at and left_at <= session.starts_at:
        raise ValidationError({"left_at": "The departure is before the session started."})
    if status in ("absent", "excused"):
        arrived_at = left_at = None
    return arrived_at, left_at, minutes_for(session, status, arrived_at, left_at)


def attendance_mark(
    attendance: Attendance,
    *,
    actor: User,
    status: str,
    arrived_at: datetime.datetime | None = None,
    left_at: datetime.datetime | None = None,
) -> Attendance:
    """One click on the roster. Late needs an arrival and left-early a departure; when the
    front desk gives none, now is used (they are marking as it happens)."""
    session = attendance.session
    stay = _stay(session, status, arrived_at, left_at)
    with clinic_context(attendance.clinic_id):
        attendance.status = status
        attendance.arrived_at, attendance.left_at, attendance.minutes_attended = stay
        attendance.save(update_fields=["status", "arrived_at", "left_at", "minutes_attended"])
        audit_record(
            clinic=session.clinic, actor=actor, action=AuditAction.CHANGE, obj=attendance,
            patient_id=attendance.patient_id,
            changed_fields=["status", "arrived_at", "left_at", "minutes_attended"],
        )  # fmt: skip
    return attendance


def walk_in_add(*, session: Session, patient: Patient, actor: User) -> Attendance:
    """Someone not on the list turned up: on the list, present."""
    attendance = attendance_add(session=session, patient=patient, actor=actor)
    attendance.session = session
    return attendance_mark(attendance, actor=actor, status="present")


@dataclass(frozen=True)
class Mark:
    status: str
    arrived_at: datetime.datetime | None = None
    left_at: datetime.datetime | None = None


def attendance_mark_bulk(
    *, session: Session, actor: User, changes: dict[int, Mark]
) -> list[Attendance]:
    """Mark many patients of one session at once (a REST client's roster): a fixed number
    of queries whatever the size of the group — one read, one update, one audit insert."""
    stays = {}
    for attendance_id, mark in changes.items():
        try:
            stays[attendance_id] = _stay(session, mark.status, mark.arrived_at, mark.left_at)
        except ValidationError as exc:
            raise ValidationError(
                {"attendance": f"{attendance_id}: {' '.join(exc.messages)}"}
            ) from exc
    with clinic_context(session.clinic_id):
        rows = list(
            Attendance.objects.filter(
                clinic_id=session.clinic_id, session=session, pk__in=list(changes)
            )
        )
        missing = set(changes) - {row.pk for row in rows}
        if missing:
            raise ValidationError({"attendance": f"Not on this session's list: {sorted(missing)}."})
        for row in rows:
            row.status = changes[row.pk].status
            row.arrived_at, row.left_at, row.minutes_attended = stays[row.pk]
        Attendance.objects.bulk_update(
            rows, ["status", "arrived_at", "left_at", "minutes_attended"], batch_size=500
        )
        _audit_changes(session, actor, rows)
    return rows


def _audit_changes(session: Session, actor: User, rows: list[Attendance]) -> None:
    from iop.middleware import current_request
    from iop.models import AuditEvent

    meta = current_request.get()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            clinic_id=session.clinic_id,
            actor=actor,
            action=AuditAction.CHANGE,
            patient_id=row.patient_id,
            object_type="scheduling.attendance",
            object_id=str(row.pk),
            changed_fields=["minutes_attended", "status"],
            ip=meta.ip if meta else None,
            request_id=meta.request_id if meta else "",
        )
        for row in rows
    )


def session_set_topic(session: Session, *, actor: User, topic: Any) -> Session:
    """Tag an education or skills session with the curriculum topic it covers."""
    if topic is not None and topic.group_type_id != session.group_type_id:
        raise ValidationError({"topic": "Choose a topic of this session's group type."})
    with clinic_context(session.clinic_id):
        session.topic = topic
        session.save(update_fields=["topic"])
        audit_record(
            clinic=session.clinic, actor=actor, action=AuditAction.CHANGE, obj=session,
            changed_fields=["topic"],
        )  # fmt: skip
    return session
