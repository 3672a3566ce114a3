from celery import shared_task

from iop.jobs import ClinicTask
from iop.models import Clinic

from . import services


@shared_task
def escalate_safety_tasks_everywhere() -> None:
    """Beat job: each clinic's escalation sweep, in its own clinic's context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        escalate_safety_tasks.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def escalate_safety_tasks(*, clinic_id: int) -> None:
    services.safety_tasks_escalate(clinic=Clinic.objects.get(pk=clinic_id))
