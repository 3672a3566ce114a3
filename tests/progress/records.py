"""One of each progress record for a test tenant, through the real services: a panel, a
collected and resulted drug test, one whose temperature opened an observed-recollection task,
the medication-assisted treatment expectations, a random selection, a PHQ-9 whose item 9
opened a safety task, a check-in with ratings. Keyed by the id names the URLs and sweeps use."""

import datetime
from decimal import Decimal
from typing import Any

from iop import clock
from iop.models import Notification, Patient, User
from iop.tenancy import clinic_context
from progress import services
from progress.models import SafetyTask


def _notification_of(task: SafetyTask) -> Notification:
    with clinic_context(task.clinic_id):
        return Notification.objects.filter(
            clinic_id=task.clinic_id, target_type="progress.safetytask", target_id=task.pk
        ).earliest("id")


def progress_records(patient: Patient, *, actor: User, session: Any) -> dict[str, Any]:
    clinic = patient.clinic
    today = clock.today(clinic)
    expectations = services.expectations_create_defaults(clinic=clinic)  # as clinic_create does
    panel = services.panel_create(
        clinic=clinic, actor=actor, name="5-panel cup", specimen_type="urine",
        substances=[{"substance": s, "cutoff": Decimal(c)} for s, c in
                    [("thc", 50), ("coc", 150), ("opi", 2000), ("amp", 1000), ("bup", 10)]],
    )  # fmt: skip
    test = services.drug_test_order(
        clinic=clinic, actor=actor, patient=patient, panel=panel, ordered_for=today
    )
    services.drug_test_collect(
        test, actor=actor, collected_at=clock.now() - datetime.timedelta(hours=1),
        specimen_type="urine", observed=False, temperature=Decimal("96.8"), temperature_unit="F",
        custody_id="COC-1",
        creatinine=Decimal(80), specific_gravity=Decimal("1.015"), ph=Decimal(6),
    )  # fmt: skip
    services.drug_test_results_record(
        test, actor=actor,
        results=[{"substance": "thc", "method": "presumptive", "outcome": "negative"}],
    )  # fmt: skip
    warm = services.drug_test_order(
        clinic=clinic, actor=actor, patient=patient, panel=panel, ordered_for=today
    )
    services.drug_test_collect(
        warm, actor=actor, collected_at=clock.now() - datetime.timedelta(minutes=30),
        specimen_type="urine", observed=False, temperature=Decimal("39.0"), temperature_unit="C",
        creatinine=Decimal(80), specific_gravity=Decimal("1.015"), ph=Decimal(6),
    )  # fmt: skip
    with clinic_context(clinic.pk):
        recollection = warm.recollection_tasks.get()  # the temperature was out of range
    selection = services.random_selection_run(
        clinic=clinic, actor=actor, day=session.day, panel=panel, percent=100
    )
    measure = services.measure_submit(
        clinic=clinic, actor=actor, patient=patient, instrument="phq9",
        answers=[1, 1, 1, 1, 0, 0, 0, 0, 1], administered_on=today,
    )  # fmt: skip
    check_in = services.check_in_create(
        clinic=clinic, actor=actor, patient=patient, held_on=today, progress="Steady week.",
        barriers=["transport"], ratings={"mood": 6, "stress": 4, "cravings": 2, "sleep": 7},
    )  # fmt: skip
    return {
        "panel_id": panel,
        "drug_test_id": test,
        "random_selection_id": selection,
        "recollection_task_id": recollection,
        "expectation_id": expectations[0],
        "measure_id": measure,
        "safety_task_id": measure.safety_task,
        # The task's notification (to the clinical leads: no care team is set yet here).
        "notification_id": _notification_of(measure.safety_task),
        "check_in_id": check_in,
    }
