from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from iop.bounds import value_problem


class TenantModel(models.Model):
    """Base of every clinic-owned table: `clinic_id` on the row itself, child rows included.

    Each concrete subclass gets its row-level-security policy in its migration
    (`iop.rls.EnableRowLevelSecurity`); a catalog test fails when one is missing.
    """

    clinic = models.ForeignKey("iop.Clinic", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        """Django's field checks, and what no record may hold on any field: a date outside
        the years both the database and Python read back, NUL and control characters."""
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in errors or (exclude and field.name in exclude):
                continue
            problem = value_problem(getattr(self, field.attname))
            if problem:
                errors[field.name] = [problem]
        if errors:
            raise ValidationError(errors)
