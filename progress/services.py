"""Writes for check-ins, daily ratings, drug tests, measures and safety tasks.

Each service is one transaction in the clinic's context that writes its audit event (field
names only). Refusals are ValidationErrors on the field concerned (→ 400 / a form error) or
DomainErrors for a wrong state (→ 409); nothing is saved when one is raised.
"""

import datetime
import logging
import math
import random
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from iop import clock, events
from iop.models import (
    Clinic,
    Medication,
    Membership,
    Notification,
    NotificationKind,
    Patient,
    User,
)
from iop.models.audit import AuditAction
from iop.roles import Capability, Role
from iop.services import DomainError
from iop.services.core import audit_record, notification_mark_read, notify, validate_and_save
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session, SessionKind

from . import cssrs
from .instruments import CRAFFT_AGES, Instrument, score, validate_unscored
from .models import (
    CheckIn,
    DailyRating,
    DrugTest,
    DrugTestPanel,
    DrugTestReason,
    Measure,
    MedicationExpectation,
    MedicationFinding,
    PanelSubstance,
    ProgressSettings,
    RandomSelection,
    RecollectionTask,
    ResultMethod,
    ResultOutcome,
    SafetyTask,
    SpecimenType,
    SubstanceResult,
)
from .validity import (
    DEFAULT_EXPECTATIONS,
    Substance,
    TemperatureUnit,
    explaining_medication,
    final_outcomes,
    medication_concerns,
    recollection_reasons,
    temperature_in_range,
    validity_of,
)

logger = logging.getLogger(__name__)

S = Substance


def _not_future(field: str, day: datetime.date, clinic: Clinic, what: str) -> None:
    if day > clock.today(clinic):
        raise ValidationError({field: f"{what} cannot be in the future."})


def _own_patient(clinic: Clinic, patient: Patient) -> None:
    if patient.clinic_id != clinic.pk:
        raise ValidationError({"patient": "No such patient."})


# --- Settings -----------------------------------------------------------------------------------


def settings_for(clinic: Clinic) -> ProgressSettings:
    """The clinic's saved settings, or the defaults (unsaved) until it saves its own."""
    with clinic_context(clinic.pk):
        found = ProgressSettings.objects.filter(clinic=clinic).first()
    return found or ProgressSettings(clinic=clinic)


# --- Check-ins and daily ratings ----------------------------------------------------------------

RATING_FIELDS = ("mood", "stress", "cravings", "sleep")


def _rating(
    *, clinic: Clinic, actor: User, patient: Patient, rated_on: datetime.date, **values: Any
) -> DailyRating:
    missing = [name for name in RATING_FIELDS if values.get(name) is None]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "Rate from 0 to 10."))
    rating = DailyRating(
        clinic=clinic, patient=patient, rated_on=rated_on, recorded_by=actor, **values
    )
    validate_and_save(rating)
    return rating


def daily_rating_record(
    *,
    clinic: Clinic,
    actor: User,
    patient: Patient,
    rated_on: datetime.date,
    mood: int,
    stress: int,
    cravings: int,
    sleep: int,
) -> DailyRating:
    _own_patient(clinic, patient)
    _not_future("rated_on", rated_on, clinic, "The day rated")
    with clinic_context(clinic.pk):
        rating = _rating(
            clinic=clinic, actor=actor, patient=patient, rated_on=rated_on,
            mood=mood, stress=stress, cravings=cravings, sleep=sleep,
        )  # fmt: skip
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=rating,
            patient_id=patient.pk, changed_fields=RATING_FIELDS,
        )  # fmt: skip
    return rating


CHECK_IN_FIELDS = (
    "progress", "goals_adjusted", "barriers", "barriers_other", "vocational_status",
    "vocational_notes", "next_steps",
)  # fmt: skip


def check_in_create(
    *,
    clinic: Clinic,
    actor: User,
    patient: Patient,
    held_on: datetime.date,
    session: Session | None = None,
    ratings: dict[str, int] | None = None,
    **fields: Any,
) -> CheckIn:
    """A check-in, optionally on a check-in session of the calendar and with the patient's
    daily ratings taken at it."""
    _own_patient(clinic, patient)
    _not_future("held_on", held_on, clinic, "The check-in date")
    unknown = set(fields) - set(CHECK_IN_FIELDS)
    if unknown:
        raise ValueError(f"Not a check-in field: {', '.join(sorted(unknown))}")
    if session is not None and (
        session.clinic_id != clinic.pk or session.kind != SessionKind.CHECK_IN
    ):
        raise ValidationError({"session": "Link a check-in session of the calendar, or none."})
    barriers = list(dict.fromkeys(fields.get("barriers") or []))
    if "other" in barriers and not (fields.get("barriers_other") or "").strip():
        raise ValidationError({"barriers_other": "Say what the other barrier is."})
    with clinic_context(clinic.pk):
        check_in = CheckIn(
            clinic=clinic, patient=patient, held_on=held_on, session=session, staff=actor,
            **{**fields, "barriers": barriers},
        )  # fmt: skip
        validate_and_save(check_in)
        if ratings and any(ratings.get(name) is not None for name in RATING_FIELDS):
            rating = _rating(
                clinic=clinic, actor=actor, patient=patient, rated_on=held_on,
                **{name: ratings.get(name) for name in RATING_FIELDS},
            )  # fmt: skip
            rating.check_in = check_in
            rating.save(update_fields=["check_in"])
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=check_in,
            patient_id=patient.pk, changed_fields=[*fields, "held_on"],
        )  # fmt: skip
    return check_in


# --- Drug test panels ---------------------------------------------------------------------------

URINE_CUTOFFS: dict[str, int] = {  # ng/mL, common point-of-care cup cutoffs
    S.AMPHETAMINES: 1000, S.METHAMPHETAMINE: 1000, S.MDMA: 500, S.COCAINE: 150, S.THC: 50,
    S.OPIATES: 2000, S.OXYCODONE: 100, S.BUPRENORPHINE: 10, S.METHADONE: 300,
    S.BENZODIAZEPINES: 300, S.BARBITURATES: 300, S.PCP: 25, S.FENTANYL: 1,
    # HHS 82 FR 7920, section 3.4: 6-acetylmorphine, initial and confirmatory test 10 ng/mL.
    S.SIX_MAM: 10,
}  # fmt: skip
# No published cutoff the product can stand behind for every cup and lab: the panel lists the
# substance, and the clinic records the cutoff its cup or lab states (shown as "—" until then).
NO_DEFAULT_CUTOFF = {S.NORFENTANYL, S.XYLAZINE, S.NITAZENES, S.NORBUPRENORPHINE, S.EDDP}
DEFAULT_PANELS: list[tuple[str, str, list[str]]] = [
    ("5-panel cup", SpecimenType.URINE, [S.THC, S.COCAINE, S.OPIATES, S.AMPHETAMINES, S.PCP]),
    (
        "10-panel cup", SpecimenType.URINE,
        [S.AMPHETAMINES, S.BARBITURATES, S.BENZODIAZEPINES, S.COCAINE, S.METHAMPHETAMINE,
         S.METHADONE, S.OPIATES, S.OXYCODONE, S.PCP, S.THC],
    ),
    (
        "12-panel cup with fentanyl", SpecimenType.URINE,
        [S.AMPHETAMINES, S.BARBITURATES, S.BUPRENORPHINE, S.BENZODIAZEPINES, S.COCAINE,
         S.METHAMPHETAMINE, S.MDMA, S.METHADONE, S.OPIATES, S.OXYCODONE, S.THC, S.FENTANYL],
    ),
    (
        "Fentanyl, xylazine and nitazenes", SpecimenType.URINE,
        [S.FENTANYL, S.NORFENTANYL, S.XYLAZINE, S.NITAZENES, S.SIX_MAM],
    ),
    (
        "Medication-assisted treatment", SpecimenType.URINE,
        [S.BUPRENORPHINE, S.NORBUPRENORPHINE, S.METHADONE, S.EDDP, S.FENTANYL, S.NORFENTANYL],
    ),
    ("EtG (alcohol, 500 ng/mL)", SpecimenType.URINE, [S.ETG]),
    ("EtG (alcohol, 100 ng/mL)", SpecimenType.URINE, [S.ETG]),
    ("EtG and EtS (alcohol, lab)", SpecimenType.URINE, [S.ETG, S.ETS]),
    ("Breathalyzer", SpecimenType.BREATH, [S.ALCOHOL]),
]  # fmt: skip
# DOMAIN.md: EtG cutoffs run 100–1000 ng/mL, 500 is common; a panel named for its cutoff
# uses it. EtS: laboratories confirm at 75–100 ng/mL (100 here). Breath alcohol in g/dL.
SPECIAL_CUTOFFS: dict[str, tuple[Decimal, str]] = {
    S.ETG: (Decimal(500), "ng/mL"),
    S.ETS: (Decimal(100), "ng/mL"),
    S.ALCOHOL: (Decimal("0.020"), "g/dL"),  # breath alcohol concentration
}
PANEL_CUTOFFS: dict[str, dict[str, Decimal]] = {"EtG (alcohol, 100 ng/mL)": {S.ETG: Decimal(100)}}


def panel_create(
    *,
    clinic: Clinic,
    actor: User,
    name: str,
    specimen_type: str,
    substances: list[dict[str, Any]],
) -> DrugTestPanel:
    if not substances:
        raise ValidationError({"substances": "A panel tests for at least one substance."})
    seen = [item["substance"] for item in substances]
    if len(seen) != len(set(seen)):
        raise ValidationError({"substances": "Each substance once per panel."})
    with clinic_context(clinic.pk):
        panel = DrugTestPanel(clinic=clinic, name=name, specimen_type=specimen_type)
        validate_and_save(panel, unique=("name", "Another panel already has this name."))
        PanelSubstance.objects.bulk_create(
            PanelSubstance(
                clinic=clinic, panel=panel, substance=item["substance"],
                cutoff=item.get("cutoff"), unit=item.get("unit") or "ng/mL",
            )
            for item in substances
        )  # fmt: skip
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=panel,
            changed_fields=["name", "specimen_type", "substances"],
        )  # fmt: skip
    return panel


def panel_defaults_create(*, clinic: Clinic, actor: User) -> list[DrugTestPanel]:
    """The usual panels (5-, 10- and 12-panel cups, fentanyl/xylazine/nitazenes, medication-
    assisted treatment, EtG at 500 or 100 ng/mL, EtG/EtS, breathalyzer) with common cutoffs;
    panels the clinic already has (by name) are left alone."""
    with clinic_context(clinic.pk):
        existing = set(DrugTestPanel.objects.filter(clinic=clinic).values_list("name", flat=True))
        made = []
        for name, specimen, substances in DEFAULT_PANELS:
            if name in existing:
                continue
            items = []
            for substance in substances:
                cutoff: Decimal | None
                if substance in SPECIAL_CUTOFFS:
                    cutoff, unit = SPECIAL_CUTOFFS[substance]
                elif substance in NO_DEFAULT_CUTOFF:
                    cutoff, unit = None, "ng/mL"
                else:
                    cutoff, unit = Decimal(URINE_CUTOFFS[substance]), "ng/mL"
                cutoff = PANEL_CUTOFFS.get(name, {}).get(substance, cutoff)
                items.append({"substance": substance, "cutoff": cutoff, "unit": unit})
            made.append(
                panel_create(
                    clinic=clinic,
                    actor=actor,
                    name=name,
                    specimen_type=specimen,
                    substances=items,
                )
            )
    return made


# --- Ordering, random selection -----------------------------------------------------------------


def drug_test_order(
    *,
    clinic: Clinic,
    actor: User,
    patient: Patient,
    panel: DrugTestPanel,
    ordered_for: datetime.date,
    reason: str = DrugTestReason.SCHEDULED,
) -> DrugTest:
    _own_patient(clinic, patient)
    if reason == DrugTestReason.RANDOM:
        raise ValidationError({"reason": "Random tests come from a random selection run."})
    if not panel.is_active:
        raise ValidationError({"panel": "This panel is no longer in use."})
    with clinic_context(clinic.pk):
        test = DrugTest(
            clinic=clinic, patient=patient, panel=panel, reason=reason, ordered_for=ordered_for,
            ordered_by=actor,
        )  # fmt: skip
        validate_and_save(test)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=test,
            patient_id=patient.pk, changed_fields=["panel", "reason", "ordered_for"],
        )  # fmt: skip
    return test


def select_patients(*, seed: str, candidates: Iterable[int], percent: int) -> list[int]:
    """Reproducible: the same seed, candidates and rate always give the same patients.
    At least one patient when anyone attended (a 20 % rate of 3 people still tests one)."""
    pool = sorted(set(candidates))
    if not pool:
        return []
    count = min(len(pool), math.ceil(len(pool) * percent / 100))
    return sorted(random.Random(seed).sample(pool, count))  # noqa: S311 - seeded from secrets


def attendees_on(*, clinic: Clinic, day: datetime.date) -> list[int]:
    """Patients on the list of any (not cancelled) session that day, in id order."""
    with clinic_context(clinic.pk):
        ids = (
            Attendance.objects.filter(clinic=clinic, session__day=day, is_active=True)
            .exclude(session__status="cancelled")
            .exclude(status__in=["absent", "excused"])
            .values_list("patient_id", flat=True)
            .distinct()
        )
        return sorted(ids)


def random_selection_run(
    *,
    clinic: Clinic,
    actor: User,
    day: datetime.date,
    panel: DrugTestPanel,
    percent: int | None = None,
) -> RandomSelection:
    """Pick a share of the day's attendees for a test. The seed comes from `secrets` (patients
    cannot predict it) and is kept with the candidate list and rate, so the pick can be
    re-run and checked."""
    percent = percent or settings_for(clinic).random_test_percent
    if not 1 <= percent <= 100:
        raise ValidationError({"percent": "Choose a rate from 1 to 100 %."})
    if not panel.is_active:
        raise ValidationError({"panel": "This panel is no longer in use."})
    candidates = attendees_on(clinic=clinic, day=day)
    if not candidates:
        raise ValidationError({"day": "Nobody is on a session list that day."})
    seed = secrets.token_hex(16)
    selected = select_patients(seed=seed, candidates=candidates, percent=percent)
    with clinic_context(clinic.pk):
        selection = RandomSelection(
            clinic=clinic, day=day, panel=panel, percent=percent, seed=seed,
            candidates=candidates, selected=selected, created_by=actor,
        )  # fmt: skip
        validate_and_save(selection)
        DrugTest.objects.bulk_create(
            DrugTest(
                clinic=clinic, patient_id=patient_id, panel=panel, reason=DrugTestReason.RANDOM,
                selection=selection, ordered_for=day, ordered_by=actor,
            )
            for patient_id in selected
        )  # fmt: skip
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=selection,
            changed_fields=["seed", "candidates", "percent", "selected"],
        )  # fmt: skip
    return selection


# --- Collection, results, review ----------------------------------------------------------------


def drug_test_collect(
    test: DrugTest,
    *,
    actor: User,
    collected_at: datetime.datetime,
    specimen_type: str,
    observed: bool,
    collector: Membership | None = None,
    temperature: Decimal | None = None,
    temperature_unit: str = "",
    custody_id: str = "",
    creatinine: Decimal | None = None,
    specific_gravity: Decimal | None = None,
    ph: Decimal | None = None,
    nitrite: Decimal | None = None,
    lab_findings: Iterable[str] = (),
) -> DrugTest:
    """Record the collection; specimen validity (by the current criteria set, which is kept
    with it) and the temperature check are computed here, never typed. A temperature out of
    range, or a dilute specimen with creatinine 2–5 mg/dL, opens an observed-recollection task
    for the collector in the same transaction."""
    if test.is_collected:
        raise DomainError("This test was collected already.")
    if collected_at > clock.now():
        raise ValidationError({"collected_at": "The collection time cannot be in the future."})
    if collector is not None and (collector.clinic_id != test.clinic_id or not collector.is_active):
        raise ValidationError({"collector": "Choose a staff member of this clinic."})
    if specimen_type == SpecimenType.URINE and temperature is None:
        raise ValidationError(
            {"temperature": "Enter the urine temperature read within 4 minutes of collection."}
        )
    if temperature is not None and temperature_unit not in TemperatureUnit.values:
        raise ValidationError({"temperature_unit": "Say whether the temperature is in °C or °F."})
    if temperature is None:
        temperature_unit = ""
    findings = sorted(set(lab_findings))
    result = validity_of(
        creatinine=creatinine, specific_gravity=specific_gravity, ph=ph, nitrite=nitrite,
        findings=findings,
    )  # fmt: skip
    values = {
        "collected_at": collected_at, "specimen_type": specimen_type, "observed": observed,
        "temperature": temperature, "temperature_unit": temperature_unit,
        "temperature_in_range": temperature_in_range(temperature, temperature_unit),
        "custody_id": custody_id, "collector": collector, "creatinine": creatinine,
        "specific_gravity": specific_gravity, "ph": ph, "nitrite": nitrite,
        "lab_findings": findings, "validity": result.result,
        "validity_criteria": result.criteria, "validity_basis": result.basis,
    }  # fmt: skip
    reasons = recollection_reasons(
        temperature=temperature, unit=temperature_unit, validity=result.result,
        creatinine=creatinine,
    )  # fmt: skip
    with clinic_context(test.clinic_id):
        for name, value in values.items():
            setattr(test, name, value)
        validate_and_save(test)
        audit_record(
            clinic=test.clinic, actor=actor, action=AuditAction.CHANGE, obj=test,
            patient_id=test.patient_id, changed_fields=list(values),
        )  # fmt: skip
        day = clock.local_date(test.clinic, collected_at)
        for reason, detail in reasons:
            _recollection_task_open(test, actor=actor, reason=reason, detail=detail, day=day)
    return test


def _recollection_task_open(
    test: DrugTest, *, actor: User, reason: str, detail: str, day: datetime.date
) -> None:
    task = RecollectionTask(
        clinic_id=test.clinic_id, patient_id=test.patient_id, test=test, reason=reason,
        detail=detail, assigned_to=test.collector, due_on=day,
    )  # fmt: skip
    task.save()
    audit_record(
        clinic=test.clinic, actor=actor, action=AuditAction.CREATE, obj=task,
        patient_id=test.patient_id, changed_fields=["reason", "assigned_to", "due_on"],
    )  # fmt: skip
    if test.collector is not None:
        url = reverse("drug-test-detail", args=[test.clinic.slug, test.pk])
        notify(
            clinic=test.clinic, membership_id=test.collector.pk,
            message="An observed recollection is needed for a test you collected.", url=url,
            kind=NotificationKind.RECOLLECTION, target=task, actor=actor,
        )  # fmt: skip


def recollection_task_close(task: RecollectionTask, *, actor: User, note: str) -> RecollectionTask:
    if not note.strip():
        raise ValidationError(
            {"note": "Say what was done (the observed recollection) to close it."}
        )
    if not task.is_open:
        raise DomainError("This recollection task is closed already.")
    with clinic_context(task.clinic_id):
        task.closed_at = clock.now()
        task.closed_by = actor
        task.closing_note = note.strip()
        task.save(update_fields=["closed_at", "closed_by", "closing_note"])
        audit_record(
            clinic=task.clinic, actor=actor, action=AuditAction.CHANGE, obj=task,
            patient_id=task.patient_id, changed_fields=["closed_at", "closing_note"],
        )  # fmt: skip
    return task


NEVER_COLLECTED = "A lab confirmation needs a collected specimen; this test was never collected."


def drug_test_results_record(
    test: DrugTest, *, actor: User, results: list[dict[str, Any]]
) -> list[SubstanceResult]:
    """Results per substance. Each positive is marked expected or unexpected against the
    patient's prescriptions current on the collection day. All or nothing."""
    if not results:
        raise ValidationError({"results": "Give at least one result."})
    with clinic_context(test.clinic_id):
        on_panel = set(
            PanelSubstance.objects.filter(clinic=test.clinic_id, panel_id=test.panel_id)
            .values_list("substance", flat=True)
        )  # fmt: skip
        recorded = list(
            SubstanceResult.objects.filter(clinic=test.clinic_id, test=test).values_list(
                "substance", "method", "outcome"
            )
        )
        already = {(substance, method) for substance, method, _outcome in recorded}
        medications = list(
            Medication.objects.filter(clinic=test.clinic_id, patient_id=test.patient_id)
        )
        expectations = active_expectations(clinic_id=test.clinic_id)
    if test.collected_at is None:
        methods = {item.get("method") for item in results}
        if ResultMethod.CONFIRMED in methods:
            raise ValidationError({"method": NEVER_COLLECTED})
        raise ValidationError({"results": "Record the collection before its results."})
    day = clock.local_date(test.clinic, test.collected_at)
    rows = []
    seen = set()
    for item in results:
        substance, method, outcome = item["substance"], item["method"], item["outcome"]
        if substance not in on_panel:
            raise ValidationError(
                {"substance": f"“{substance}” is not on the {test.panel.name} panel."}
            )
        if (substance, method) in already or (substance, method) in seen:
            raise ValidationError(
                {"substance": f"A {method} result for “{substance}” is recorded already."}
            )
        seen.add((substance, method))
        explained = (
            explaining_medication(substance, medications, day, expectations)
            if outcome == ResultOutcome.POSITIVE
            else None
        )
        rows.append(
            SubstanceResult(
                clinic_id=test.clinic_id, test=test, substance=substance, method=method,
                outcome=outcome, value=item.get("value"), recorded_by=actor,
                expected=(explained is not None) if outcome == ResultOutcome.POSITIVE else None,
                explained_by=explained.name if explained is not None else "",
            )
        )  # fmt: skip
    with clinic_context(test.clinic_id):
        for row in rows:
            row.full_clean(exclude=["test", "recorded_by"], validate_constraints=False)
        created = SubstanceResult.objects.bulk_create(rows)
        audit_record(
            clinic=test.clinic, actor=actor, action=AuditAction.CHANGE, obj=test,
            patient_id=test.patient_id, changed_fields=["results"],
        )  # fmt: skip
        final = final_outcomes([*recorded, *((r.substance, r.method, r.outcome) for r in created)])
        concerns = medication_concerns(
            final=final, medications=medications, day=day, expectations=expectations
        )
        _medication_findings_replace(test, concerns, actor=actor)
    return created


def _medication_findings_replace(test: DrugTest, concerns: list[Any], *, actor: User) -> None:
    """The test's findings are what its results say now (a lab result may clear or raise
    one); the case manager hears of each new one (in-app, and an email naming no patient).
    The prescriber is named in the finding's words; prescribers are not users of the app
    yet, so they are reached through the case manager and the result itself."""
    before = {
        (kind, substance): pk
        for pk, kind, substance in MedicationFinding.objects.filter(
            clinic=test.clinic_id, test=test
        ).values_list("pk", "kind", "substance")
    }
    now = {(c.kind, c.substance): c for c in concerns}
    gone = [pk for key, pk in before.items() if key not in now]
    if gone:
        MedicationFinding.objects.filter(clinic=test.clinic_id, pk__in=gone).delete()
    new = [c for key, c in now.items() if key not in before]
    if not new:
        return
    MedicationFinding.objects.bulk_create(
        MedicationFinding(
            clinic_id=test.clinic_id, test=test, patient_id=test.patient_id, kind=c.kind,
            substance=c.substance, medication=c.medication.name[:120],
            prescriber=(c.medication.prescriber or "")[:120], message=c.message[:300],
        )
        for c in new
    )  # fmt: skip
    audit_record(
        clinic=test.clinic, actor=actor, action=AuditAction.CHANGE, obj=test,
        patient_id=test.patient_id, changed_fields=["medication_findings"],
    )  # fmt: skip
    manager_id = (
        Patient.objects.filter(clinic=test.clinic_id, pk=test.patient_id)
        .filter(case_manager__is_active=True)
        .values_list("case_manager_id", flat=True)
        .first()
    )
    if manager_id is not None:
        notify(
            clinic=test.clinic, membership_id=manager_id,
            message="A drug test result does not fit a patient's medication-assisted treatment: "
            "review it with the patient and prescriber.",
            url=reverse("drug-test-detail", args=[test.clinic.slug, test.pk]),
            kind=NotificationKind.MEDICATION_FLAG, target=test, actor=actor,
        )  # fmt: skip


# --- Medication-assisted treatment expectations -------------------------------------------------


def active_expectations(*, clinic_id: int) -> list[MedicationExpectation]:
    with clinic_context(clinic_id):
        return list(MedicationExpectation.objects.filter(clinic=clinic_id, is_active=True))


def expectations_create_defaults(*, clinic: Clinic) -> list[MedicationExpectation]:
    """Buprenorphine → norbuprenorphine, methadone → EDDP; rows the clinic has are kept."""
    with clinic_context(clinic.pk):
        have = set(
            MedicationExpectation.objects.filter(clinic=clinic).values_list("parent", flat=True)
        )
        return MedicationExpectation.objects.bulk_create(
            MedicationExpectation(
                clinic=clinic, name=name, match_words=list(words), parent=parent,
                metabolite=metabolite,
            )
            for name, words, parent, metabolite in DEFAULT_EXPECTATIONS
            if parent not in have
        )  # fmt: skip


EXPECTATION_FIELDS = ("name", "match_words", "parent", "metabolite", "is_active")


def _clean_words(words: Any) -> list[str]:
    cleaned = list(dict.fromkeys(w.strip().lower() for w in words or [] if w.strip()))
    if not cleaned:
        raise ValidationError({"match_words": "Give at least one word of the medication's name."})
    return cleaned


def expectation_save(
    expectation: MedicationExpectation, *, actor: User, **fields: Any
) -> MedicationExpectation:
    """Create (an unsaved row with its clinic) or change a clinic's expectation."""
    unknown = set(fields) - set(EXPECTATION_FIELDS)
    if unknown:
        raise ValueError(f"Not an expectation field: {', '.join(sorted(unknown))}")
    if "match_words" in fields:
        fields["match_words"] = _clean_words(fields["match_words"])
    creating = expectation.pk is None
    for name, value in fields.items():
        setattr(expectation, name, value)
    if expectation.metabolite and expectation.metabolite == expectation.parent:
        raise ValidationError({"metabolite": "The metabolite is another substance than the drug."})
    with clinic_context(expectation.clinic_id):
        validate_and_save(
            expectation, unique=("parent", "This clinic already has an expectation for it.")
        )
        audit_record(
            clinic=expectation.clinic, actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.CHANGE, obj=expectation,
            changed_fields=list(fields),
        )  # fmt: skip
    return expectation


def drug_test_review(test: DrugTest, *, actor: User, comment: str) -> DrugTest:
    if not comment.strip():
        raise ValidationError({"comment": "Write the review comment."})
    if test.collected_at is None:
        raise DomainError("Nothing to review: the test was not collected.")
    with clinic_context(test.clinic_id):
        if not SubstanceResult.objects.filter(clinic=test.clinic_id, test=test).exists():
            raise DomainError("Nothing to review: no results recorded yet.")
        test.reviewed_by = actor
        test.reviewed_at = clock.now()
        test.review_comment = comment.strip()
        test.save(update_fields=["reviewed_by", "reviewed_at", "review_comment"])
        audit_record(
            clinic=test.clinic, actor=actor, action=AuditAction.CHANGE, obj=test,
            patient_id=test.patient_id, changed_fields=["review_comment", "reviewed_at"],
        )  # fmt: skip
    return test


# --- Measures and safety tasks ------------------------------------------------------------------


def measure_submit(
    *,
    clinic: Clinic,
    actor: User,
    patient: Patient,
    instrument: str,
    answers: list[int],
    administered_on: datetime.date,
    sex: str = "",
    functional_difficulty: int | None = None,
) -> Measure:
    """Score the answers and keep them. A PHQ-9 with item 9 above 0 opens a same-day safety
    task for the patient's primary therapist in the same transaction. PHQ-9 item 10 is kept
    beside the answers, outside the total; the CRAFFT is for the ages it is validated for."""
    _own_patient(clinic, patient)
    _not_future("administered_on", administered_on, clinic, "The date given")
    result = score(instrument, answers, sex=sex)
    functional_difficulty = validate_unscored(instrument, functional_difficulty)
    if instrument == Instrument.CRAFFT:
        age = clock.age_on(patient.date_of_birth, administered_on)
        if not CRAFFT_AGES[0] <= age <= CRAFFT_AGES[1]:
            raise ValidationError(
                {"instrument": f"The CRAFFT is for ages {CRAFFT_AGES[0]}–{CRAFFT_AGES[1]}; the "
                 f"patient was {age} on that day."}
            )  # fmt: skip
    with clinic_context(clinic.pk):
        measure = Measure(
            clinic=clinic, patient=patient, instrument=instrument, answers=list(answers),
            administered_on=administered_on, total=result.total, band=result.band,
            sex=sex if instrument == Instrument.AUDIT_C else "", recorded_by=actor,
            bam_use=result.subscales.get("use"), bam_risk=result.subscales.get("risk"),
            bam_protective=result.subscales.get("protective"),
            functional_difficulty=functional_difficulty,
        )  # fmt: skip
        validate_and_save(measure)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=measure,
            patient_id=patient.pk,
            changed_fields=["instrument", "answers"]
            + (["functional_difficulty"] if functional_difficulty is not None else []),
        )  # fmt: skip
        if result.safety_concern:
            _safety_task_open(measure, actor=actor)
        events.emit(clinic_id=clinic.pk, event=events.MEASURE_SCORED, object_type="measure",
                    ids=[measure.pk])  # fmt: skip
    return measure


def _safety_task_open(measure: Measure, *, actor: User) -> SafetyTask:
    patient = measure.patient
    therapist = patient.primary_therapist
    if therapist is not None and (not therapist.is_active or therapist.role != Role.THERAPIST):
        therapist = None
    task = SafetyTask(
        clinic_id=measure.clinic_id, patient=patient, measure=measure, assigned_to=therapist,
        due_on=clock.today(measure.clinic),
        reason=f"PHQ-9 item 9 answered {measure.answers[8]} on {measure.administered_on:%b %-d}",
    )  # fmt: skip
    task.save()
    audit_record(
        clinic=measure.clinic, actor=actor, action=AuditAction.CREATE, obj=task,
        patient_id=patient.pk, changed_fields=["assigned_to", "due_on"],
    )  # fmt: skip
    _safety_task_notify(task, actor=actor)
    events.emit(clinic_id=task.clinic_id, event=events.SAFETY_TASK_OPENED,
                object_type="safety_task", ids=[task.pk])  # fmt: skip
    return task


def _active(membership: Membership | None) -> bool:
    """On staff and reachable: active, and in the place they accepted (someone whose
    invitation is pending cannot see a safety task, so it goes to the clinical leads)."""
    return bool(
        membership and membership.is_active and membership.is_accepted and membership.user.is_active
    )


def clinical_leads(clinic: Clinic) -> list[Membership]:
    """Who answers for the clinic's clinical care: its active admins (iop.roles has no
    separate clinical-lead role; the clinic admin is the lead)."""
    return list(
        Membership.objects.select_related("user").filter(
            clinic=clinic, role=Role.ADMIN, is_active=True, accepted_at__isnull=False,
            user__is_active=True,
        ).order_by("id")
    )  # fmt: skip


def safety_task_recipients(task: SafetyTask) -> list[Membership]:
    """Who is told a safety task opened: the patient's primary therapist and case manager;
    when the patient has neither (or neither is active), the clinic's clinical leads."""
    patient = task.patient
    team = [m for m in (patient.primary_therapist, patient.case_manager) if _active(m)]
    unique = list({m.pk: m for m in team if m is not None}.values())
    return unique or clinical_leads(task.clinic)


def _safety_url(task: SafetyTask, membership: Membership) -> str:
    """Where the notification leads: the close form for those who may close it, otherwise the
    patient's progress page (the clinical lead reads and follows up)."""
    kwargs = {"clinic_slug": task.clinic.slug, "patient_id": task.patient_id}
    if membership.can(Capability.CLINICAL_WRITE):
        return reverse("safety-task-close", kwargs={**kwargs, "safety_task_id": task.pk})
    return reverse("patient-progress", kwargs=kwargs)


def _safety_task_notify(task: SafetyTask, *, actor: User | None) -> None:
    patient = task.patient
    for membership in safety_task_recipients(task):
        notify(
            clinic=task.clinic, membership_id=membership.pk, kind=NotificationKind.SAFETY_TASK,
            message=f"Safety follow-up today for {patient.display_name} "
            f"({patient.record_number}): {task.reason}.",
            url=_safety_url(task, membership), target=task, actor=actor,
        )  # fmt: skip


def safety_task_close(
    task: SafetyTask, *, actor: User, screen: cssrs.Screen, plan: str
) -> SafetyTask:
    """Close with the C-SSRS Screener (progress/cssrs.py) and the plan; the screen's risk
    level is stored with it."""
    errors: dict[str, list[str]] = {}
    try:
        screen.check()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not plan.strip():
        errors["plan"] = ["Write the plan (what was done and what happens next) to close it."]
    if errors:
        raise ValidationError(errors)
    if not task.is_open:
        raise DomainError("This safety task is closed already.")
    with clinic_context(task.clinic_id):
        task.closed_at = clock.now()
        task.closed_by = actor
        task.closing_note = plan.strip()
        for name in cssrs.SCREEN_FIELDS:
            setattr(task, f"screen_{name}", getattr(screen, name))
        task.risk_level = screen.risk
        fields = ["closed_at", "closed_by", "closing_note", "risk_level"]
        task.save(update_fields=[*fields, *(f"screen_{n}" for n in cssrs.SCREEN_FIELDS)])
        audit_record(
            clinic=task.clinic, actor=actor, action=AuditAction.CHANGE, obj=task,
            patient_id=task.patient_id, changed_fields=[*fields, "screen"],
        )  # fmt: skip
        # The closer's own notifications of this task are done with; the others keep theirs.
        done = list(
            Notification.objects.filter(
                clinic_id=task.clinic_id, recipient__user=actor, read_at__isnull=True,
                target_type=SafetyTask._meta.label_lower, target_id=task.pk,
            ).select_related("recipient__user")
        )  # fmt: skip
        if done:
            notification_mark_read(
                clinic=task.clinic, membership=done[0].recipient, notifications=done
            )
    return task


def safety_tasks_escalate(*, clinic: Clinic) -> int:
    """Safety tasks still open after the clinic-day they were due on has ended (the clinic's
    own midnight, from the one clock) go to the clinical leads, once: `escalated_at` is
    claimed by a conditional update, so a second run or a concurrent worker sends nothing."""
    today = clock.today(clinic)
    escalated = 0
    with clinic_context(clinic.pk):
        due = list(
            SafetyTask.objects.filter(
                clinic=clinic, closed_at__isnull=True, escalated_at__isnull=True,
                due_on__lt=today,
            ).select_related("clinic", "patient").order_by("due_on", "id")
        )  # fmt: skip
        leads = clinical_leads(clinic) if due else []
        if due and not leads:
            # Nobody to tell: claim nothing, so the next run escalates once a lead exists.
            logger.warning("Clinic %s has no active admin to escalate safety tasks to", clinic.pk)
            return 0
        for task in due:
            claimed = SafetyTask.objects.filter(
                clinic=clinic, pk=task.pk, escalated_at__isnull=True, closed_at__isnull=True
            ).update(escalated_at=clock.now())
            if not claimed:
                continue
            escalated += 1
            audit_record(
                clinic=clinic, actor=None, action=AuditAction.CHANGE, obj=task,
                patient_id=task.patient_id, changed_fields=["escalated_at"],
            )  # fmt: skip
            for lead in leads:
                notify(
                    clinic=clinic, membership_id=lead.pk,
                    kind=NotificationKind.SAFETY_ESCALATION,
                    message=f"Not closed by the end of {task.due_on:%a %b %-d}: safety follow-up "
                    f"for {task.patient.display_name} ({task.patient.record_number}).",
                    url=_safety_url(task, lead), target=task,
                )  # fmt: skip
    return escalated
