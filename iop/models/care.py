"""The patient's record beyond demographics: diagnoses, medications, episodes of care."""

import datetime
import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from iop import clock

from .tenancy import TenantModel

ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


def validate_icd10(value: str) -> None:
    """Accepts any case and spacing; `Diagnosis.clean()` stores the code upper-cased."""
    if not ICD10.match(value.strip().upper()):
        raise ValidationError(f"“{value}” is not an ICD-10-CM code such as F10.20 or F33.1.")


class DiagnosisCategory(models.TextChoices):
    SUBSTANCE_USE = "substance_use", "Substance use"
    MENTAL_HEALTH = "mental_health", "Mental health"
    OTHER = "other", "Other"


class Diagnosis(TenantModel):
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="diagnoses")
    icd10_code = models.CharField("ICD-10 code", max_length=8, validators=[validate_icd10])
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=DiagnosisCategory.choices)
    is_primary = models.BooleanField("primary diagnosis", default=False)
    is_active = models.BooleanField(default=True)
    diagnosed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "icd10_code"]
        verbose_name_plural = "diagnoses"
        indexes = [models.Index(fields=["clinic", "patient"], name="diagnosis_patient")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "patient"],
                condition=Q(is_primary=True, is_active=True),
                name="diagnosis_one_primary",
                violation_error_message="The patient already has a primary diagnosis.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"

    def clean(self) -> None:
        self.icd10_code = self.icd10_code.strip().upper()


class Medication(TenantModel):
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=120, help_text="Generic name, e.g. buprenorphine.")
    dose = models.CharField(max_length=60, blank=True, help_text="For example: 8 mg.")
    frequency = models.CharField(max_length=60, blank=True, help_text="For example: daily.")
    prescriber = models.CharField(max_length=120, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["clinic", "patient"], name="medication_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
                name="medication_stop_after_start",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.dose, self.frequency) if part)

    def clean(self) -> None:
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            raise ValidationError(
                {"stopped_on": "The stop date must be on or after the start date."}
            )

    @property
    def is_current(self) -> bool:
        return self.stopped_on is None or self.stopped_on >= clock.today(self.clinic)


class LevelOfCare(models.TextChoices):
    IOP = "asam_2_1", "IOP (ASAM 2.1)"
    PHP = "asam_2_5", "PHP (ASAM 2.5)"
    OP = "asam_1", "Outpatient (ASAM 1)"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    STEPPED_DOWN = "stepped_down", "Stepped down"
    COMPLETED = "completed", "Completed"
    DISCHARGED = "discharged", "Discharged"


OPEN_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.ON_HOLD)

# The only moves an enrollment may make (django-oscar's pattern): everything else is refused.
ENROLLMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    EnrollmentStatus.ACTIVE: (
        EnrollmentStatus.ON_HOLD,
        EnrollmentStatus.STEPPED_DOWN,
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.DISCHARGED,
    ),
    EnrollmentStatus.ON_HOLD: (
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.STEPPED_DOWN,
        EnrollmentStatus.DISCHARGED,
    ),
    EnrollmentStatus.STEPPED_DOWN: (),
    EnrollmentStatus.COMPLETED: (),
    EnrollmentStatus.DISCHARGED: (),
}


class DischargeType(models.TextChoices):
    COMPLETED = "completed", "Completed treatment"
    AGAINST_ADVICE = "against_advice", "Left against advice"
    ADMINISTRATIVE = "administrative", "Administrative"
    TRANSFERRED = "transferred", "Transferred"


class Enrollment(TenantModel):
    """An episode of care: admission to discharge at one level of care."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="enrollments")
    level_of_care = models.CharField(
        max_length=10, choices=LevelOfCare.choices, default=LevelOfCare.IOP
    )
    track = models.ForeignKey("iop.Track", on_delete=models.PROTECT, related_name="enrollments")
    admission_date = models.DateField()
    planned_weeks = models.PositiveSmallIntegerField(default=10)
    planned_end_date = models.DateField(help_text="Moves with each extension.")
    status = models.CharField(
        max_length=15, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    discharge_type = models.CharField(max_length=20, choices=DischargeType.choices, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    status_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-admission_date", "-id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient", "-admission_date"], name="enrollment_patient"
            ),
            models.Index(fields=["clinic", "status", "track"], name="enrollment_status_track"),
        ]
        constraints = [
            # One open episode per patient: a second admission waits for the first to end.
            models.UniqueConstraint(
                fields=["clinic", "patient"],
                condition=Q(status__in=["active", "on_hold"]),
                name="enrollment_one_open_per_patient",
                violation_error_message="The patient already has an active enrollment.",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__gt=models.F("admission_date")),
                name="enrollment_end_after_admission",
            ),
            models.CheckConstraint(
                condition=~Q(status="discharged") | ~Q(discharge_type=""),
                name="enrollment_discharge_has_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_of_care_display()} from {self.admission_date:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def allowed_moves(self) -> tuple[str, ...]:
        return ENROLLMENT_TRANSITIONS[self.status]

    @property
    def total_weeks(self) -> int:
        return max(1, math.ceil((self.planned_end_date - self.admission_date).days / 7))

    def week_number(self, today: datetime.date | None = None) -> int:
        """Week N of the program (1-based), counted from admission."""
        today = today or clock.today(self.clinic)
        end = self.ended_on or today
        return max(1, (min(end, today) - self.admission_date).days // 7 + 1)

    def days_left(self, today: datetime.date | None = None) -> int:
        today = today or clock.today(self.clinic)
        return max(0, (self.planned_end_date - today).days)


class EnrollmentExtension(TenantModel):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="extensions")
    previous_end_date = models.DateField()
    new_end_date = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end_date__gt=models.F("previous_end_date")),
                name="extension_moves_end_later",
            ),
        ]

    def __str__(self) -> str:
        return f"to {self.new_end_date:%Y-%m-%d}: {self.reason}"
