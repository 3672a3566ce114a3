"""Writes of the interop app: recipients, their consents, and the release of records over
FHIR (the Part 2 decision, the disclosure log, the audit trail)."""

import datetime
import json
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from iop import audit, clock
from iop import events as iop_events
from iop.models import ApiToken, Clinic, Patient, Track, User
from iop.models.audit import AuditAction
from iop.request_meta import current_request
from iop.services import DomainError, enrollment_create
from iop.tenancy import clinic_context

from . import export, fhir, imports, selectors, tasks, webhooks
from .models import (
    BulkExport,
    BulkExportFile,
    DataCategory,
    DeliveryStatus,
    Disclosure,
    ExportLevel,
    ExportStatus,
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
    if refused := webhooks.refused_address(url):
        raise ValidationError({"url": refused})
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


# --- Bulk export ----------------------------------------------------------------------------------


def progress_key(export_id: int) -> str:
    return f"interop:bulk-export:{export_id}:progress"


def bulk_export_request(
    *, clinic: Clinic, actor: User, level: str, types: list[str], request_url: str,
    track: Track | None = None,
) -> BulkExport:  # fmt: skip
    """An accepted `$export`; the worker builds it once the request commits."""
    with clinic_context(clinic.pk):
        job = BulkExport(
            clinic=clinic, level=level, track=track, types=types, requested_by=actor,
            request_url=request_url[:500],
        )  # fmt: skip
        job.full_clean()
        job.save()
        audit.audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=job)
        tasks.bulk_export_run.delay_on_commit(clinic_id=clinic.pk, export_id=job.pk)
    return job


def _patient_of(patient_id: int) -> Callable[[object], int]:
    return lambda _row: patient_id


def bulk_export_build(job: BulkExport) -> None:
    """Every patient in the export's scope as NDJSON per resource type, Part 2 labels on,
    in the caller's transaction (the worker's: a run killed halfway leaves nothing and the
    broker hands the job to another worker). Progress goes to the cache, which readers of
    the status URL see while the transaction is still open."""
    clinic = job.clinic
    patients = Patient.objects.filter(clinic=clinic).order_by("id")
    if job.level == ExportLevel.GROUP:
        patients = patients.filter(enrollments__track=job.track).distinct()
    ids = list(patients.values_list("id", flat=True))
    lines: dict[str, list[str]] = {t: [] for t in job.types}
    today = clock.today(clinic)
    for done, patient_id in enumerate(ids, start=1):
        records = selectors.patient_records(clinic=clinic, patient_id=patient_id, types=job.types)
        if records is not None:
            labels = fhir.Labels(part2=fhir.is_part2(records.diagnoses))
            for resource in export.resources(
                records, clinic=clinic, types=job.types, labels=labels, today=today
            ):
                lines[resource["resourceType"]].append(json.dumps(resource, sort_keys=True))
            audit.audit_records(
                clinic_id=clinic.pk, actor=job.requested_by, action=AuditAction.EXPORT,
                objs=records.read_rows(job.types), patient_id_of=_patient_of(patient_id),
            )  # fmt: skip
        cache.set(progress_key(job.pk), f"{done} of {len(ids)} patients", timeout=86_400)
    BulkExportFile.objects.bulk_create(
        BulkExportFile(
            clinic=clinic,
            export=job,
            resource_type=t,
            count=len(rows),
            content="".join(f"{row}\n" for row in rows),
        )
        for t, rows in lines.items()
        if rows
    )
    now = clock.now()
    job.status = ExportStatus.COMPLETED
    job.completed_at = now
    job.expires_at = now + datetime.timedelta(hours=settings.BULK_EXPORT_EXPIRES_HOURS)
    job.save(update_fields=["status", "completed_at", "expires_at"])
    audit.audit_record(
        clinic=clinic, actor=job.requested_by, action=AuditAction.CHANGE, obj=job,
        changed_fields=["status", "completed_at", "expires_at"],
    )  # fmt: skip


def bulk_exports_purge_expired(*, clinic_id: int) -> int:
    """Delete the NDJSON of this clinic's expired exports: records kept for a download
    window must not outlive it. The export row stays, as the disclosure's trace; each
    deleted file leaves an audit event. Returns how many files went."""
    files = list(
        BulkExportFile.objects.filter(
            clinic_id=clinic_id, export__expires_at__lte=clock.now()
        ).only("id", "clinic_id", "export_id")
    )
    if not files:
        return 0
    audit.audit_records(clinic_id=clinic_id, actor=None, action=AuditAction.DELETE, objs=files)
    BulkExportFile.objects.filter(clinic_id=clinic_id, pk__in=[f.pk for f in files]).delete()
    return len(files)


def bulk_export_progress(job: BulkExport) -> str:
    return str(cache.get(progress_key(job.pk)) or "queued")


def bulk_file_downloaded(*, clinic: Clinic, actor: User, file: BulkExportFile) -> None:
    audit.audit_record(clinic=clinic, actor=actor, action=AuditAction.EXPORT, obj=file)
