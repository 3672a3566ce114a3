"""Writes of the reports app: the clinic's report settings, and the audit trail of who read or
exported which report (aggregates, but drawn from charts: HIPAA audit controls)."""

from typing import Any

from iop.audit import audit_record
from iop.models import Clinic, User
from iop.models.audit import AuditAction
from iop.services.core import apply_changes, validate_and_save
from iop.tenancy import clinic_context

from . import cohort
from .models import ReportSettings


def report_viewed(*, clinic: Clinic, actor: User, slug: str, export: str = "") -> None:
    """A report read on a page or the API, or exported ("csv", "csv-outside", "pdf")."""
    audit_record(
        clinic=clinic,
        actor=actor,
        action=AuditAction.EXPORT if export else AuditAction.VIEW,
        changed_fields=[f"report:{slug}", *([f"export:{export}"] if export else [])],
    )


def report_settings_update(*, clinic: Clinic, actor: User, **fields: Any) -> ReportSettings:
    with clinic_context(clinic.pk):
        settings = cohort.settings_for(clinic)
        changed = apply_changes(settings, fields)
        if changed or settings.pk is None:
            validate_and_save(settings)
            audit_record(
                clinic=clinic,
                actor=actor,
                action=AuditAction.CHANGE,
                obj=settings,
                changed_fields=changed,
            )
    return settings
