"""A report as a printable document: the same figures as the page (selectors.report_build),
HTML from a template, PDF by the aftercare plan's WeasyPrint set-up (only our own static
files are fetched), in the worker only (reports.tasks)."""

from django.template.loader import render_to_string
from django.utils import timezone

from aftercare.pdf import _static_base_url, html_to_pdf
from iop import clock

from . import selectors, tables
from .cohort import ReportFilter
from .models import ReportPdf


def report_html(pdf: ReportPdf, filters: ReportFilter) -> str:
    built = selectors.report_build(clinic=pdf.clinic, slug=pdf.report, filters=filters)
    with timezone.override(clock.zone(pdf.clinic)):
        return render_to_string(
            "reports/pdf.html",
            {
                "clinic": pdf.clinic,
                "pdf": pdf,
                "built": built,
                "heading": tables.filters_described(filters, {}),
                "tables": [(t, t.shown(pdf.outside)) for t in built.tables],
                "static_base": _static_base_url(),
                "printed_at": clock.now(),
            },
        )


def render_report_pdf(pdf: ReportPdf, filters: ReportFilter) -> bytes:
    return html_to_pdf(report_html(pdf, filters))
