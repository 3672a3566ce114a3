import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from iop import clock

from .tenancy import TenantModel

PAST_DATE_MESSAGE = "Date of birth must be in the past."


def validate_past_date(value: datetime.date) -> None:
    """No date that is today or later anywhere on Earth; `refuse_unborn` then applies the
    clinic's own today, which a field validator cannot know."""
    if value >= clock.latest_today():
        raise ValidationError(PAST_DATE_MESSAGE)


def refuse_unborn(record: TenantModel, date_of_birth: datetime.date | None) -> None:
    if date_of_birth and record.clinic_id and date_of_birth >= clock.today(record.clinic):
        raise ValidationError({"date_of_birth": PAST_DATE_MESSAGE})


class ReminderChannel(models.TextChoices):
    NONE = "none", "No reminders"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class Patient(TenantModel):
    """A person in treatment at the clinic."""

    record_number = models.CharField(
        max_length=20, help_text="The clinic's own medical record number."
    )
    legal_first_name = models.CharField(max_length=80)
    legal_last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(
        max_length=80, blank=True, help_text="What the patient wants to be called."
    )
    pronouns = models.CharField(max_length=30, blank=True)
    date_of_birth = models.DateField(validators=[validate_past_date])
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    language = models.CharField(max_length=40, blank=True, default="English")
    reminders = models.CharField(
        "session reminders",
        max_length=5,
        choices=ReminderChannel.choices,
        default=ReminderChannel.NONE,
        help_text="Only with the patient's agreement. The text gives the clinic, the day and "
        "the time: nothing about their care.",
    )
    reminders_agreed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient agreed to the reminders chosen."
    )
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    # Care team: memberships of this clinic (the database refuses another clinic's).
    primary_therapist = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_manager = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "record_number"], name="patient_unique_record_number"
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "legal_last_name", "legal_first_name"], name="patient_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.record_number})"

    def clean(self) -> None:
        refuse_unborn(self, self.date_of_birth)
        if self.reminders == ReminderChannel.EMAIL and not self.email:
            raise ValidationError({"reminders": "Enter the patient's email to send reminders."})
        if self.reminders == ReminderChannel.SMS and not self.phone:
            raise ValidationError({"reminders": "Enter the patient's phone to text reminders."})
        if self.reminders == ReminderChannel.SMS and not settings.SMS_GATEWAY:
            raise ValidationError({"reminders": "Text messages are not set up here (SMS_GATEWAY)."})

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def age(self) -> int:
        """Age on the clinic's today."""
        return clock.age_on(self.date_of_birth, clock.today(self.clinic))

    @property
    def is_adolescent(self) -> bool:
        return self.adolescent_on(clock.today(self.clinic))

    def adolescent_on(self, day: datetime.date) -> bool:
        """ASAM's adolescent: under 18 (on that day)."""
        return clock.age_on(self.date_of_birth, day) < 18
