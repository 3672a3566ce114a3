"""The clinic's choices where a reporting definition leaves one (printed on every report)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from iop import clock
from iop.models import TenantModel


class ReportSettings(TenantModel):
    """One row a clinic; defaults (the TEDS/HEDIS readings) apply until a clinic saves its own."""

    completion_counts_transfers = models.BooleanField(
        "count transfers to further treatment as completion",
        default=True,
        help_text="SAMHSA TEDS counts 'transferred to further treatment' (and a step-down) "
        "with 'completed'.",
    )
    early_dropout_days = models.PositiveSmallIntegerField(
        "early drop-out: left within (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    measure_window_days = models.PositiveSmallIntegerField(
        "a measure counts 'at' admission, 30 days or discharge within (days)",
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="reportsettings_one_per_clinic"),
        ]

    def __str__(self) -> str:
        return "Report settings"


class PdfStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportPdf(TenantModel):
    """A report printed for a range and filters, rendered in the worker (reports.tasks). The
    bytes live in the row, written with `status=done` in one transaction, as the aftercare
    plan's PDF does; `outside` prints small cells as "< 11"."""

    report = models.CharField(max_length=20)
    filters = models.JSONField(help_text="The ReportFilter's fields, dates as ISO strings.")
    outside = models.BooleanField("for outside the clinic", default=False)
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
        indexes = [models.Index(fields=["clinic", "-requested_at"], name="reportpdf_recent")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(content__isnull=False, size__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                name="reportpdf_done_has_bytes",
            ),
        ]

    def __str__(self) -> str:
        return f"Report PDF {self.pk}"

    @property
    def filename(self) -> str:
        return f"report-{self.report}-{self.pk}{'-outside' if self.outside else ''}.pdf"
