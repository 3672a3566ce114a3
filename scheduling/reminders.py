"""Session reminders: each patient who agreed to them hears of their coming sessions by email
or text message, once per session and channel, `REMINDER_HOURS_AHEAD` hours ahead.

The text names the clinic, the day and the time, and how to reach the clinic: nothing about
the patient's care (no group, topic, track or program), since a phone's lock screen or a
shared inbox may show it to someone else.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from iop import clock, messaging
from iop.audit import audit_record
from iop.models import Clinic
from iop.models.audit import AuditAction
from iop.models.patients import ReminderChannel
from iop.tenancy import clinic_context

from .models import Attendance, AttendanceStatus, SessionReminder, SessionStatus

SUBJECT = "Appointment reminder"


def reminder_text(clinic: Clinic, starts_at: datetime.datetime) -> str:
    when = clock.local(clinic, starts_at)
    text = f"{clinic.name}: a reminder of your appointment on {when:%A, %B %-d at %-I:%M %p}."
    if clinic.phone:
        text += f" To change it, call {clinic.phone}."
    return text


def reminders_due(*, clinic: Clinic, now: datetime.datetime) -> list[Attendance]:
    """Expected patients of sessions starting within the window who agreed to reminders and
    have not had this one on their channel yet: one query."""
    until = now + datetime.timedelta(hours=settings.REMINDER_HOURS_AHEAD)
    rows = (
        Attendance.objects.filter(
            clinic=clinic,
            is_active=True,
            status=AttendanceStatus.EXPECTED,
            session__status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=until,
        )
        .exclude(patient__reminders=ReminderChannel.NONE)
        .select_related("patient")
        .order_by("starts_at")
    )
    sent = SessionReminder.objects.filter(
        clinic=clinic, attendance_id__in=rows.values("pk")
    ).values_list("attendance_id", "channel")
    done = set(sent)
    return [r for r in rows if (r.pk, r.patient.reminders) not in done]


def reminders_send(*, clinic: Clinic) -> int:
    """Send what is due; returns how many went out. Each reminder is recorded (and audited)
    in the same transaction as it is handed to the sender, so a failed send is retried by the
    next run and a sent one is never sent twice."""
    sent = 0
    with clinic_context(clinic.pk):
        for row in reminders_due(clinic=clinic, now=clock.now()):
            patient = row.patient
            text = reminder_text(clinic, row.starts_at)
            try:
                with transaction.atomic():
                    reminder = SessionReminder.objects.create(
                        clinic=clinic, attendance=row, channel=patient.reminders
                    )
                    audit_record(
                        clinic=clinic, actor=None, action=AuditAction.CREATE, obj=reminder,
                        patient_id=patient.pk, changed_fields=["channel"],
                    )  # fmt: skip
                    if patient.reminders == ReminderChannel.EMAIL:
                        messaging.send_email(to=patient.email, subject=SUBJECT, text=text)
                    else:
                        messaging.send_sms(to=patient.phone, text=text)
            except IntegrityError:  # another run recorded it first
                continue
            sent += 1
    return sent
