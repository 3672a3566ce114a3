"""Writes of the interop app: recipients, their consents, and the release of records over
FHIR (the Part 2 decision, the disclosure log, the audit trail)."""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from iop import audit, clock
from iop.models import ApiToken, Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.request_meta import current_request
from iop.services import DomainError
from iop.tenancy import clinic_context

from . import fhir, selectors
from .models import DataCategory, Disclosure, Recipient, RecipientConsent


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
