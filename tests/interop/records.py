"""Interop records of a tenant: an attended session (an Encounter), a GAD-7 and an AUDIT-C
beside the PHQ-9 the progress records made, and an outside recipient with the patient's
consent (a Consent resource)."""

import datetime
from typing import Any

from interop import documents, services
from interop.models import DataCategory, RecipientKind, WebhookDelivery
from interop.tasks import webhook_fanout
from iop import clock
from iop.models import Membership, Patient
from iop.tenancy import clinic_context
from progress import services as progress
from scheduling.services import attendance_add, attendance_mark
from tests import factories


def interop_records(patient: Patient, *, member: Membership) -> dict[str, Any]:
    clinic, actor = patient.clinic, member.user
    today = clock.today(clinic)
    # An hour, short of a billable day: the ledger's and billing's tests count days of their
    # own making in weeks near today, and this one must not be among them.
    session = factories.past_session(clinic, actor=actor, days_ago=3, hours=(9, 10))
    attended = attendance_add(session=session, patient=patient, actor=actor)
    attended.session = session
    attendance_mark(attended, actor=actor, status="present")
    progress.measure_submit(
        clinic=clinic, actor=actor, patient=patient, instrument="gad7",
        answers=[1, 2, 1, 0, 1, 2, 1], administered_on=today,
    )  # fmt: skip
    progress.measure_submit(
        clinic=clinic, actor=actor, patient=patient, instrument="audit_c",
        answers=[2, 1, 1], administered_on=today, sex="female",
    )  # fmt: skip
    token, _secret = factories.api_token(member)
    recipient = services.recipient_create(
        clinic=clinic, actor=actor, name="County Step-Down Clinic", kind=RecipientKind.PROVIDER,
        token=token,
    )  # fmt: skip
    consent = services.recipient_consent_record(
        clinic=clinic, actor=actor, patient=patient, recipient=recipient,
        categories=[DataCategory.DIAGNOSES], purpose="Continuity of care after discharge",
        signed_on=today - datetime.timedelta(days=1),
        expires_on=today + datetime.timedelta(days=90),
        patient_signature=patient.legal_name,
    )  # fmt: skip
    subscription = services.webhook_subscribe(
        clinic=clinic, actor=actor, url="http://127.0.0.1:9/hooks", events=["measure.scored"]
    )
    webhook_fanout(clinic_id=clinic.pk, event="measure.scored", object_type="measure", ids=[1])
    with clinic_context(clinic.pk):
        delivery = WebhookDelivery.objects.get(subscription=subscription)
    job = services.bulk_export_request(
        clinic=clinic, actor=actor, level="system", types=["Patient", "Condition"],
        request_url="http://testserver/fhir/R4/$export",
    )  # fmt: skip
    with clinic_context(clinic.pk):
        services.bulk_export_build(job)
    # A schedule printed for the patient (queued: nothing commits in these tests).
    document = documents.document_request(patient=patient, actor=actor, kind="schedule")
    return {
        "patient_document_id": document,
        "bulk_export_id": job,
        "encounter_attendance_id": attended,
        "recipient_consent_id": consent,
        "webhook_id": subscription,
        "webhook_delivery_id": delivery,
    }
