"""iCalendar feeds (RFC 5545) of a staff member's or a patient's sessions."""

import datetime
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from icalendar import Calendar, Event, Timezone, vText

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


def _vtimezone(clinic: Clinic, first: datetime.date, last: datetime.date) -> Timezone:
    """The clinic's zone as a VTIMEZONE covering whole years from `first`'s to `last`'s.
    icalendar lists every offset change in the span (no RRULE): its default span, 1970 to
    2038, would put some 140 of them in every download, and a span ending before the last
    session would leave calendar apps without the offsets after it."""
    return Timezone.from_tzinfo(
        clock.zone(clinic),
        tzid=clinic.timezone,
        first_date=datetime.date(first.year, 1, 1),
        last_date=datetime.date(last.year + 1, 1, 1),
    )


def to_ics(*, clinic: Clinic, sessions: Iterable[Session], host: str) -> bytes:
    """No patient names or clinical detail: a calendar app is outside the clinic. Times are
    the clinic's wall-clock times with its zone (TZID and a VTIMEZONE), as the clinic keeps
    them: a 09:00 group is 09:00 on both sides of a daylight-saving change."""
    sessions = list(sessions)
    now, today = clock.now(), clock.today(clinic)
    first = min((clock.local_date(clinic, s.starts_at) for s in sessions), default=today)
    last = max((clock.local_date(clinic, s.ends_at) for s in sessions), default=today)
    feed = Calendar()
    feed.add("PRODID", "-//IOP clinic//Schedule//EN")
    feed.add("VERSION", "2.0")
    # An X- property is untyped to icalendar: vText escapes it as the TEXT it is.
    feed.add("X-WR-CALNAME", vText(clinic.name))
    feed.add("CALSCALE", "GREGORIAN")
    feed.add_component(_vtimezone(clinic, first, last))
    for session in sessions:
        title = session.group_type.name if session.group_type else str(session.get_kind_display())
        where = ", ".join(
            part for part in (session.room.name if session.room else "", clinic.name) if part
        )
        event = Event.new(
            uid=f"session-{session.pk}@{host}",
            stamp=now,
            start=clock.local(clinic, session.starts_at),
            end=clock.local(clinic, session.ends_at),
            summary=title,
            location=where,
        )
        feed.add_component(event)
    return feed.to_ical()
