"""Writes for billing set-up. Each is atomic inside the clinic's context and writes its audit
event (field names only) in the same transaction."""

from typing import Any

from iop.models import Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.services import audit_record
from iop.services.core import apply_changes, validate_and_save
from iop.tenancy import clinic_context

from .models import BillingProvider, Payer, PayerConsent

PAYER_FIELDS = (
    "name", "payer_id", "claim_format", "program_code", "revenue_code", "place_of_service",
    "bill_type", "rate_per_unit", "authorization_required", "timely_filing_days", "is_active",
)  # fmt: skip
PROVIDER_FIELDS = (
    "site", "name", "npi", "tax_id", "taxonomy", "address", "city", "state", "zip_code",
)  # fmt: skip


def _save(instance: Any, *, clinic: Clinic, actor: User, action: str, fields: list[str]) -> None:
    validate_and_save(instance)
    audit_record(
        clinic=clinic, actor=actor, action=action, obj=instance,
        patient_id=getattr(instance, "patient_id", None), changed_fields=fields,
    )  # fmt: skip


def payer_create(*, clinic: Clinic, actor: User, **fields: Any) -> Payer:
    with clinic_context(clinic.pk):
        payer = Payer(clinic=clinic, **{k: v for k, v in fields.items() if k in PAYER_FIELDS})
        _save(payer, clinic=clinic, actor=actor, action=AuditAction.CREATE, fields=list(fields))
    return payer


def payer_update(payer: Payer, *, actor: User, **fields: Any) -> Payer:
    with clinic_context(payer.clinic_id):
        changed = apply_changes(payer, {k: v for k, v in fields.items() if k in PAYER_FIELDS})
        if changed:
            _save(payer, clinic=payer.clinic, actor=actor, action=AuditAction.CHANGE,
                  fields=changed)  # fmt: skip
    return payer


def provider_create(*, clinic: Clinic, actor: User, **fields: Any) -> BillingProvider:
    with clinic_context(clinic.pk):
        provider = BillingProvider(
            clinic=clinic, **{k: v for k, v in fields.items() if k in PROVIDER_FIELDS}
        )
        _save(provider, clinic=clinic, actor=actor, action=AuditAction.CREATE, fields=list(fields))
    return provider


def provider_update(provider: BillingProvider, *, actor: User, **fields: Any) -> BillingProvider:
    with clinic_context(provider.clinic_id):
        changed = apply_changes(provider, {k: v for k, v in fields.items() if k in PROVIDER_FIELDS})
        if changed:
            _save(provider, clinic=provider.clinic, actor=actor, action=AuditAction.CHANGE,
                  fields=changed)  # fmt: skip
    return provider


def payer_consent_record(
    *, patient: Patient, payer: Payer, actor: User, **fields: Any
) -> PayerConsent:
    """A Part 2 patient's consent to disclose to `payer` for payment (§2.31)."""
    with clinic_context(patient.clinic_id):
        consent = PayerConsent(clinic_id=patient.clinic_id, patient=patient, payer=payer, **fields)
        _save(consent, clinic=patient.clinic, actor=actor, action=AuditAction.CREATE,
              fields=["payer", *fields])  # fmt: skip
    return consent
