"""The aftercare PDF job: rendered in the worker, never in a web request.

Reliability (DESIGN.md §6): enqueued on commit by the service; acks_late +
reject_on_worker_lost (settings) hand the job back when a worker dies mid-render; the
render and the stored bytes are one transaction, so a killed render leaves nothing; a
row lock and the `done` check make a duplicate job a no-op; transient faults retry with
backoff a bounded number of times, then the PDF shows as failed with an error code.
"""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from iop.jobs import ClinicTask
from iop.models import Clinic

from . import services

# An error code says what kind of fault it was, never anything from the record.
ERROR_CODES: dict[type[BaseException], str] = {
    TimeoutError: "timeout",
    ConnectionError: "connection",
    OperationalError: "database",
    InterfaceError: "database",
}


def error_code_for(exc: BaseException) -> str:
    for kind, code in ERROR_CODES.items():
        if isinstance(exc, kind):
            return code
    return "render_error"


def _ids_given(kwargs: Any) -> bool:
    return isinstance(kwargs.get("clinic_id"), int) and isinstance(kwargs.get("pdf_id"), int)


# A plan PDF renders in about a second. The limits end a render that hangs, and bound how long
# a render can legitimately stay "rendering" (services.stranded_after).
RENDER_SOFT_TIME_LIMIT = 60
RENDER_TIME_LIMIT = 90


class AftercarePdfTask(ClinicTask):
    abstract = True
    soft_time_limit = RENDER_SOFT_TIME_LIMIT
    time_limit = RENDER_TIME_LIMIT
    autoretry_for = (ConnectionError, TimeoutError, OperationalError, InterfaceError)  # type: ignore[assignment]
    max_retries = 3
    retry_backoff = True  # about 1, 2, 4 s (jittered); a worker restart is quick
    retry_backoff_max = 60

    def before_start(self, task_id: str, args: Any, kwargs: Any) -> None:
        if _ids_given(kwargs):
            services.aftercare_pdf_mark_started(
                clinic_id=kwargs["clinic_id"], pdf_id=kwargs["pdf_id"]
            )

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Retries used up, or a fault that is not transient: visible on the chart."""
        if _ids_given(kwargs):
            services.aftercare_pdf_mark_failed(
                clinic_id=kwargs["clinic_id"],
                pdf_id=kwargs["pdf_id"],
                error_code=error_code_for(exc),
            )


@shared_task(base=AftercarePdfTask, name="aftercare.render_aftercare_pdf")
def render_aftercare_pdf(*, clinic_id: int, pdf_id: int) -> None:
    services.aftercare_pdf_render(clinic_id=clinic_id, pdf_id=pdf_id)


@shared_task(name="aftercare.fail_stranded_pdfs_everywhere")
def fail_stranded_pdfs_everywhere() -> None:
    """Beat, every minute: each clinic's sweep for renders a lost worker stranded."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        fail_stranded_pdfs.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask, name="aftercare.fail_stranded_pdfs")
def fail_stranded_pdfs(*, clinic_id: int) -> None:
    services.aftercare_pdfs_fail_stranded(clinic_id=clinic_id)
