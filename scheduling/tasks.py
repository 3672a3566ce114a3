from celery import shared_task

from iop.jobs import ClinicStepsTask, ClinicTask
from iop.models import Clinic
from iop.tenancy import clinic_context

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


@shared_task(base=ClinicStepsTask)
def sweep_missed(*, clinic_id: int, attendance_ids: list[int] | None = None) -> None:
    """Commits batch by batch (makeups.missed_sweep). A run that used its time budget with
    misses left hands the rest to a fresh job at once; one stopped by the soft time limit
    or a lost worker keeps its finished batches, and the next run carries on from there."""
    with clinic_context(clinic_id):
        clinic = Clinic.objects.get(pk=clinic_id)
    swept = makeups.missed_sweep(clinic=clinic, attendance_ids=attendance_ids)
    if not swept.finished:
        sweep_missed.delay(clinic_id=clinic_id, attendance_ids=attendance_ids)


@shared_task
def send_reminders_everywhere() -> None:
    """Every quarter hour: each clinic's session reminders, in its own context."""
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        send_reminders.delay(clinic_id=clinic_id)


@shared_task(base=ClinicTask)
def send_reminders(*, clinic_id: int) -> None:
    reminders.reminders_send(clinic=Clinic.objects.get(pk=clinic_id))
