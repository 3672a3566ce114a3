"""Billing set-up as data (DOMAIN.md, Billing: "codes, rates and rules are per-payer settings,
not constants"): the billing provider per clinic (and per site where a site bills under its own
NPI), the payers with their claim format, program code, revenue code, place of service, bill
type, rate, authorization rule and timely-filing limit, and the patient's 42 CFR Part 2
consent to disclose to a payer for payment."""

import re

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from iop.models import TenantModel

NPI = RegexValidator(r"^\d{10}$", "An NPI is 10 digits.")
TAX_ID = RegexValidator(r"^\d{2}-?\d{7}$", "A tax id (EIN) is 9 digits, e.g. 12-3456789.")
TAXONOMY = RegexValidator(r"^[0-9A-Z]{9}X$", "A taxonomy code is 10 characters, e.g. 261QR0405X.")
# 5010 claims carry the billing provider's ZIP+4 (loop 2010AA N403: nine digits).
ZIP = RegexValidator(r"^\d{9}$", "Enter the ZIP+4 as 9 digits, without a dash.")
STATE = RegexValidator(r"^[A-Z]{2}$", "The state is its two-letter code, e.g. OR.")


def npi_check_digit_ok(npi: str) -> bool:
    """The NPI's last digit is a Luhn check over the prefix 80840 and the first nine digits
    (CMS, "Requirements for the NPI check digit")."""
    if not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10 == int(npi[9])


def validate_npi(value: str) -> None:
    NPI(value)
    if not npi_check_digit_ok(value):
        raise ValidationError("This NPI's check digit is wrong: check the number.")


class BillingProvider(TenantModel):
    """Who bills (loop 2010AA): the clinic's, or a site's where that site bills on its own."""

    site = models.ForeignKey(
        "iop.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Leave empty for the clinic's provider; choose a site that bills on its own.",
    )
    name = models.CharField("organization name", max_length=60)
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    tax_id = models.CharField("tax id (EIN)", max_length=10, blank=True, validators=[TAX_ID])
    taxonomy = models.CharField(
        "taxonomy code", max_length=10, blank=True, validators=[TAXONOMY],
        help_text="E.g. 261QR0405X (clinic/center, substance use disorder).",
    )  # fmt: skip
    address = models.CharField("street address", max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True, validators=[STATE])
    zip_code = models.CharField("ZIP+4", max_length=9, blank=True, validators=[ZIP])

    class Meta:
        ordering = ["site_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "site"],
                name="billingprovider_one_per_site",
                nulls_distinct=False,
                violation_error_message="This clinic or site already has a billing provider.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # What a claim cannot go without, in the words the worklist shows.
    REQUIRED = (("npi", "NPI"), ("tax_id", "tax id"), ("taxonomy", "taxonomy code"),
                ("address", "street address"), ("city", "city"), ("state", "state"),
                ("zip_code", "ZIP code"))  # fmt: skip

    @property
    def missing(self) -> list[str]:
        return [label for field, label in self.REQUIRED if not getattr(self, field)]


class ClaimFormat(models.TextChoices):
    INSTITUTIONAL = "837I", "837I institutional (UB-04)"
    PROFESSIONAL = "837P", "837P professional (CMS-1500)"


class Payer(TenantModel):
    """A payer the clinic bills, with every per-payer setting. A patient's coverage is billed to
    the payer whose name it carries (matched without regard to case)."""

    name = models.CharField(max_length=120, help_text="As written on the patient's coverage.")
    payer_id = models.CharField(
        "payer id", max_length=20, help_text="The electronic payer id from the clearinghouse."
    )
    claim_format = models.CharField(max_length=4, choices=ClaimFormat.choices)
    program_code = models.CharField(
        "procedure code for the program", max_length=10, default="H0015",
        help_text="H0015, S9480 or the payer's own code.",
    )  # fmt: skip
    revenue_code = models.CharField(
        max_length=4, default="0906", validators=[RegexValidator(r"^\d{4}$", "Four digits.")],
        help_text="0905 IOP psychiatric, 0906 IOP chemical dependency (837I).",
    )  # fmt: skip
    place_of_service = models.CharField(
        max_length=2, default="57", validators=[RegexValidator(r"^\d{2}$", "Two digits.")],
        help_text="57 non-residential SUD facility, 53 CMHC, 11 office (837P).",
    )  # fmt: skip
    bill_type = models.CharField(
        max_length=3, default="131", validators=[RegexValidator(r"^\d{3}$", "Three digits.")],
        help_text="Facility type, classification and frequency, e.g. 131 (837I).",
    )  # fmt: skip
    rate_per_unit = models.DecimalField(
        max_digits=9, decimal_places=2, validators=[MinValueValidator(0)],
        help_text="The clinic's charge for one day (one unit).",
    )  # fmt: skip
    authorization_required = models.BooleanField(default=True)
    timely_filing_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1)],
        help_text="Days after the date of service within which the payer accepts a claim.",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "clinic",
                Lower("name"),
                name="payer_unique_name",
                violation_error_message="A payer with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PayerConsent(TenantModel):
    """A Part 2 patient's written consent to disclose to this payer for payment (§2.31). It is
    in force from the day signed to its expiry or revocation."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="consents")
    signed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_on", "id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="payerconsent_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("signed_on")),
                name="payerconsent_expires_after_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent to {self.payer_id} from {self.signed_on}"

    def in_force(self, day: object) -> bool:
        return (
            self.signed_on <= day  # type: ignore[operator]
            and (self.expires_on is None or day <= self.expires_on)  # type: ignore[operator]
            and (self.revoked_on is None or day < self.revoked_on)  # type: ignore[operator]
        )


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"
    SUBMITTED = "submitted", "Submitted"
    PAID = "paid", "Paid"
    DENIED = "denied", "Denied"
    ADJUSTED = "adjusted", "Adjusted"


# The only moves a claim may make (django-oscar's pattern). A submitted claim is locked: a
# correction is a replacement claim (frequency code 7) that points at it.
CLAIM_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ClaimStatus.DRAFT: (ClaimStatus.READY,),
    ClaimStatus.READY: (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED),
    ClaimStatus.SUBMITTED: (ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.ADJUSTED),
    ClaimStatus.PAID: (ClaimStatus.ADJUSTED,),
    ClaimStatus.DENIED: (),
    ClaimStatus.ADJUSTED: (),
}
LOCKED_STATUSES = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.PAID,
    ClaimStatus.DENIED,
    ClaimStatus.ADJUSTED,
)


class FrequencyCode(models.TextChoices):
    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of a prior claim"


class Claim(TenantModel):
    """One patient's days with one payer in one billing period (a calendar month)."""

    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    enrollment = models.ForeignKey("iop.Enrollment", on_delete=models.PROTECT, related_name="+")
    member_id = models.CharField(max_length=60)
    claim_format = models.CharField(max_length=4, choices=ClaimFormat.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    frequency_code = models.CharField(
        max_length=1, choices=FrequencyCode.choices, default=FrequencyCode.ORIGINAL
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replacements"
    )
    payer_claim_number = models.CharField(
        max_length=50, blank=True, help_text="The payer's control number, from the remittance."
    )
    authorization_number = models.CharField(max_length=60, blank=True)
    diagnosis_codes = ArrayField(models.CharField(max_length=8), size=12)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "id"]
        indexes = [
            models.Index(fields=["clinic", "status"], name="claim_status"),
            models.Index(fields=["clinic", "patient"], name="claim_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency_code="1", replaces__isnull=True)
                | Q(frequency_code="7", replaces__isnull=False),
                name="claim_replacement_points_back",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk}"

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class ClaimLine(TenantModel):
    """One day of service: one unit, its date, its code and charge."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField()
    procedure_code = models.CharField(max_length=10)
    revenue_code = models.CharField(max_length=4)
    place_of_service = models.CharField(max_length=2)
    units = models.PositiveSmallIntegerField(default=1)
    charge = models.DecimalField(max_digits=9, decimal_places=2)
    authorization_number = models.CharField(max_length=60, blank=True)
    # The authorization whose unit this day uses (its units count the days on claims).
    authorization = models.ForeignKey(
        "iop.Authorization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    diagnosis_pointers = ArrayField(models.PositiveSmallIntegerField(), size=4)

    class Meta:
        ordering = ["service_date", "id"]
        indexes = [models.Index(fields=["clinic", "patient", "service_date"], name="line_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "claim", "service_date"], name="claimline_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} on {self.service_date}"


class ClaimFileStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Writing"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ClaimFile(TenantModel):
    """A batch of claims written as an X12 837 file (and a CSV of the same lines) by the
    worker; stored with its SHA-256 so what was sent can be proven later."""

    claim_format = models.CharField(max_length=4, choices=ClaimFormat.choices)
    claim_ids = ArrayField(models.BigIntegerField())
    status = models.CharField(
        max_length=10, choices=ClaimFileStatus.choices, default=ClaimFileStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Claims written so far.")
    content = models.TextField(blank=True)
    csv = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    created_by = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "created_at"], name="claimfile_created")]

    def __str__(self) -> str:
        return f"{self.claim_format} file {self.pk}"

    @property
    def total(self) -> int:
        return len(self.claim_ids)


# --- Remittances (835) -------------------------------------------------------------------------


class Remittance(TenantModel):
    """One imported 835 (005010X221A1): the payer's payment (BPR/TRN) and what it paid or
    adjusted on each of our claim lines. Stored with the file's SHA-256: the same file is
    never posted twice, nor the same check or EFT."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="remittances")
    sha256 = models.CharField(max_length=64)
    trace_number = models.CharField("check or EFT number", max_length=50)
    payment_method = models.CharField(max_length=3, help_text="BPR04: CHK, ACH, NON …")
    paid_on = models.DateField("payment date")
    payment_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_charge = models.DecimalField(max_digits=12, decimal_places=2)
    total_paid = models.DecimalField(max_digits=12, decimal_places=2)
    claim_count = models.PositiveIntegerField()
    content = models.TextField()
    created_by = models.ForeignKey("iop.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "sha256"], name="remittance_once_per_file"),
            models.UniqueConstraint(
                fields=["clinic", "payer", "trace_number"], name="remittance_once_per_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"Remittance {self.trace_number}"

    @property
    def total_adjusted(self) -> object:
        return self.total_charge - self.total_paid


class LineOutcome(models.TextChoices):
    PAID = "paid", "Paid in full"
    PARTIAL = "partial", "Partly paid"
    DENIED = "denied", "Denied"


class RemittanceLine(TenantModel):
    """What one 835 service line (SVC) posted to one of our claim lines: the amount paid, each
    adjustment (CAS group, CARC reason, amount) and the remark codes (LQ)."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="remittance_lines")
    claim_line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="postings")
    patient = models.ForeignKey("iop.Patient", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField()
    charge = models.DecimalField(max_digits=9, decimal_places=2)
    paid = models.DecimalField(max_digits=9, decimal_places=2)
    outcome = models.CharField(max_length=8, choices=LineOutcome.choices)
    # [{"group": "CO", "reason": "45", "amount": "25.00"}, …]
    adjustments = models.JSONField(default=list)
    reasons = ArrayField(models.CharField(max_length=5), default=list)
    # What the payer refused, not what the contract or the patient owes (CAS PR, CO-45).
    denied_amount = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    remarks = ArrayField(models.CharField(max_length=8), default=list)

    class Meta:
        ordering = ["service_date", "id"]
        indexes = [
            models.Index(fields=["clinic", "outcome", "service_date"], name="remitline_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.service_date}"


class SampleRemittance(TenantModel):
    """A sample 835 written by `seed_demo` from the demo's own submitted claims (one paid in
    full, one partly paid, one denied), offered for download on the import page."""

    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Sample 835 {self.pk}"
