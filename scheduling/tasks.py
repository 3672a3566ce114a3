from celery import shared_task

from iop.jobs import ClinicTask
from iop.models import Clinic


@shared_task
def generate_sessions_everywhere() -> None:
    """Nightly: one job per clinic, each in its own clinic's context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        generate_sessions.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def generate_sessions(*, clinic_id: int) -> None:
    from .services import sessions_generate

    sessions_generate(clinic=Clinic.objects.get(pk=clinic_id))
