"""Session reminders: opt-in recorded on the patient, email or text through the sender,
nothing about the patient's care in the text, once per session, sent by the beat job."""

from typing import Any

import pytest
from django.core import mail
from django.forms.models import model_to_dict

from iop import clock, services
from iop.models import AuditEvent, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import reminders
from scheduling.models import SessionReminder
from tests import sms
from tests.conftest import Tenant, wait_until

# Monday after the morning group: Tuesday's 9:00 group is within the next 24 hours.
pytestmark = pytest.mark.instant("2026-11-30 12:30")


def opt_in(tenant: Tenant, channel: str, **contact: str) -> Patient:
    return services.patient_update(
        patient=tenant.patient, actor=tenant.members[Role.FRONT_DESK].user, reminders=channel,
        **contact,
    )  # fmt: skip


def test_opting_in_is_recorded_and_needs_the_contact(clinic_a: Tenant) -> None:
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/edit/"
    client = clinic_a.client_for(Role.FRONT_DESK)
    with clinic_context(clinic_a.clinic.pk):
        form = {k: v for k, v in model_to_dict(clinic_a.patient).items() if v is not None}
    refused = client.post(url, {**form, "email": "", "reminders": "email"})
    assert "Enter the patient&#x27;s email to send reminders." in refused.content.decode()
    saved = client.post(url, {**form, "email": "pat@example.org", "reminders": "email"})
    assert saved.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        patient = Patient.objects.get(pk=clinic_a.patient.pk)
        event = AuditEvent.objects.filter(patient_id=patient.pk, action="change").latest("id")
    assert patient.reminders == "email"
    assert patient.reminders_agreed_at is not None
    assert abs((clock.now() - patient.reminders_agreed_at).total_seconds()) < 60
    assert {"reminders", "reminders_agreed_at"} <= set(event.changed_fields)
    assert event.actor_id == clinic_a.members[Role.FRONT_DESK].user.pk


def test_an_email_reminder_says_when_and_nothing_about_care(clinic_a: Tenant) -> None:
    opt_in(clinic_a, "email", email="pat@example.org")
    assert reminders.reminders_send(clinic=clinic_a.clinic) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@example.org"]
    assert message.body == (
        f"{clinic_a.clinic.name}: a reminder of your appointment on Tuesday, December 1 at 9:00 AM."
    )
    track = clinic_a.records["enrollment_id"].track
    for private in (clinic_a.patient.legal_last_name, track.name, "group", "IOP"):
        assert private not in message.body
        assert private not in message.subject
    # Once per session: the next run has nothing to send.
    assert reminders.reminders_send(clinic=clinic_a.clinic) == 0
    with clinic_context(clinic_a.clinic.pk):
        assert SessionReminder.objects.filter(clinic=clinic_a.clinic).count() == 1


def test_a_text_reminder_goes_through_the_sms_gateway(clinic_a: Tenant, settings: Any) -> None:
    settings.SMS_GATEWAY = "tests.sms.RecordingSms"
    sms.SENT.clear()
    opt_in(clinic_a, "sms", phone="+1 555 0100 222")
    assert reminders.reminders_send(clinic=clinic_a.clinic) == 1
    assert [
        (
            "+1 555 0100 222",
            (
                f"{clinic_a.clinic.name}: a reminder of your appointment on Tuesday, December 1 at "
                "9:00 AM."
            ),
        )
    ] == sms.SENT
    assert mail.outbox == []


def test_no_text_reminders_without_a_gateway(clinic_a: Tenant, settings: Any) -> None:
    from django.core.exceptions import ValidationError

    settings.SMS_GATEWAY = ""
    with pytest.raises(ValidationError) as refused:
        opt_in(clinic_a, "sms", phone="+1 555 0100 222")
    assert "reminders" in refused.value.message_dict


def test_patients_who_did_not_agree_get_nothing(clinic_a: Tenant) -> None:
    services.patient_update(
        patient=clinic_a.patient, actor=clinic_a.admin.user, email="pat@example.org"
    )
    assert reminders.reminders_send(clinic=clinic_a.clinic) == 0
    assert mail.outbox == []


@pytest.mark.worker
def test_the_beat_job_sends_each_clinics_reminders_through_the_worker(
    clinic_a: Tenant, clinic_b: Tenant, celery_worker: object
) -> None:
    from scheduling.tasks import send_reminders_everywhere

    opt_in(clinic_a, "email", email="alpha@example.org")
    opt_in(clinic_b, "email", email="bravo@example.org")
    send_reminders_everywhere.delay()
    assert wait_until(lambda: len(mail.outbox) == 2)
    assert sorted(m.to[0] for m in mail.outbox) == ["alpha@example.org", "bravo@example.org"]
    send_reminders_everywhere.delay()
    assert not wait_until(lambda: len(mail.outbox) > 2, timeout=3)
