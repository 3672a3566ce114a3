"""Individual therapy: therapists' availability, treatment plans (problem → goal →
objective → intervention, versioned), and progress notes for individual and family sessions
(signed and locked by the database; corrections are append-only addenda; supervised staff
need a supervisor's co-signature).

Locks live in PostgreSQL (migrations): a signed note, a superseded plan version and their
child rows refuse UPDATE and DELETE whatever the path (service, API, admin, raw ORM).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from iop.models import TenantModel
from iop.models.tracks import WEEKDAYS


class NoteFormat(models.TextChoices):
    DAP = "dap", "DAP (data, assessment, plan)"
    BIRP = "birp", "BIRP (behavior, intervention, response, plan)"
    SOAP = "soap", "SOAP (subjective, objective, assessment, plan)"


# The note's fields follow the clinic's chosen format (the note keeps the format it was
# started in, so a later change of setting never reshapes old notes).
FORMAT_FIELDS: dict[str, tuple[str, ...]] = {
    NoteFormat.DAP: ("data", "assessment", "plan"),
    NoteFormat.BIRP: ("behavior", "intervention", "response", "plan"),
    NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
}
NOTE_TEXT_FIELDS = (
    "subjective", "objective", "data", "behavior", "intervention", "response", "assessment",
    "plan",
)  # fmt: skip


class TherapySettings(TenantModel):
    """The clinic's therapy settings (one row per clinic, created on first use)."""

    note_format = models.CharField(max_length=4, choices=NoteFormat.choices, default=NoteFormat.DAP)
    plan_review_days = models.PositiveSmallIntegerField(
        "treatment plan review every (days)",
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(180)],
    )
    session_minutes = models.PositiveSmallIntegerField(
        "individual session length (minutes)",
        default=50,
        validators=[MinValueValidator(15), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name_plural = "therapy settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="therapysettings_one_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Therapy settings {self.clinic_id}"


class TherapistProfile(TenantModel):
    """Per staff member: whether their notes need a supervisor's co-signature, and whose."""

    membership = models.ForeignKey("iop.Membership", on_delete=models.CASCADE, related_name="+")
    needs_cosign = models.BooleanField(
        default=False, help_text="Notes count as final only once a supervisor co-signs them."
    )
    supervisor = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "membership"], name="therapistprofile_once"),
            models.CheckConstraint(
                condition=Q(needs_cosign=False) | Q(supervisor__isnull=False),
                name="therapistprofile_cosign_has_supervisor",
                violation_error_message="Choose the supervisor who co-signs.",
            ),
        ]

    def __str__(self) -> str:
        return f"Therapist profile {self.membership_id}"


class Availability(TenantModel):
    """A therapist's weekly working hours: one row per weekday window."""

    therapist = models.ForeignKey("iop.Membership", on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts_at"]
        verbose_name_plural = "availability"
        indexes = [models.Index(fields=["clinic", "therapist"], name="availability_therapist")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="availability_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class AvailabilityBlock(TenantModel):
    """Time a therapist is away from their usual hours: leave, a meeting, training."""

    therapist = models.ForeignKey("iop.Membership", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "therapist", "starts_at"], name="block_therapist")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="availabilityblock_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return f"Away {self.starts_at:%Y-%m-%d %H:%M}"


class Intervention(TenantModel):
    """A therapeutic method the clinic uses (CBT, DBT, …); the clinic can add its own."""

    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="intervention_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TreatmentPlan(TenantModel):
    """One version of an enrollment's treatment plan. Reviewing copies the tree into a new
    version; the old one is marked superseded and the database keeps it as it was."""

    enrollment = models.ForeignKey(
        "iop.Enrollment", on_delete=models.CASCADE, related_name="treatment_plans"
    )
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    review_due = models.DateField()
    acknowledged_name = models.CharField(
        "patient's name as acknowledged", max_length=120, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        indexes = [models.Index(fields=["clinic", "patient"], name="plan_patient")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "enrollment", "version"], name="plan_unique_version"
            ),
            models.UniqueConstraint(
                fields=["clinic", "enrollment"],
                condition=Q(superseded_at__isnull=True),
                name="plan_one_current",
                violation_error_message="This enrollment already has a current treatment plan.",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(acknowledged_name=""),
                name="plan_acknowledged_by_name",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment plan v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class PlanPart(TenantModel):
    """A node of the plan's tree; carries the plan so the database can lock the whole tree
    of a superseded version with one check."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


class Problem(PlanPart):
    description = models.TextField()
    diagnosis = models.ForeignKey(
        "iop.Diagnosis", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class Goal(PlanPart):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", "In progress"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"


class Objective(PlanPart):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    description = models.TextField(help_text="Measurable: what, how much, how often.")
    target_date = models.DateField()
    status = models.CharField(
        max_length=8, choices=ObjectiveStatus.choices, default=ObjectiveStatus.OPEN
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class PlannedIntervention(PlanPart):
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="planned_interventions"
    )
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField(max_length=80, blank=True, help_text="For example: weekly.")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.frequency}"


class ProgressNote(TenantModel):
    """The note of one individual or family session. Once signed, PostgreSQL refuses any
    change or deletion; corrections are addenda."""

    # A draft goes with its session; a signed note's lock refuses the session's deletion.
    session = models.OneToOneField(
        "scheduling.Session", on_delete=models.CASCADE, related_name="progress_note"
    )
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey("iop.Membership", on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=4, choices=NoteFormat.choices)
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    data = models.TextField(blank=True)
    behavior = models.TextField(blank=True)
    intervention = models.TextField(blank=True)
    response = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    modality = models.ForeignKey(
        Intervention, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    part2 = models.BooleanField(
        "substance-use counseling (42 CFR Part 2)",
        default=False,
        help_text="Part 2 records are disclosed only with the patient's written consent.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        "iop.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    # Decided when signing (from the author's profile), in the same locked row.
    cosign_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["-session__starts_at"]
        indexes = [
            models.Index(fields=["clinic", "patient"], name="note_patient"),
            models.Index(fields=["clinic", "author", "signed_at"], name="note_author"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "session"], name="note_one_per_session"),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_by__isnull=False),
                name="note_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Progress note {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def fields_in_format(self) -> tuple[str, ...]:
        return FORMAT_FIELDS[self.format]

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(name.capitalize(), getattr(self, name)) for name in self.fields_in_format]


class NoteObjective(TenantModel):
    """An objective of the treatment plan the session worked on."""

    note = models.ForeignKey(ProgressNote, on_delete=models.CASCADE, related_name="objectives")
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "note", "objective"], name="noteobjective_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.note_id} → {self.objective_id}"


class NoteAddendum(TenantModel):
    """A correction or late entry to a signed note. Append-only (database trigger)."""

    # No database foreign key: an append-only table refuses the row lock a key check takes
    # when a draft note is deleted. Addenda only ever point at signed notes, which the
    # database refuses to delete.
    note = models.ForeignKey(
        ProgressNote, on_delete=models.PROTECT, related_name="addenda", db_constraint=False
    )
    author = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


class NoteCosignature(TenantModel):
    """The supervisor's co-signature of a supervised clinician's signed note. Its own
    append-only row: the signed note itself can no longer change."""

    # No database foreign key, as for addenda: co-signatures only point at signed notes.
    note = models.OneToOneField(
        ProgressNote, on_delete=models.PROTECT, related_name="cosignature", db_constraint=False
    )
    supervisor = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "note"], name="cosignature_once"),
        ]

    def __str__(self) -> str:
        return f"Co-signature {self.pk}"
