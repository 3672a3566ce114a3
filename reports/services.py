"""Writes of the reports app: the clinic's report settings, and the audit trail of who read or
exported which report (aggregates, but drawn from charts: HIPAA audit controls)."""

import dataclasses
import datetime
import hashlib
from typing import Any

from django.db.models import F

from iop import clock
from iop.audit import audit_record
from iop.models import Clinic, User
from iop.models.audit import AuditAction
from iop.services.core import apply_changes, validate_and_save
from iop.tenancy import clinic_context

from . import cohort, tasks
from .cohort import ReportFilter
from .models import PdfStatus, ReportPdf, ReportSettings


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


# --- Printable reports, rendered in the worker ------------------------------------------------


def filters_stored(filters: ReportFilter) -> dict[str, Any]:
    data = dataclasses.asdict(filters)
    data["start"], data["end"] = filters.start.isoformat(), filters.end.isoformat()
    return data


def filters_read(data: dict[str, Any]) -> ReportFilter:
    return ReportFilter(
        **{**data, "start": datetime.date.fromisoformat(data["start"]),
           "end": datetime.date.fromisoformat(data["end"])}
    )  # fmt: skip


def report_pdf_request(
    *, clinic: Clinic, actor: User, slug: str, filters: ReportFilter, outside: bool
) -> ReportPdf:
    """Queue the printable report; the worker renders it once this commits."""
    with clinic_context(clinic.pk):
        pdf = ReportPdf(
            clinic=clinic, report=slug, filters=filters_stored(filters), outside=outside,
            requested_by=actor,
        )  # fmt: skip
        validate_and_save(pdf)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.EXPORT, obj=pdf,
            changed_fields=[f"report:{slug}", "export:pdf-outside" if outside else "export:pdf"],
        )  # fmt: skip
        tasks.render_report_pdf.delay_on_commit(clinic_id=clinic.pk, pdf_id=pdf.pk)
    return pdf


def report_pdf_mark_started(*, clinic_id: int, pdf_id: int) -> None:
    with clinic_context(clinic_id):
        ReportPdf.objects.filter(clinic_id=clinic_id, pk=pdf_id).exclude(
            status=PdfStatus.DONE
        ).update(status=PdfStatus.RENDERING, attempts=F("attempts") + 1)


def report_pdf_mark_failed(*, clinic_id: int, pdf_id: int, error_code: str) -> None:
    with clinic_context(clinic_id):
        ReportPdf.objects.filter(clinic_id=clinic_id, pk=pdf_id).exclude(
            status=PdfStatus.DONE
        ).update(status=PdfStatus.FAILED, error_code=error_code[:40])


def report_pdf_render(*, clinic_id: int, pdf_id: int) -> ReportPdf:
    """The worker's half: build the report as it stands, render, store bytes, hash and status
    in one transaction; the row lock makes a duplicate job wait, then see `done`."""
    from .pdf import render_report_pdf  # noqa: PLC0415 - WeasyPrint loads in the worker only

    with clinic_context(clinic_id):
        pdf = (
            ReportPdf.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(clinic_id=clinic_id, pk=pdf_id)
        )
        if pdf.status == PdfStatus.DONE:
            return pdf
        content = render_report_pdf(pdf, filters_read(pdf.filters))
        pdf.content, pdf.size = content, len(content)
        pdf.sha256 = hashlib.sha256(content).hexdigest()
        pdf.status, pdf.error_code, pdf.rendered_at = PdfStatus.DONE, "", clock.now()
        pdf.save(update_fields=["content", "size", "sha256", "status", "error_code", "rendered_at"])
    return pdf


def report_pdf_downloaded(*, pdf: ReportPdf, actor: User) -> None:
    audit_record(
        clinic=pdf.clinic, actor=actor, action=AuditAction.EXPORT, obj=pdf,
        changed_fields=[f"report:{pdf.report}", "download"],
    )  # fmt: skip
