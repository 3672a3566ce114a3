from django.db import models


class TenantModel(models.Model):
    """Base of every clinic-owned table: `clinic_id` on the row itself, child rows included.

    Each concrete subclass gets its row-level-security policy in its migration
    (`iop.rls.EnableRowLevelSecurity`); a catalog test fails when one is missing.
    """

    clinic = models.ForeignKey("iop.Clinic", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True
