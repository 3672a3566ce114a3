"""Family involvement (DOMAIN.md: encouraged, never required): the patient's family members
as people of the clinic, their 42 CFR Part 2 §2.31 consents, the log of what was disclosed
to them (§2.25), and their attendance at family sessions and family education groups.

Consents, revocations and disclosures are append-only in the database: a signed consent is
never edited (a new consent replaces it), a revocation is a row of its own.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iop import part2
from iop.models import TenantModel


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    SPOUSE = "spouse", "Spouse or partner"
    CHILD = "child", "Adult child"
    SIBLING = "sibling", "Sibling"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_FAMILY = "other_family", "Other family"
    FRIEND = "friend", "Friend"
    OTHER = "other", "Other support person"


class FamilyMember(TenantModel):
    """A person in the patient's life who takes part in their treatment. One patient, one
    clinic: the same person for two patients is two rows (each with its own consents)."""

    patient = models.ForeignKey(
        "iop.Patient", on_delete=models.PROTECT, related_name="family_members"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    may_contact = models.BooleanField(
        "the clinic may contact them",
        default=True,
        help_text="Untick when the patient or the family member asked not to be contacted.",
    )
    is_active = models.BooleanField(
        "still involved", default=True, help_text="Untick when they no longer take part."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="familymember_patient")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ShareCategory(models.TextChoices):
    """What a consent may allow the clinic to tell the family member (§2.31(a)(3))."""

    ATTENDANCE = "attendance", _("Attendance")
    PROGRESS = "progress", _("Treatment progress")
    DIAGNOSES = "diagnoses", _("Diagnoses")
    MEDICATIONS = "medications", _("Medications")
    DRUG_TESTS = "drug_tests", _("Drug test results")
    AFTERCARE = "aftercare", _("Aftercare plan")


class FamilyConsent(TenantModel):
    """A patient's written consent to disclose to one family member, with the §2.31 elements
    as they stood when signed (names are copied: the record says what the patient signed)."""

    family_member = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="consents"
    )
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    patient_name = models.CharField("patient's name", max_length=170)
    discloser = models.CharField(
        "who may disclose", max_length=200, help_text="The clinic (program) that may disclose."
    )
    recipient = models.CharField(
        "to whom", max_length=200, help_text="The family member, by name and relationship."
    )
    categories = ArrayField(
        models.CharField(max_length=20, choices=ShareCategory.choices),
        help_text="What may be shared.",
    )
    purpose = models.CharField(max_length=300, help_text="Why the information is shared.")
    expires_on = models.DateField("expires on", null=True, blank=True)
    expiry_event = models.CharField(
        "or expires on this event",
        max_length=200,
        blank=True,
        help_text="E.g. “discharge from the program”. Record the event by revoking the consent.",
    )
    patient_signature = models.CharField(
        "patient's signature", max_length=170, help_text="The patient types their full name."
    )
    signed_on = models.DateField("date signed")
    authorized_signature = models.CharField(
        "signature of a parent or other authorized person",
        max_length=170,
        blank=True,
        help_text="Required when the patient is under 18 on the signing date (42 CFR §2.14).",
    )
    authorized_signer_relationship = models.CharField(
        "their relationship to the patient", max_length=80, blank=True
    )
    revocation_statement = models.TextField(
        "revocation (§2.31(a)(6))",
        blank=True,
        help_text="The right to revoke in writing and how, as the patient read it when signing.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["clinic", "family_member", "-signed_on"], name="consent_member"),
            models.Index(fields=["clinic", "patient"], name="consent_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=False) | ~Q(expiry_event=""),
                name="consent_has_expiry",
                violation_error_message="Give an expiry date or an expiry event.",
            ),
            models.CheckConstraint(
                condition=Q(categories__len__gt=0),
                name="consent_has_categories",
                violation_error_message="Choose at least one kind of information.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("signed_on")),
                name="consent_expires_after_signing",
                violation_error_message="The expiry date must be on or after the signing date.",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} of {self.signed_on:%Y-%m-%d}"

    @property
    def category_labels(self) -> list[str]:
        labels = dict(ShareCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]

    @property
    def expiry_text(self) -> str:
        if self.expires_on and self.expiry_event:
            return f"{self.expires_on:%Y-%m-%d} or {self.expiry_event}, whichever comes first"
        if self.expires_on:
            return f"{self.expires_on:%Y-%m-%d}"
        return self.expiry_event

    @property
    def scope(self) -> part2.ConsentScope:
        """What a disclosure under this consent carries (§2.32(b))."""
        return part2.ConsentScope(
            recipient=self.recipient,
            what=tuple(self.category_labels),
            purpose=self.purpose,
            expires=self.expiry_text,
            signed_on=self.signed_on,
        )


class ConsentRevocation(TenantModel):
    """The patient took a consent back (or its expiry event happened): from `revoked_at` on,
    nothing more is disclosed under it. One per consent; never changed or removed."""

    consent = models.ForeignKey(FamilyConsent, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "consent"], name="revocation_once"),
        ]

    def __str__(self) -> str:
        return f"Revocation of consent {self.consent_id}"


class DisclosureMethod(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class FamilyDisclosure(TenantModel):
    """One disclosure to a family member under a consent (42 CFR §2.25 accounting): what
    kind of information, to whom, when, by whom, how. Append-only."""

    consent = models.ForeignKey(FamilyConsent, on_delete=models.PROTECT, related_name="+")
    family_member = models.ForeignKey(FamilyMember, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=ShareCategory.choices)
    method = models.CharField(
        max_length=10, choices=DisclosureMethod.choices, default=DisclosureMethod.IN_PERSON
    )
    summary = models.CharField(
        max_length=300, blank=True, help_text="What was shared, in a line (stays in the chart)."
    )
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disclosed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "-disclosed_at"], name="disclosure_patient")
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"


class ParticipantStatus(models.TextChoices):
    EXPECTED = "expected", "Expected"
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"


class FamilySessionParticipant(TenantModel):
    """A family member on a session's list: a family session (kind "family", the patient on
    its attendance list) or a family education group (kind "group" of a family education
    group type)."""

    session = models.ForeignKey(
        "scheduling.Session", on_delete=models.CASCADE, related_name="family_participants"
    )
    family_member = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.EXPECTED
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "family_member__last_name", "family_member__first_name"]
        indexes = [
            models.Index(fields=["clinic", "family_member"], name="participant_member"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "session", "family_member"], name="participant_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.session_id})"
