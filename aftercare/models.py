"""Aftercare: the plan a patient takes home at step-down (versioned; a signed version is
final), its printable PDF, and the alumni follow-up calls after discharge."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from iop.models import TenantModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    SIGNED = "signed", "Signed"


# The only moves a plan version may make (the enrollment's pattern, django-oscar's table).
# A signed version is final: changes are a new version ("revise").
PLAN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PlanStatus.DRAFT: (PlanStatus.IN_REVIEW,),
    PlanStatus.IN_REVIEW: (PlanStatus.DRAFT, PlanStatus.SIGNED),
    PlanStatus.SIGNED: (),
}
OPEN_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.IN_REVIEW)


class StepDownLevel(models.TextChoices):
    OUTPATIENT = "asam_1", "Outpatient (ASAM 1)"
    IOP = "asam_2_1", "Another IOP (ASAM 2.1)"
    RECOVERY_SUPPORT = "recovery_support", "Recovery support only"
    OTHER = "other", "Other"


class AftercarePlan(TenantModel):
    """One version of a patient's aftercare plan for one enrollment."""

    enrollment = models.ForeignKey(
        "iop.Enrollment", on_delete=models.PROTECT, related_name="aftercare_plans"
    )
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    revised_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)

    step_down_level = models.CharField(
        "step-down level of care", max_length=20, choices=StepDownLevel.choices, blank=True
    )
    step_down_provider = models.CharField("step-down provider", max_length=200, blank=True)
    step_down_provider_phone = models.CharField("provider phone", max_length=40, blank=True)
    step_down_starts_on = models.DateField("first step-down visit", null=True, blank=True)
    continued_therapy = models.TextField(
        blank=True,
        help_text="Individual or family therapy after the program: with whom, how often.",
    )
    sober_living = models.TextField(
        blank=True, help_text="Residence, house manager and house rules, or “not needed”."
    )
    vocational_goals = models.TextField(blank=True)
    education_goals = models.TextField(blank=True)
    triggers = models.TextField(blank=True, help_text="People, places, feelings, times of day.")
    warning_signs = models.TextField(
        blank=True, help_text="What the patient and family will notice first."
    )
    coping_strategies = models.TextField(
        blank=True, help_text="What works, in the patient's words."
    )
    alumni_enrolled = models.BooleanField("enrolled in the alumni group", default=False)
    alumni_details = models.CharField(
        "alumni group details", max_length=200, blank=True, help_text="Day, time and place."
    )
    local_crisis_resources = models.TextField(
        blank=True,
        help_text="Local crisis line, mobile crisis team, nearest ER. 988 is always printed.",
    )
    follow_up_phone = models.CharField("phone for follow-up calls", max_length=40, blank=True)
    follow_up_consent = models.BooleanField(
        "agrees to follow-up calls", default=True,
        help_text="Calls about 1, 3, 6 and 12 months after discharge.",
    )  # fmt: skip

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    patient_ack_name = models.CharField("patient's typed name", max_length=170, blank=True)
    patient_ack_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["enrollment", "-version"]
        indexes = [models.Index(fields=["clinic", "patient", "-version"], name="aftercare_patient")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "enrollment", "version"], name="aftercareplan_unique_version"
            ),
            # One version open for editing at a time; the rest are signed history.
            models.UniqueConstraint(
                fields=["clinic", "enrollment"],
                condition=Q(status__in=["draft", "in_review"]),
                name="aftercareplan_one_open_version",
                violation_error_message="This enrollment already has a plan being edited.",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed")
                | Q(
                    signed_by__isnull=False,
                    signed_at__isnull=False,
                    patient_ack_at__isnull=False,
                    patient_ack_name__gt="",
                ),
                name="aftercareplan_signed_has_signatures",
            ),
        ]

    def __str__(self) -> str:
        return f"Aftercare plan v{self.version}"

    @property
    def is_signed(self) -> bool:
        return self.status == PlanStatus.SIGNED

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def allowed_moves(self) -> tuple[str, ...]:
        return PLAN_TRANSITIONS[self.status]


class PlanChild(TenantModel):
    """A row of one of the plan's lists; the database refuses changes once the plan is signed."""

    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class SupportGroupKind(models.TextChoices):
    AA = "aa", "AA"
    NA = "na", "NA"
    SMART = "smart", "SMART Recovery"
    REFUGE = "refuge", "Refuge Recovery"
    OTHER = "other", "Other"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class SupportGroup(PlanChild):
    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="support_groups")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=SupportGroupKind.choices)
    meeting_day = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    meeting_time = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)

    class Meta(PlanChild.Meta):
        indexes = [models.Index(fields=["clinic", "plan"], name="aftercare_group_plan")]

    def __str__(self) -> str:
        return self.name


class SupportContact(PlanChild):
    """A person to call when a warning sign shows up."""

    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    relationship = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=40)

    class Meta(PlanChild.Meta):
        indexes = [models.Index(fields=["clinic", "plan"], name="aftercare_contact_plan")]

    def __str__(self) -> str:
        return self.name


class PlanMedication(PlanChild):
    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=120)
    dose = models.CharField(max_length=60, blank=True)
    frequency = models.CharField(max_length=60, blank=True)
    prescriber = models.CharField(max_length=120, blank=True)

    class Meta(PlanChild.Meta):
        indexes = [models.Index(fields=["clinic", "plan"], name="aftercare_med_plan")]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.dose, self.frequency) if part)


class PlanAppointment(PlanChild):
    """An appointment already booked for after discharge."""

    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="appointments")
    with_whom = models.CharField(max_length=160)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)

    class Meta(PlanChild.Meta):
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["clinic", "plan"], name="aftercare_appt_plan")]

    def __str__(self) -> str:
        return self.with_whom


# --- The PDF ----------------------------------------------------------------------------------


class PdfStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AftercarePdf(TenantModel):
    """The printable document of one signed plan version: the clinic's own copy
    (`released_to` empty) or a release to someone outside the clinic, which carries the
    42 CFR Part 2 §2.32 notice.

    The bytes live in this row (bytea), written in the same transaction as `sha256` and
    `status=done`: a worker killed mid-render leaves nothing half-written and no orphan
    file, the clinic's row-level security covers the document itself, and backups hold it
    with the record it belongs to. A plan PDF is tens of kilobytes; lists defer `content`.
    """

    plan = models.ForeignKey(AftercarePlan, on_delete=models.PROTECT, related_name="pdfs")
    released_to = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    consent_reference = models.CharField(
        max_length=200, blank=True, help_text="The patient's written consent (42 CFR §2.31)."
    )
    status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # When the latest attempt began: a render still "rendering" long after its time limit
    # lost its worker, and is turned failed (services.aftercare_pdfs_fail_stranded).
    render_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Same version, same recipient and purpose: one document (idempotent requests).
            models.UniqueConstraint(
                fields=["clinic", "plan", "released_to", "purpose"], name="aftercarepdf_one_per_use"
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(content__isnull=False, size__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                name="aftercarepdf_done_has_bytes",
            ),
            models.CheckConstraint(
                condition=Q(released_to="") | ~Q(purpose="") & ~Q(consent_reference=""),
                name="aftercarepdf_release_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"Aftercare PDF {self.pk}"

    @property
    def is_release(self) -> bool:
        return bool(self.released_to)

    @property
    def filename(self) -> str:
        kind = "release" if self.is_release else "plan"
        return f"aftercare-{kind}-{self.plan_id}-v{self.plan.version}.pdf"


# --- Alumni follow-up -------------------------------------------------------------------------

FOLLOW_UP_MONTHS = (1, 3, 6, 12)
# A scheduled call is *due* once its date is this close (or past): the window in which the
# case manager makes it. Calls further out are upcoming, not due.
FOLLOW_UP_DUE_WITHIN_DAYS = 14


class FollowUpStatus(models.TextChoices):
    DUE = "due", "Due"
    DONE = "done", "Reached"
    UNREACHABLE = "unreachable", "Unreachable"
    DECLINED = "declined", "Declined"


class FollowUp(TenantModel):
    """A check-in call N months after the patient left the program."""

    enrollment = models.ForeignKey(
        "iop.Enrollment", on_delete=models.CASCADE, related_name="follow_ups"
    )
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    months_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.DUE
    )
    outcome_note = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "due_on"], name="followup_queue"),
            models.Index(fields=["clinic", "assigned_to", "due_on"], name="followup_assignee"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "enrollment", "months_after"], name="followup_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.months_after}-month follow-up"
