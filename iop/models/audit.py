from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from iop import clock


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    MFA = "mfa", "Two-factor change"
    IDLE_LOGOFF = "idle_logoff", "Signed out after idle time"


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. Append-only: the database refuses
    UPDATE and DELETE (trigger + revoked privileges). Holds field *names*, never values.

    `clinic` is empty only for platform events with no clinic (a failed sign-in for an
    unknown address); such rows are invisible to every clinic.
    """

    clinic = models.ForeignKey(
        "iop.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A plain id, not a foreign key: the trail outlives any record it mentions.
    patient_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    changed_fields = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-created_at"], name="audit_clinic_time"),
            models.Index(fields=["clinic", "patient_id", "-created_at"], name="audit_patient"),
            models.Index(fields=["clinic", "actor", "-created_at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"
