from celery import shared_task

from iop.jobs import ClinicTask
from iop.models import Clinic

from . import makeups, reminders, services


@shared_task
def generate_sessions_everywhere() -> None:
    """Nightly: one job per clinic, each in its own clinic's context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        generate_sessions.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def generate_sessions(*, clinic_id: int) -> None:
    services.sessions_generate(clinic=Clinic.objects.get(pk=clinic_id))


@shared_task
def sweep_missed_everywhere() -> None:
    """Every few minutes: each clinic's missed-session sweep, in its own context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        sweep_missed.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def sweep_missed(*, clinic_id: int, attendance_ids: list[int] | None = None) -> None:
    makeups.missed_sweep(clinic=Clinic.objects.get(pk=clinic_id), attendance_ids=attendance_ids)


@shared_task
def send_reminders_everywhere() -> None:
    """Every quarter hour: each clinic's session reminders, in its own context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        send_reminders.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def send_reminders(*, clinic_id: int) -> None:
    reminders.reminders_send(clinic=Clinic.objects.get(pk=clinic_id))
