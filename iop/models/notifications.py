from django.db import models

from .tenancy import TenantModel


class Notification(TenantModel):
    """A message for one staff member inside the app (e.g. "3 missed sessions need a
    make-up decision"). The matching email says only that something is waiting: patient
    details never leave the clinic's systems by mail."""

    recipient = models.ForeignKey("iop.User", on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "recipient", "read_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk}"
