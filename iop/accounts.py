"""allauth's adapter: staff accounts by invitation only, and sign-in throttles that say which
limit was hit and for how long.

The limits are `ACCOUNT_RATE_LIMITS["login_failed"]` (settings/base.py): several windows per
account (the sign-in address), each longer and more generous than the last, so waits grow with
repeated failures; and one per network address high enough that a clinic whose staff all sign
in through one public address never reaches it."""

import math
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from iop import clock

LOGIN_FAILED = "login_failed"
ALLAUTH_ACCOUNT = "allauth.account"


def _wait_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts only: people join a clinic by invitation, never by signing up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            raise self._throttled(request, key=key) from None

    def _throttled(self, request: HttpRequest, *, key: str) -> ValidationError:
        """The refusal, naming the limit that is full (the account's or the address's) and
        when the oldest failure that fills it drops out of its window."""
        now = clock.timestamp()
        waits: dict[str, float] = {}
        for rate in ratelimit.get_rates(app=ALLAUTH_ACCOUNT, action=LOGIN_FAILED):
            cache_key = ratelimit.get_cache_key(
                request, app=ALLAUTH_ACCOUNT, action=LOGIN_FAILED, rate=rate, key=key
            )
            # Newest first, as allauth keeps them.
            history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
            if len(history) >= rate.amount:
                wait = history[rate.amount - 1] + rate.duration - now
                waits[rate.per] = max(waits.get(rate.per, 0.0), wait)
        if "key" in waits:
            return ValidationError(
                "Too many failed sign-ins for this account. It is locked for "
                f"{_wait_text(waits['key'])}; colleagues can still sign in. To get in sooner, "
                "choose a new password with “Forgot your password?”.",
                code="too_many_login_attempts",
            )
        wait = waits.get("ip", 60.0)
        return ValidationError(
            f"Too many failed sign-ins from this network address. Try again in {_wait_text(wait)}.",
            code="too_many_login_attempts",
        )
