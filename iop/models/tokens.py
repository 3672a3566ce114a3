import hashlib
import secrets

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "iop_"  # noqa: S105 - a marker, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A REST client's credential, bound to one membership (so to one clinic and one role).

    Only the SHA-256 of the token is stored; the token itself is shown once. Row-level
    security shows a token to its clinic, and to a transaction that presents its secret
    (`tenancy.bind_token_hash`): authentication finds it before the clinic is known.
    """

    # The membership's clinic, on the row so its policy can check it; the database keeps
    # the two equal (a same-clinic reference to the membership).
    clinic = models.ForeignKey("iop.Clinic", on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        "iop.Membership", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Billing export”.")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
