"""The clinic's choices where a reporting definition leaves one (printed on every report)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

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
