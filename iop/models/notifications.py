from django.db import models

from .tenancy import TenantModel


def unread_cache_key(membership_id: int) -> str:
    """Where the header's unread count is kept (iop.selectors.notification_unread_count)."""
    return f"notifications:unread:{membership_id}"


class NotificationKind(models.TextChoices):
    """What a notification is about. Each kind has its own email sentence (iop/services/core.py
    `NOTIFICATION_EMAIL`), none of which names a patient."""

    GENERAL = "general", "Something is waiting"
    MAKEUP = "makeup", "Missed sessions"
    SAFETY_TASK = "safety_task", "Safety follow-up"
    SAFETY_ESCALATION = "safety_escalation", "Safety follow-up not closed"
    MEDICATION_FLAG = "medication_flag", "Medication-assisted treatment flag"
    RECOLLECTION = "recollection", "Observed recollection needed"


class Notification(TenantModel):
    """A message for one staff member inside the app (e.g. "3 missed sessions need a
    make-up decision"). The matching email says only that something is waiting: patient
    details never leave the clinic's systems by mail.

    `target_type`/`target_id` name the record it is about ("progress.safetytask", 42), so a
    feature can find the notifications of its record (an escalation sent once) without the
    core knowing the feature's models."""

    # The person in their place at this clinic (a membership: one user, one clinic, one role).
    recipient = models.ForeignKey("iop.Membership", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        max_length=30, choices=NotificationKind.choices, default=NotificationKind.GENERAL
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["clinic", "target_type", "target_id"], name="notification_target"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk}"
