"""Who outside the clinic receives records over FHIR, the patient's Part 2 consent to each
such recipient, and the log of what was disclosed to them (42 CFR §2.25).

A recipient presents its own API token: a request made with it is a disclosure outside the
clinic, and every substance-use record in it needs a consent that names that recipient and
that kind of information. The disclosure log is append-only in the database; a consent is
never edited, only revoked (`revoked_at`).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import PdfStatus
from iop import clock
from iop.models import TenantModel


class RecipientKind(models.TextChoices):
    EHR = "ehr", "Electronic health record"
    REGISTRY = "registry", "State registry"
    PAYER = "payer", "Payer's care manager"
    PROVIDER = "provider", "Next level of care"


class Recipient(TenantModel):
    """An organisation outside the clinic that reads records through the FHIR API with the
    token named here."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=RecipientKind.choices)
    token = models.ForeignKey("iop.ApiToken", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "token"], name="recipient_one_per_token"),
        ]

    def __str__(self) -> str:
        return self.name


class DataCategory(models.TextChoices):
    """What a consent lets the clinic disclose (§2.31(a)(3)); each FHIR resource type
    belongs to one."""

    DEMOGRAPHICS = "demographics", "Identity and demographics"
    ENROLLMENTS = "enrollments", "Enrollments and level of care"
    ENCOUNTERS = "encounters", "Sessions attended"
    DIAGNOSES = "diagnoses", "Diagnoses"
    MEDICATIONS = "medications", "Medications"
    MEASURES = "measures", "Screening and assessment scores"
    CARE_PLANS = "care_plans", "Treatment and aftercare plans"
    COVERAGE = "coverage", "Insurance coverage"
    CONSENTS = "consents", "Consents"


class RecipientConsent(TenantModel):
    """The patient's written consent to disclose to one recipient (the §2.31 elements)."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="consents")
    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices))
    purpose = models.CharField(max_length=300)
    signed_on = models.DateField()
    expires_on = models.DateField()
    patient_signature = models.CharField(max_length=170)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "recipient"], name="rconsent_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(categories__len__gt=0), name="rconsent_has_categories"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("signed_on")),
                name="rconsent_expires_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} of {self.signed_on:%Y-%m-%d}"

    @property
    def category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class Disclosure(TenantModel):
    """One disclosure to a recipient under a consent (§2.25): which patient, what kinds of
    information, how many resources, when, in which request. Append-only."""

    consent = models.ForeignKey(RecipientConsent, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    categories = ArrayField(models.CharField(max_length=20, choices=DataCategory.choices))
    resource_count = models.PositiveIntegerField()
    request_id = models.CharField(max_length=64, blank=True)
    disclosed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient", "-disclosed_at"], name="fhirdisclosure_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk}"


# --- Webhooks -----------------------------------------------------------------------------------


class WebhookSubscription(TenantModel):
    """A clinic admin's subscription of one URL to events. Deliveries carry ids and the
    event type only, signed with HMAC-SHA256 under `secret`; after `PAUSE_AFTER` failed
    attempts in a row the subscription pauses itself until an admin resumes it."""

    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=40))
    secret = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(events__len__gt=0), name="webhook_has_events"),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantModel):
    """One event for one subscription, and how its attempts went (the delivery log)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["clinic", "subscription", "-created_at"], name="delivery_subscription"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "subscription", "event_id"], name="delivery_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk}"


# --- Bulk export (FHIR Bulk Data $export) ------------------------------------------------------


class ExportStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ExportLevel(models.TextChoices):
    SYSTEM = "system", "Every patient of the clinic"
    GROUP = "group", "The patients enrolled in one track"
    PATIENT = "patient", "Every patient"


class BulkExport(TenantModel):
    """One `$export` request: made in the web request, run in the worker, its NDJSON files
    kept until `expires_at`."""

    level = models.CharField(max_length=10, choices=ExportLevel.choices)
    track = models.ForeignKey("iop.Track", null=True, blank=True, on_delete=models.SET_NULL)
    types = ArrayField(models.CharField(max_length=30))
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.ACCEPTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    request_url = models.CharField(max_length=500)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk}"


class BulkExportFile(TenantModel):
    """The NDJSON of one resource type of an export (one resource per line)."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=30)
    count = models.PositiveIntegerField()
    content = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "export", "resource_type"], name="export_file_once_per_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}.ndjson of export {self.export_id}"


# --- Documents handed to the patient ----------------------------------------------------------


class DocumentKind(models.TextChoices):
    SCHEDULE = "schedule", _("The patient's schedule")
    CONSENT_FORM = "consent_form", _("Consent form to sign")


class PatientDocument(TenantModel):
    """A document printed for the patient to take home or sign, in their language (iop.
    languages) and rendered in the worker by the aftercare plan's WeasyPrint set-up: their
    schedule of upcoming sessions, or the form of a family consent (§2.31 elements, §2.32
    notice). The bytes live in the row, written with `status=done` in one transaction."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    family_consent = models.ForeignKey(
        "family.FamilyConsent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True, help_text="Set when rendered.")
    status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "-requested_at"], name="patientdoc_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(content__isnull=False, size__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                name="patientdoc_done_has_bytes",
            ),
            models.CheckConstraint(
                condition=Q(kind="consent_form", family_consent__isnull=False)
                | (~Q(kind="consent_form") & Q(family_consent__isnull=True)),
                name="patientdoc_consent_form_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient document {self.pk}"

    @property
    def filename(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.pk}-{self.language or 'en'}.pdf"
