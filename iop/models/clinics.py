import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from iop import clock
from iop.roles import Role, role_can

from .tenancy import TenantModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as America/Chicago.")


class Clinic(models.Model):
    """The tenant: a treatment provider. Global table; everything else hangs off it."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True, help_text="Used in web addresses.")
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    require_mfa = models.BooleanField(
        "require two-factor sign-in",
        default=True,
        help_text="Every member must set up an authenticator app before using the clinic.",
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "sign out after idle minutes",
        default=15,
        validators=[MinValueValidator(2), MaxValueValidator(240)],
    )
    generate_weeks_ahead = models.PositiveSmallIntegerField(
        "weeks of sessions kept on the calendar",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    default_program_weeks = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    weekly_minimum_minutes_adult = models.PositiveIntegerField(
        default=9 * 60, help_text="ASAM 2.1: adults need at least 9 hours of service a week."
    )
    billable_day_minutes = models.PositiveIntegerField(
        default=3 * 60, help_text="H0015/S9480: a day bills as IOP with at least 3 hours."
    )
    weekly_minimum_minutes_adolescent = models.PositiveIntegerField(
        default=6 * 60, help_text="ASAM 2.1: adolescents need at least 6 hours a week."
    )
    makeup_window_days = models.PositiveSmallIntegerField(
        "make-up window (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Make-ups are proposed within this many days of the missed session.",
    )
    missed_grace_minutes = models.PositiveSmallIntegerField(
        "grace after a session ends (minutes)",
        default=30,
        validators=[MaxValueValidator(24 * 60)],
        help_text="The missed-session sweep looks at a session this long after it ends.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout_minutes__gte=2, idle_timeout_minutes__lte=240),
                name="clinic_idle_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(TenantModel):
    """A location of the clinic where groups meet."""

    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="site_unique_name_per_clinic"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in one clinic, with one role. Row-level security shows it to its
    clinic, and to its own person in any transaction bound to them (`tenancy.user_context`):
    it is read before a clinic is known — at sign-in, in the clinic chooser, and to resolve
    `/c/<slug>/` — and no clinic sees another's staff. Tenant rows that name a staff member
    point at `(clinic_id, id)`, so the database refuses a reference across clinics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the person took up the place. An invitation to someone who already has an account
    # (in another clinic) waits for them to accept it: until then the clinic sees only the
    # address it typed, and the person has no access. Made by the platform (a new clinic's
    # admin, a new person's invitation, the demo): in force at once.
    accepted_at = models.DateTimeField(null=True, blank=True, default=clock.now)

    class Meta:
        ordering = ["clinic__name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "user"], name="membership_unique_user"),
            # The target of the same-clinic references (iop.rls.SameClinicReference).
            models.UniqueConstraint(fields=["clinic", "id"], name="membership_clinic_key"),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.clinic}"

    def can(self, capability: str) -> bool:
        return self.is_active and self.is_accepted and role_can(self.role, capability)

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def shown_name(self) -> str:
        """Their name once they accepted; until then the address the clinic typed."""
        return self.user.display_name if self.is_accepted else self.user.email
