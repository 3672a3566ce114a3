"""iCalendar feeds (RFC 5545) of a staff member's or a patient's sessions."""

import datetime
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from iop import clock
from iop.models import Clinic, Membership, Patient, User
from iop.models.audit import AuditAction
from iop.models.tokens import hash_token
from iop.services.core import audit_record
from iop.tenancy import clinic_context

from .models import CalendarFeed, Session

WINDOW_BACK = datetime.timedelta(weeks=2)


def feed_create(
    *,
    clinic: Clinic,
    actor: User,
    membership: Membership | None = None,
    patient: Patient | None = None,
) -> str:
    """A new secret address (the old one for the same person stops working). Returns the
    token; it is shown once."""
    token = secrets.token_urlsafe(24)
    with clinic_context(clinic.pk), transaction.atomic():
        existing = CalendarFeed.objects.filter(
            clinic=clinic, membership=membership, patient=patient, revoked_at__isnull=True
        )
        existing.update(revoked_at=clock.now())
        feed = CalendarFeed.objects.create(
            clinic=clinic, membership=membership, patient=patient,
            token_hash=hash_token(token), created_by=actor,
        )  # fmt: skip
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=feed,
            patient_id=patient.pk if patient else None,
        )  # fmt: skip
    return token


def feed_revoke(*, clinic: Clinic, actor: User, membership: Membership | None = None,
                patient: Patient | None = None) -> int:  # fmt: skip
    with clinic_context(clinic.pk):
        count = CalendarFeed.objects.filter(
            clinic=clinic, membership=membership, patient=patient, revoked_at__isnull=True
        ).update(revoked_at=clock.now())
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE,
            patient_id=patient.pk if patient else None, changed_fields=["revoked_at"],
        )  # fmt: skip
    return count


def feed_sessions(*, clinic: Clinic, token: str) -> Iterable[Session] | None:
    """The sessions of the feed with this token, or None when there is no such live feed."""
    feed = CalendarFeed.objects.filter(
        clinic=clinic, token_hash=hash_token(token), revoked_at__isnull=True
    ).first()
    if feed is None:
        return None
    since = clock.now() - WINDOW_BACK
    sessions = Session.objects.filter(clinic=clinic, starts_at__gte=since).exclude(
        status="cancelled"
    )
    if feed.membership_id:
        sessions = sessions.filter(Q(lead_id=feed.membership_id) | Q(co_lead_id=feed.membership_id))
    else:
        sessions = sessions.filter(attendance__patient=feed.patient, attendance__is_active=True)
    return sessions.select_related("track", "room", "group_type").order_by("starts_at")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def to_ics(*, clinic: Clinic, sessions: Iterable[Session], host: str) -> str:
    """No patient names or clinical detail: a calendar app is outside the clinic."""
    now = _stamp(clock.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//IOP clinic//Schedule//EN",
        f"X-WR-CALNAME:{_escape(clinic.name)}",
        "CALSCALE:GREGORIAN",
    ]
    for session in sessions:
        title = session.group_type.name if session.group_type else session.get_kind_display()
        where = ", ".join(
            part for part in (session.room.name if session.room else "", clinic.name) if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(session.starts_at)}",
            f"DTEND:{_stamp(session.ends_at)}",
            f"SUMMARY:{_escape(title)}",
            f"LOCATION:{_escape(where)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
