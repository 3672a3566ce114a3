"""Sign-in, sign-out and MFA changes go to the audit trail of each clinic the person works
for; sign-in also fixes the session's idle limit; a password set through a mailed link (an
invitation's or a reset's) verifies the address."""

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.adapter import get_adapter
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from iop import clock
from iop.middleware import (
    SESSION_CLINIC_COUNT,
    SESSION_IDLE_LIMIT,
    SESSION_LAST_SEEN,
    SESSION_MFA_OK_UNTIL,
)
from iop.models import User
from iop.models.audit import AuditAction
from iop.selectors import idle_limits_of
from iop.services import audit_for_user_clinics, audit_record, user_email_confirm

DEFAULT_IDLE_MINUTES = 15


@receiver(auth_signals.user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    minutes = idle_limits_of(user=user)
    request.session[SESSION_IDLE_LIMIT] = 60 * min(minutes or [DEFAULT_IDLE_MINUTES])
    request.session[SESSION_CLINIC_COUNT] = len(minutes)
    request.session[SESSION_LAST_SEEN] = clock.timestamp()
    audit_for_user_clinics(user=user, action=AuditAction.LOGIN)


@receiver(auth_signals.user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_for_user_clinics(user=user, action=AuditAction.LOGOUT)


@receiver(auth_signals.user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        # Unknown address: a platform event no clinic sees; the address itself is not kept.
        audit_record(clinic=None, actor=None, action=AuditAction.LOGIN_FAILED)
    else:
        audit_for_user_clinics(user=user, action=AuditAction.LOGIN_FAILED)


@receiver(mfa_signals.authenticator_added)
@receiver(mfa_signals.authenticator_removed)
@receiver(mfa_signals.authenticator_reset)
def on_mfa_change(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_MFA_OK_UNTIL, None)  # the state changed: ask again
    audit_for_user_clinics(user=user, action=AuditAction.MFA)


@receiver(account_signals.password_reset)
def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # The key came by mail to user.email: following it proves the address, and lifts a
    # sign-in lock on it (allauth lifts it only for addresses it already knew).
    user_email_confirm(user=user)
    get_adapter(request)._delete_login_attempts_cached_email(request, email=user.email)
