"""Getting in: an inquiry becomes an assessment, then (perhaps) an admission."""

from django.db import models
from django.db.models import Q

from .patients import refuse_unborn, validate_past_date
from .tenancy import TenantModel


class ReferralSource(models.TextChoices):
    RESIDENTIAL = "residential", "Stepping down from residential"
    HOSPITAL = "hospital", "Hospital or detox"
    SELF = "self", "Self"
    FAMILY = "family", "Family or friend"
    PROVIDER = "provider", "Therapist or physician"
    COURT = "court", "Court or probation"
    EMPLOYER = "employer", "Employer or EAP"
    OTHER = "other", "Other"


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    ASSESSMENT_SCHEDULED = "assessment_scheduled", "Assessment scheduled"
    ASSESSED = "assessed", "Assessed"
    ADMITTED = "admitted", "Admitted"
    REFERRED = "referred", "Referred elsewhere"
    DECLINED = "declined", "Declined"
    LOST_CONTACT = "lost_contact", "Lost contact"


S = InquiryStatus
CLOSED_INQUIRY = (S.ADMITTED, S.REFERRED, S.DECLINED, S.LOST_CONTACT)
INQUIRY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.ASSESSMENT_SCHEDULED, S.REFERRED, S.DECLINED, S.LOST_CONTACT),
    S.ASSESSMENT_SCHEDULED: (
        S.ASSESSMENT_SCHEDULED,
        S.ASSESSED,
        S.REFERRED,
        S.DECLINED,
        S.LOST_CONTACT,
    ),
    S.ASSESSED: (S.ADMITTED, S.REFERRED, S.DECLINED, S.LOST_CONTACT),
    S.ADMITTED: (),
    S.REFERRED: (),
    S.DECLINED: (),
    # People come back: a lost contact can be picked up again.
    S.LOST_CONTACT: (S.NEW,),
}


class Inquiry(TenantModel):
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_past_date])
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    referral_source = models.CharField(max_length=20, choices=ReferralSource.choices)
    referral_detail = models.CharField(
        max_length=200, blank=True, help_text="Who referred them: program, person, court."
    )
    presenting_concerns = models.TextField(blank=True)
    insurance_given = models.CharField(
        max_length=200, blank=True, help_text="Payer and member ID as the caller gave them."
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=25, choices=InquiryStatus.choices, default=S.NEW)
    assessment_at = models.DateTimeField(null=True, blank=True)
    assessor = models.ForeignKey(
        "iop.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_note = models.CharField(max_length=300, blank=True)
    # One inquiry per patient, unique per clinic (not a OneToOneField: Citus needs clinic_id
    # in every unique constraint).
    patient = models.ForeignKey(
        "iop.Patient", null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiry"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        indexes = [models.Index(fields=["clinic", "status", "-created_at"], name="inquiry_stage")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="assessment_scheduled") | Q(assessment_at__isnull=False),
                name="inquiry_scheduled_has_time",
            ),
            models.UniqueConstraint(fields=["clinic", "patient"], name="inquiry_one_per_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_status_display()})"

    def clean(self) -> None:
        refuse_unborn(self, self.date_of_birth)

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    @property
    def allowed_moves(self) -> tuple[str, ...]:
        return INQUIRY_TRANSITIONS[self.status]
