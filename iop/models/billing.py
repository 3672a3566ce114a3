"""How care is paid for: insurance coverage, payer authorizations, self-pay plans."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from iop import clock

from .tenancy import TenantModel


class CoveragePriority(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    TERTIARY = "tertiary", "Tertiary"


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Not verified"
    VERIFIED = "verified", "Verified"
    DENIED = "denied", "Denied"


class Coverage(TenantModel):
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="coverages")
    payer = models.CharField(max_length=120)
    plan = models.CharField(max_length=120, blank=True)
    member_id = models.CharField("member ID", max_length=60)
    group_number = models.CharField(max_length=60, blank=True)
    subscriber_name = models.CharField(max_length=120, blank=True, help_text="If not the patient.")
    subscriber_relationship = models.CharField(max_length=40, blank=True)
    priority = models.CharField(
        max_length=10, choices=CoveragePriority.choices, default=CoveragePriority.PRIMARY
    )
    verification_status = models.CharField(
        max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verified_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_active", "priority"]
        indexes = [models.Index(fields=["clinic", "patient"], name="coverage_patient")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "patient", "priority"],
                condition=Q(is_active=True),
                name="coverage_one_per_priority",
                violation_error_message=(
                    "The patient already has an active coverage at this priority."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} ({self.get_priority_display().lower()})"


class PaymentSchedule(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"


class PaymentPlan(TenantModel):
    """Self-pay: an agreed amount per installment."""

    patient = models.ForeignKey(
        "iop.Patient", on_delete=models.CASCADE, related_name="payment_plans"
    )
    total_amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    installment_amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    schedule = models.CharField(
        max_length=10, choices=PaymentSchedule.choices, default=PaymentSchedule.MONTHLY
    )
    first_payment_on = models.DateField()
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_active", "-first_payment_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(installment_amount__lte=models.F("total_amount")),
                name="payment_plan_installment_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.installment_amount} {self.get_schedule_display().lower()}"

    def clean(self) -> None:
        if (
            self.installment_amount is not None
            and self.total_amount is not None
            and self.installment_amount > self.total_amount
        ):
            raise ValidationError(
                {"installment_amount": "An installment cannot be more than the total."}
            )


class ServiceCode(models.TextChoices):
    H0015 = "H0015", "H0015 — alcohol/drug IOP"
    S9480 = "S9480", "S9480 — psychiatric IOP (per diem)"
    OTHER = "other", "Other (clinic-defined)"


AUTHORIZATION_WARN_RATIO = 0.8
AUTHORIZATION_WARN_DAYS = 7


class Authorization(TenantModel):
    """A payer's approval of a number of units (days) in a date window."""

    patient = models.ForeignKey(
        "iop.Patient", on_delete=models.CASCADE, related_name="authorizations"
    )
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.SET_NULL, related_name="authorizations"
    )
    number = models.CharField("authorization number", max_length=60)
    service_code = models.CharField(max_length=10, choices=ServiceCode.choices)
    custom_code = models.CharField(
        max_length=20, blank=True, help_text="The clinic's own code when the service is Other."
    )
    units_authorized = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    units_used = models.PositiveIntegerField(
        "units used elsewhere",
        default=0,
        help_text="Units used before this system or outside it. Billable days attended here "
        "are counted automatically.",
    )
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["-end_date"]
        indexes = [models.Index(fields=["clinic", "patient"], name="authorization_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="authorization_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.code})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must be on or after the start date."})
        if self.service_code == ServiceCode.OTHER and not self.custom_code:
            raise ValidationError({"custom_code": "Enter the clinic's code for this service."})
        if self.coverage_id and self.coverage and self.coverage.patient_id != self.patient_id:
            raise ValidationError({"coverage": "Choose one of this patient's coverages."})

    @property
    def code(self) -> str:
        return self.custom_code if self.service_code == ServiceCode.OTHER else self.service_code

    # Set by billing's `count_authorization_units` (the ledger's rule): the days on claims
    # that cite this authorization, and those with the billable days not yet claimed.
    claimed_days = 0
    billed_days = 0

    @property
    def unclaimed_days(self) -> int:
        return self.billed_days - self.claimed_days

    @property
    def units_breakdown(self) -> str:
        """Where the used units come from, e.g. "2 on claims + 1 not yet claimed"."""
        parts = [
            f"{count} {where}"
            for count, where in (
                (self.claimed_days, "on claims"),
                (self.unclaimed_days, "not yet claimed"),
                (self.units_used, "elsewhere"),
            )
            if count
        ]
        return " + ".join(parts)

    @property
    def units_total(self) -> int:
        return self.units_used + self.billed_days

    @property
    def units_left(self) -> int:
        return self.units_authorized - self.units_total

    def warnings(self, today: datetime.date | None = None) -> list[str]:
        """What a biller must act on: units nearly used, or the window about to close."""
        today = today or clock.today(self.clinic)
        found = []
        used = self.units_total
        if used > self.units_authorized:
            found.append(f"{used - self.units_authorized} units over the authorization")
        elif used >= AUTHORIZATION_WARN_RATIO * self.units_authorized:
            found.append(f"{used} of {self.units_authorized} units used")
        if (
            self.start_date <= today <= self.end_date
            and (self.end_date - today).days <= AUTHORIZATION_WARN_DAYS
        ):
            found.append(f"ends {self.end_date:%b %-d}")
        elif today > self.end_date:
            found.append("expired")
        return found
