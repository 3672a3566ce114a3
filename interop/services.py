"""Writes of the interop app: recipients, their consents, and the release of records over
FHIR (the Part 2 decision, the disclosure log, the audit trail)."""

import datetime
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from iop import audit, clock
from iop import events as iop_events
from iop.models import ApiToken, Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.request_meta import current_request
from iop.services import DomainError, enrollment_create
from iop.tenancy import clinic_context

from . import fhir, imports, selectors, tasks
from .models import (
    DataCategory,
    DeliveryStatus,
    Disclosure,
    Recipient,
    RecipientConsent,
    WebhookDelivery,
    WebhookSubscription,
)


class ConsentRequiredError(DomainError):
    """A disclosure outside the clinic of Part 2 records that no consent covers. The message
    names the recipient and the kinds of information, never the patient."""

    def __init__(self, *, recipient: Recipient, categories: Collection[str]) -> None:
        labels = dict(DataCategory.choices)
        what = ", ".join(str(labels.get(c, c)) for c in sorted(categories))
        super().__init__(
            "These records are protected by 42 CFR Part 2 (substance use treatment) and no "
            f"consent of the patient in force today allows disclosing {what} to "
            f"{recipient.name}. Record the patient's written consent first."
        )


def recipient_create(
    *, clinic: Clinic, actor: User, name: str, kind: str, token: ApiToken
) -> Recipient:
    with clinic_context(clinic.pk):
        recipient = Recipient(clinic=clinic, name=name, kind=kind, token=token, created_by=actor)
        recipient.full_clean()
        recipient.save()
        audit.audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=recipient)
    return recipient


def recipient_consent_record(
    *,
    clinic: Clinic,
    actor: User,
    patient: Patient,
    recipient: Recipient,
    categories: list[str],
    purpose: str,
    signed_on: datetime.date,
    expires_on: datetime.date,
    patient_signature: str,
) -> RecipientConsent:
    with clinic_context(clinic.pk):
        consent = RecipientConsent(
            clinic=clinic, patient=patient, recipient=recipient, categories=categories,
            purpose=purpose, signed_on=signed_on, expires_on=expires_on,
            patient_signature=patient_signature, recorded_by=actor,
        )  # fmt: skip
        consent.full_clean()
        consent.save()
        audit.audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=consent,
            patient_id=patient.pk,
        )  # fmt: skip
    return consent


def recipient_consent_revoke(
    *, clinic: Clinic, actor: User, consent: RecipientConsent
) -> RecipientConsent:
    with clinic_context(clinic.pk):
        if consent.revoked_at is not None:
            raise DomainError("This consent was revoked already.")
        consent.revoked_at = clock.now()
        consent.save(update_fields=["revoked_at"])
        audit.audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=consent,
            patient_id=consent.patient_id, changed_fields=["revoked_at"],
        )  # fmt: skip
    return consent


@dataclass(frozen=True)
class Release:
    """May these records go out, and labelled how; `recipient` is set for a disclosure
    outside the clinic."""

    labels: fhir.Labels
    recipient: Recipient | None


def release_decide(
    *,
    clinic: Clinic,
    token: object,
    records: selectors.PatientRecords,
    part2: bool,
    categories: Collection[str],
) -> Release:
    """Part 2 on the wire: a substance-use patient's records are labelled; to a recipient
    outside the clinic they go only under a consent covering that recipient and those kinds
    of information (ConsentRequiredError otherwise). `part2`: the patient is treated for
    substance use (`fhir.is_part2` of all their diagnoses)."""
    recipient = selectors.recipient_for(clinic=clinic, token=token)
    if recipient is None or not part2:
        return Release(labels=fhir.Labels(part2=part2), recipient=recipient)
    consent = selectors.covering_consent(
        clinic=clinic,
        patient=records.patient,
        recipient=recipient,
        categories=categories,
        today=clock.today(clinic),
    )
    if consent is None:
        raise ConsentRequiredError(recipient=recipient, categories=categories)
    return Release(labels=fhir.Labels(part2=True, consent=consent), recipient=recipient)


def release_record(
    *,
    clinic: Clinic,
    actor: User,
    release: Release,
    records: selectors.PatientRecords,
    types: Collection[str],
    categories: Collection[str],
    resource_count: int,
) -> None:
    """Every row read is on the audit trail (an export when it leaves the clinic); a
    disclosure under a Part 2 consent goes into the disclosure log too."""
    external = release.recipient is not None
    rows = records.read_rows(types)
    audit.audit_records(
        clinic_id=clinic.pk,
        actor=actor,
        action=AuditAction.EXPORT if external else AuditAction.VIEW,
        objs=rows,
        patient_id_of=lambda _row: records.patient.pk,
    )
    consent = release.labels.consent
    if release.recipient is not None and consent is not None:
        meta = current_request.get()
        Disclosure.objects.create(
            clinic=clinic,
            consent=consent,
            recipient=release.recipient,
            patient=records.patient,
            categories=sorted(categories),
            resource_count=resource_count,
            request_id=meta.request_id if meta else "",
        )


# --- Webhooks -----------------------------------------------------------------------------------


def webhook_subscribe(
    *, clinic: Clinic, actor: User, url: str, events: list[str], description: str = ""
) -> WebhookSubscription:
    """A new subscription with a fresh signing secret (shown to the admin once, in the
    answer that creates it)."""
    unknown = sorted(set(events) - set(iop_events.EVENT_TYPES))
    if unknown or not events:
        raise ValidationError({"events": f"Choose from: {', '.join(iop_events.EVENT_TYPES)}."})
    with clinic_context(clinic.pk):
        subscription = WebhookSubscription(
            clinic=clinic, url=url, events=sorted(set(events)), description=description,
            secret=secrets.token_hex(32), created_by=actor,
        )  # fmt: skip
        subscription.full_clean()
        subscription.save()
        audit.audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=subscription)
    return subscription


def webhook_resume(*, clinic: Clinic, actor: User, subscription: WebhookSubscription) -> None:
    """An admin resumes a paused subscription: deliveries start again from the next event."""
    with clinic_context(clinic.pk):
        subscription.paused_at = None
        subscription.consecutive_failures = 0
        subscription.save(update_fields=["paused_at", "consecutive_failures"])
        audit.audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=subscription,
            changed_fields=["paused_at", "consecutive_failures"],
        )  # fmt: skip


def webhook_redeliver(*, clinic: Clinic, actor: User, delivery: WebhookDelivery) -> None:
    """Send a delivery again (same event id, so the receiver can tell it is the same event),
    with a fresh round of attempts."""
    with clinic_context(clinic.pk):
        if delivery.subscription.paused_at is not None:
            raise DomainError("The subscription is paused: resume it first.")
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.save(update_fields=["status", "attempts"])
        audit.audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=delivery,
            changed_fields=["status", "attempts"],
        )  # fmt: skip
        tasks.webhook_deliver.delay_on_commit(clinic_id=clinic.pk, delivery_id=delivery.pk)


# --- Patient import -----------------------------------------------------------------------------


def patient_import(*, clinic: Clinic, actor: User, checked: imports.Checked) -> list[Patient]:
    """The valid rows of a dry run, imported in one transaction: the patients in one insert
    and one audit insert, then each enrollment through the one enrollment service (the
    calendar follows it). A record number taken meanwhile rolls the whole import back."""
    with clinic_context(clinic.pk):
        taken = set(
            Patient.objects.filter(
                clinic=clinic, record_number__in=[r.patient.record_number for r in checked.valid]
            ).values_list("record_number", flat=True)
        )
        if taken:
            raise DomainError("Some record numbers were taken since the preview: check again.")
        patients = Patient.objects.bulk_create([row.patient for row in checked.valid])
        audit.audit_records(
            clinic_id=clinic.pk, actor=actor, action=AuditAction.CREATE, objs=patients,
            patient_id_of=lambda patient: patient.pk, changed_fields=imports.PATIENT_COLUMNS,
        )  # fmt: skip
        for row, patient in zip(checked.valid, patients, strict=True):
            if row.track is not None and row.admission_date is not None:
                enrollment_create(
                    patient=patient, actor=actor, track=row.track,
                    admission_date=row.admission_date,
                )  # fmt: skip
    return patients
