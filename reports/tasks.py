"""The report PDF job, rendered in the worker, never in a web request (DESIGN.md §6): enqueued
on commit, one transaction for render and bytes, a duplicate job a no-op, transient faults
retried a bounded number of times, then the PDF shows as failed with an error code."""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from aftercare.tasks import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT, error_code_for
from iop.jobs import ClinicTask

from . import services


def _ids_given(kwargs: Any) -> bool:
    return isinstance(kwargs.get("clinic_id"), int) and isinstance(kwargs.get("pdf_id"), int)


class ReportPdfTask(ClinicTask):
    abstract = True
    soft_time_limit = RENDER_SOFT_TIME_LIMIT
    time_limit = RENDER_TIME_LIMIT
    autoretry_for = (ConnectionError, TimeoutError, OperationalError, InterfaceError)  # type: ignore[assignment]
    max_retries = 3
    retry_backoff_max = 60

    def before_start(self, task_id: str, args: Any, kwargs: Any) -> None:
        if _ids_given(kwargs):
            services.report_pdf_mark_started(clinic_id=kwargs["clinic_id"], pdf_id=kwargs["pdf_id"])

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if _ids_given(kwargs):
            services.report_pdf_mark_failed(
                clinic_id=kwargs["clinic_id"],
                pdf_id=kwargs["pdf_id"],
                error_code=error_code_for(exc),
            )


@shared_task(base=ReportPdfTask, name="reports.render_report_pdf")
def render_report_pdf(*, clinic_id: int, pdf_id: int) -> None:
    services.report_pdf_render(clinic_id=clinic_id, pdf_id=pdf_id)
