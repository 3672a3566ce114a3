"""How our Celery tasks run (DESIGN.md §6).

Enqueue with the task's `delay_on_commit(...)` (Celery's Django task class): a job sent
from a transaction that rolls back is never sent. Tasks take ids, never objects; a tenant
task takes `clinic_id` and runs inside that clinic's row-level-security context, in one
transaction, never relying on anything left over from a previous task.
"""

from typing import Any

from celery.contrib.django.task import DjangoTask

from iop.tenancy import clinic_context


class ClinicTask(DjangoTask):
    """Base for jobs that touch one clinic's data: `clinic_id` is a required keyword."""

    abstract = True
    # Transient faults (a database restart, a broker blip) retry with backoff, a bounded
    # number of times; after that the task fails visibly.
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 300  # the visibility timeout (settings) counts on this cap
    retry_jitter = True
    max_retries = 5

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        clinic_id = kwargs.get("clinic_id")
        if not isinstance(clinic_id, int):
            raise TypeError(f"{self.name} needs clinic_id=<int>")
        with clinic_context(clinic_id):
            return super().__call__(*args, **kwargs)


class ClinicStepsTask(ClinicTask):
    """A clinic job too large for one transaction (the missed-session sweep over a backlog):
    it commits in bounded steps, each binding the clinic itself (`clinic_context` around each
    step), so a time limit or a lost worker keeps the finished steps and the next run
    carries on. The task body is not wrapped in a transaction."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(kwargs.get("clinic_id"), int):
            raise TypeError(f"{self.name} needs clinic_id=<int>")
        return super(ClinicTask, self).__call__(*args, **kwargs)
