"""API authentication. Either way, the request ends up bound to one membership, and the
transaction (opened by ClinicMiddleware for /api/v1/) to that membership's clinic."""

from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from iop import tenancy
from iop.models import Membership
from iop.selectors import api_token_authenticate, membership_for, user_needs_mfa_setup
from iop.services import api_token_touch


def bind_membership(request: Request, membership: Membership) -> None:
    django_request: HttpRequest = request._request
    django_request.clinic = membership.clinic  # type: ignore[attr-defined]
    django_request.membership = membership  # type: ignore[attr-defined]
    if tenancy.bound_clinic_id() != membership.clinic_id:  # a token's lookup bound it already
        tenancy.activate(membership.clinic_id)


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer iop_…` — a token created for one membership."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as: Authorization: Bearer <token>."
            )
        token = api_token_authenticate(raw=parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        bind_membership(request, token.membership)
        api_token_touch(token=token)
        return token.membership.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ClinicSessionAuthentication(SessionAuthentication):
    """A signed-in browser (CSRF enforced). The clinic is named in the `X-Clinic` header on
    every request — never guessed from whichever clinic another tab opened last."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        slug = request.headers.get("X-Clinic", "")
        membership = membership_for(user_id=user.pk, clinic_slug=slug) if slug else None
        if membership is None:
            raise exceptions.AuthenticationFailed(
                "Name the clinic in the X-Clinic header (its slug, e.g. X-Clinic: demo)."
            )
        if user_needs_mfa_setup(user=user):
            raise exceptions.PermissionDenied("Set up two-factor sign-in first.")
        bind_membership(request, membership)
        return result
