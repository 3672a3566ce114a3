"""The claim-file job: the 837 and its CSV are written in the worker, never in a request.
Enqueued on commit; a file already written is left alone, so a redelivered job is a no-op."""

from typing import Any

from celery import shared_task

from iop.jobs import ClinicTask

from . import services


class ClaimFileTask(ClinicTask):
    abstract = True
    soft_time_limit = 60
    time_limit = 90
    max_retries = 3

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Retries used up, or a fault that is not transient: the page shows it failed."""
        if isinstance(kwargs.get("clinic_id"), int) and isinstance(
            kwargs.get("claim_file_id"), int
        ):
            services.claim_file_mark_failed(
                clinic_id=kwargs["clinic_id"], claim_file_id=kwargs["claim_file_id"],
                error_code=type(exc).__name__[:30],
            )  # fmt: skip


@shared_task(base=ClaimFileTask, name="billing.write_claim_file")
def write_claim_file(*, clinic_id: int, claim_file_id: int) -> None:
    services.claim_file_write(clinic_id=clinic_id, claim_file_id=claim_file_id)
