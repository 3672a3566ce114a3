"""Accountability and progress: check-ins, daily ratings, drug and alcohol tests, outcome
measures and the safety tasks they raise. Every table is a tenant table (clinic first)."""

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from iop.models import TenantModel

from . import instruments
from .cssrs import RiskLevel
from .instruments import Instrument, ScoringSex
from .validity import (
    CRITERIA_SETS,
    LabFinding,
    RecollectionReason,
    Substance,
    TemperatureUnit,
    Validity,
    cutoff_display,
)


class ProgressSettings(TenantModel):
    """The clinic's schedule for measures and its random-testing rate (one row a clinic;
    defaults apply until a clinic saves its own)."""

    phq9_every_days = models.PositiveSmallIntegerField(
        "PHQ-9 every (days)", default=14, help_text="At intake, then every N days; 0 = intake only."
    )
    gad7_every_days = models.PositiveSmallIntegerField("GAD-7 every (days)", default=14)
    bam_every_days = models.PositiveSmallIntegerField("BAM every (days)", default=7)
    audit_c_every_days = models.PositiveSmallIntegerField(
        "AUDIT-C every (days)", default=0, help_text="0 = at intake only."
    )
    random_test_percent = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="progresssettings_one_per_clinic"),
        ]

    def __str__(self) -> str:
        return "Progress settings"

    def every_days(self, instrument: str) -> int:
        return int(getattr(self, f"{instrument}_every_days"))


class Barrier(models.TextChoices):
    TRANSPORT = "transport", "Transport"
    WORK = "work", "Work"
    HOUSING = "housing", "Housing"
    CHILDCARE = "childcare", "Childcare"
    OTHER = "other", "Other"


class VocationalStatus(models.TextChoices):
    EMPLOYED_FULL = "employed_full", "Employed full time"
    EMPLOYED_PART = "employed_part", "Employed part time"
    SEEKING = "seeking", "Looking for work"
    TRAINING = "training", "In vocational training"
    STUDENT = "student", "In school"
    NOT_WORKING = "not_working", "Not working"
    UNABLE = "unable", "Unable to work"


class CheckIn(TenantModel):
    """A structured meeting with the case manager."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        "scheduling.Session", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_on = models.DateField()
    progress = models.TextField("progress since last time", max_length=4000)
    goals_adjusted = models.TextField(max_length=2000, blank=True)
    barriers = ArrayField(
        models.CharField(max_length=12, choices=Barrier.choices), default=list, blank=True
    )
    barriers_other = models.CharField("other barrier", max_length=200, blank=True)
    vocational_status = models.CharField(
        max_length=16, choices=VocationalStatus.choices, blank=True
    )
    vocational_notes = models.CharField(max_length=300, blank=True)
    next_steps = models.TextField(max_length=2000, blank=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "-held_on"], name="checkin_patient")]

    def __str__(self) -> str:
        return f"Check-in {self.held_on:%Y-%m-%d}"


class DailyRating(TenantModel):
    """The patient's own 0–10 ratings for a day (captured at a check-in or any group)."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings"
    )
    rated_on = models.DateField()
    mood = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    stress = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    cravings = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    sleep = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rated_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "-rated_on"], name="rating_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mood__lte=10, stress__lte=10, cravings__lte=10, sleep__lte=10),
                name="rating_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Ratings {self.rated_on:%Y-%m-%d}"


# --- Drug and alcohol tests --------------------------------------------------------------------


class SpecimenType(models.TextChoices):
    URINE = "urine", "Urine"
    ORAL_FLUID = "oral_fluid", "Oral fluid"
    BREATH = "breath", "Breath"
    BLOOD = "blood", "Blood"


class DrugTestPanel(TenantModel):
    """A clinic-configured panel: a 12-panel cup, an EtG test, a breathalyzer."""

    name = models.CharField(max_length=80)
    specimen_type = models.CharField(max_length=12, choices=SpecimenType.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="drugtestpanel_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PanelSubstance(TenantModel):
    panel = models.ForeignKey(DrugTestPanel, on_delete=models.CASCADE, related_name="substances")
    substance = models.CharField(max_length=6, choices=Substance.choices)
    cutoff = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=12, default="ng/mL")

    class Meta:
        ordering = ["panel", "substance"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "panel", "substance"], name="panelsubstance_once"
            ),
        ]

    def __str__(self) -> str:
        cutoff = f" {cutoff_display(self.cutoff, self.unit)}" if self.cutoff is not None else ""
        return f"{self.get_substance_display()}{cutoff}"


class RandomSelection(TenantModel):
    """One run of random selection, kept so anyone auditing it can re-run it: the same seed,
    candidate list and rate always pick the same patients."""

    day = models.DateField()
    panel = models.ForeignKey(DrugTestPanel, on_delete=models.PROTECT, related_name="+")
    percent = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    seed = models.CharField(max_length=64)
    candidates = ArrayField(models.BigIntegerField(), default=list)
    selected = ArrayField(models.BigIntegerField(), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"Random selection {self.day:%Y-%m-%d}"


class DrugTestReason(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RANDOM = "random", "Random"
    FOR_CAUSE = "for_cause", "For cause"
    INTAKE = "intake", "Intake"


class DrugTest(TenantModel):
    """One test: ordered, then collected (with validity), then resulted, then reviewed."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    panel = models.ForeignKey(DrugTestPanel, on_delete=models.PROTECT, related_name="tests")
    reason = models.CharField(max_length=10, choices=DrugTestReason.choices)
    selection = models.ForeignKey(
        RandomSelection, null=True, blank=True, on_delete=models.PROTECT, related_name="tests"
    )
    ordered_for = models.DateField()
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Collection
    collected_at = models.DateTimeField(null=True, blank=True)
    specimen_type = models.CharField(max_length=12, choices=SpecimenType.choices, blank=True)
    observed = models.BooleanField(null=True, blank=True)
    temperature = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="Urine, read within 4 minutes of collection (49 CFR 40.65(b)).",
    )  # fmt: skip
    temperature_unit = models.CharField(max_length=1, choices=TemperatureUnit.choices, blank=True)
    temperature_in_range = models.BooleanField(
        null=True, blank=True,
        help_text="32–38 °C / 90–100 °F; computed from the temperature, never typed.",
    )  # fmt: skip
    collector = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    custody_id = models.CharField("chain-of-custody id", max_length=40, blank=True)
    creatinine = models.DecimalField(
        "creatinine (mg/dL)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    specific_gravity = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    ph = models.DecimalField("pH", max_digits=4, decimal_places=2, null=True, blank=True)
    nitrite = models.DecimalField(
        "nitrite (µg/mL)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    lab_findings = ArrayField(
        models.CharField(max_length=16, choices=LabFinding.choices), default=list, blank=True,
        help_text="Adulterants or interference the lab reported.",
    )  # fmt: skip
    validity = models.CharField(
        max_length=24, choices=Validity.choices, blank=True, help_text="Computed, never typed."
    )
    validity_criteria = models.CharField(
        max_length=16, blank=True, help_text="The criteria set the validity was computed by."
    )
    validity_basis = models.CharField(
        max_length=200, blank=True, help_text="The criterion that decided the validity."
    )
    # Review
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_for", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "-ordered_for"], name="drugtest_patient"),
            models.Index(fields=["clinic", "ordered_for"], name="drugtest_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason="random", selection__isnull=False) | ~Q(reason="random"),
                name="drugtest_random_has_selection",
            ),
            models.CheckConstraint(
                condition=Q(collected_at__isnull=True) | ~Q(specimen_type=""),
                name="drugtest_collection_has_specimen",
            ),
        ]

    def __str__(self) -> str:
        return f"Drug test {self.ordered_for:%Y-%m-%d}"

    @property
    def is_collected(self) -> bool:
        return self.collected_at is not None

    @property
    def lab_findings_display(self) -> list[str]:
        return [str(LabFinding(code).label) for code in self.lab_findings]

    @property
    def validity_source(self) -> str:
        criteria = CRITERIA_SETS.get(self.validity_criteria)
        return criteria.source if criteria else ""

    @property
    def status(self) -> str:
        """ordered → collected → resulted (a result is in) → reviewed. Reads `results`:
        lists prefetch them."""
        if self.reviewed_at:
            return "reviewed"
        if self.collected_at is None:
            return "ordered"
        if self.results.all():
            return "resulted"
        return "collected"

    @property
    def results_summary(self) -> dict[str, Any]:
        """What a list shows of the results: the positives and invalids by name, the
        negatives counted (reads the prefetched `results`)."""
        results = list(self.results.all())
        negatives = sum(1 for r in results if r.outcome == ResultOutcome.NEGATIVE)
        return {
            "any": bool(results),
            "all_negative": bool(results) and negatives == len(results),
            "negatives": negatives,
            "flagged": [r for r in results if r.outcome != ResultOutcome.NEGATIVE],
        }


class RecollectionTask(TenantModel):
    """An observed recollection the nurse or collector must do (49 CFR 40.65(b), 40.67(b),
    40.197(b)(1)), opened by the collection that called for it, with the reason in words."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    test = models.ForeignKey(DrugTest, on_delete=models.CASCADE, related_name="recollection_tasks")
    reason = models.CharField(max_length=20, choices=RecollectionReason.choices)
    detail = models.CharField(max_length=300)
    assigned_to = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["closed_at", "due_on", "id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient"],
                condition=Q(closed_at__isnull=True),
                name="recollection_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "test", "reason"], name="recollection_once_per_reason"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(closing_note=""),
                name="recollection_closed_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Observed recollection due {self.due_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MedicationExpectation(TenantModel):
    """Medication-assisted treatment: a prescription whose name contains one of
    `match_words` means the patient is expected to test positive for `parent` and its
    `metabolite` (buprenorphine → norbuprenorphine, methadone → EDDP). Seeded, editable."""

    name = models.CharField(max_length=80)
    match_words = ArrayField(models.CharField(max_length=60), help_text="Matched in drug names.")
    parent = models.CharField(max_length=6, choices=Substance.choices)
    metabolite = models.CharField(max_length=6, choices=Substance.choices, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "parent"], name="expectation_once_per_drug"),
            models.CheckConstraint(
                condition=~Q(parent=F("metabolite")), name="expectation_metabolite_differs"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MedicationFindingKind(models.TextChoices):
    NOT_DETECTED = "not_detected", "Expected medication not detected"
    NO_METABOLITE = "no_metabolite", "Parent drug without its metabolite"


class MedicationFinding(TenantModel):
    """A result that does not fit the patient's medication-assisted treatment, for the case
    manager and the prescriber to review; open until the test is reviewed."""

    test = models.ForeignKey(DrugTest, on_delete=models.CASCADE, related_name="medication_findings")
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=MedicationFindingKind.choices)
    substance = models.CharField(max_length=6, choices=Substance.choices)
    medication = models.CharField(max_length=120)
    prescriber = models.CharField(max_length=120, blank=True)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["test", "id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="medfinding_patient")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "test", "kind", "substance"], name="medfinding_once"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ResultMethod(models.TextChoices):
    PRESUMPTIVE = "presumptive", "Presumptive (point of care)"
    CONFIRMED = "confirmed", "Lab-confirmed (GC/MS, LC-MS/MS)"


class ResultOutcome(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"
    INVALID = "invalid", "Invalid"


class SubstanceResult(TenantModel):
    test = models.ForeignKey(DrugTest, on_delete=models.CASCADE, related_name="results")
    substance = models.CharField(max_length=6, choices=Substance.choices)
    method = models.CharField(max_length=12, choices=ResultMethod.choices)
    outcome = models.CharField(max_length=10, choices=ResultOutcome.choices)
    value = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    # Positives only: explained by a current prescription (computed at recording).
    expected = models.BooleanField(null=True, blank=True)
    explained_by = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["substance", "method"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "test", "substance", "method"], name="result_once_per_method"
            ),
            models.CheckConstraint(
                condition=Q(outcome="positive", expected__isnull=False)
                | (~Q(outcome="positive") & Q(expected__isnull=True)),
                name="result_expected_only_for_positives",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_substance_display()}: {self.get_outcome_display()}"

    @property
    def unexpected(self) -> bool:
        return self.outcome == ResultOutcome.POSITIVE and self.expected is False


# --- Outcome measures and safety tasks ---------------------------------------------------------


class Measure(TenantModel):
    """One administration of an instrument; the score is computed server-side."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    administered_on = models.DateField()
    answers = ArrayField(models.PositiveSmallIntegerField())
    sex = models.CharField("sex for scoring", max_length=12, choices=ScoringSex.choices, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=20, blank=True)
    bam_use = models.PositiveSmallIntegerField(null=True, blank=True)
    bam_risk = models.PositiveSmallIntegerField(null=True, blank=True)
    bam_protective = models.PositiveSmallIntegerField(null=True, blank=True)
    # PHQ-9 item 10, optional and never in the total (Kroenke et al. 2001).
    functional_difficulty = models.PositiveSmallIntegerField(
        "functional difficulty (PHQ-9 item 10)",
        null=True,
        blank=True,
        choices=instruments.PHQ9.unscored.options if instruments.PHQ9.unscored else (),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-administered_on", "-id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient", "instrument", "-administered_on"],
                name="measure_patient",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument="bam", total__isnull=True)
                | (~Q(instrument="bam") & Q(total__isnull=False)),
                name="measure_bam_has_no_total",
            ),
            models.CheckConstraint(
                condition=Q(functional_difficulty__isnull=True)
                | Q(instrument="phq9", functional_difficulty__lte=3),
                name="measure_difficulty_phq9_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.administered_on:%Y-%m-%d}"

    @property
    def item9(self) -> int | None:
        return self.answers[8] if self.instrument == Instrument.PHQ9 else None

    @property
    def subscores(self) -> dict[str, int]:
        """PCL-5 cluster severities, computed from the answers."""
        return instruments.subscores(self.instrument, list(self.answers))

    @property
    def pcl5_clusters(self) -> list[tuple[str, str, int, int]]:
        """(cluster, name, score, most) for the page."""
        scores = self.subscores
        return [
            (c, instruments.PCL5_CLUSTER_NAMES[c], scores[c], 4 * len(numbers))
            for c, numbers in instruments.PCL5_CLUSTERS.items()
            if c in scores
        ]

    @property
    def bam_drug_days(self) -> list[tuple[str, str, str]]:
        """BAM item 7A–7G with any days, as (number, drug class, days). Empty for a BAM recorded
        before item 7 was kept as its sub-questions (17 answers)."""
        if self.instrument != Instrument.BAM or len(self.answers) != len(instruments.BAM.items):
            return []
        given = instruments.by_number(Instrument.BAM, list(self.answers))
        labels = dict(instruments.DAYS_30)
        return [
            (f"7{letter}", drug.split(" (")[0], labels[given[f"7{letter}"]])
            for letter, drug in instruments.BAM_ITEM7
            if given[f"7{letter}"]
        ]

    @property
    def crafft_car(self) -> bool | None:
        """CRAFFT: the CAR answer (a yes calls for counselling whatever the score)."""
        if self.instrument != Instrument.CRAFFT:
            return None
        return bool(self.answers[3])

    @property
    def crafft_use_days(self) -> tuple[int, int, int] | None:
        if self.instrument != Instrument.CRAFFT:
            return None
        return (self.answers[0], self.answers[1], self.answers[2])


class SafetyTask(TenantModel):
    """A same-day safety follow-up (PHQ-9 item 9 above 0) for the primary therapist; the
    chart is flagged until it is closed with a note."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    measure = models.OneToOneField(Measure, on_delete=models.PROTECT, related_name="safety_task")
    assigned_to = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    reason = models.CharField(max_length=200)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField(max_length=4000, blank=True)  # the plan
    # The C-SSRS Screener recorded when the task is closed (progress/cssrs.py): None until
    # then, and None for questions the skip pattern did not ask.
    screen_wish_dead = models.BooleanField(null=True, blank=True)
    screen_suicidal_thoughts = models.BooleanField(null=True, blank=True)
    screen_method = models.BooleanField(null=True, blank=True)
    screen_intent = models.BooleanField(null=True, blank=True)
    screen_specific_plan = models.BooleanField(null=True, blank=True)
    screen_behavior = models.BooleanField(null=True, blank=True)
    screen_behavior_recent = models.BooleanField(null=True, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    # When the clinical lead was told the task was still open after its clinic-day ended
    # (progress/tasks.py); set once, so the lead is told once.
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["closed_at", "due_on", "id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient"],
                condition=Q(closed_at__isnull=True),
                name="safetytask_open",
            ),
            # The escalation sweep's question: open, not yet escalated, by clinic-day.
            models.Index(
                fields=["clinic", "due_on"],
                condition=Q(closed_at__isnull=True, escalated_at__isnull=True),
                name="safetytask_to_escalate",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(closing_note=""),
                name="safetytask_closed_with_note",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("created_at")),
                name="safetytask_closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"Safety task due {self.due_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
