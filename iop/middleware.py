"""Request plumbing: request ids, idle sign-out, the clinic of the request, enforced MFA,
the Permissions-Policy header."""

import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
    logout,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode

from iop import clock, tenancy
from iop.models import User
from iop.request_meta import RequestMeta, current_request
from iop.selectors import membership_for, user_mfa_state
from iop.services import audit_idle_logoff

Handler = Callable[[HttpRequest], HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class PermissionsPolicyMiddleware:
    """Turns off browser features (camera, microphone, geolocation…) for every page and the
    API: Django has no setting for this header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# A proxy's request id is kept when it looks like one: letters, digits, "-" and "_", starting
# with a letter or digit (so it is never a spreadsheet formula in the audit export).
REQUEST_ID = re.compile(r"[A-Za-z0-9][-\w]{7,63}", re.ASCII)


class RequestIdMiddleware:
    """Gives every request an id (or keeps a proxy's X-Request-ID) for logs and audit."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = current_request.set(RequestMeta(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


SESSION_LAST_SEEN = "iop_last_seen"
SESSION_IDLE_LIMIT = "iop_idle_seconds"
SESSION_CLINIC_COUNT = "iop_clinic_count"  # for the top bar's "Switch clinic"
SESSION_CLINIC_ID = "iop_clinic_id"  # of the session's `clinic_slug`, bound before it is read
# Until when (a timestamp) the person's MFA state was found fine: checked again after this
# long, and at once after they add, remove or reset an authenticator (iop/signals.py).
SESSION_MFA_OK_UNTIL = "iop_mfa_ok_until"
MFA_RECHECK_SECONDS = 300


class IdleLogoffMiddleware:
    """Signs a person out after the clinic's idle period (HIPAA automatic logoff).

    The limit is stored in the session at sign-in: the shortest of the person's clinics.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Whether someone signed in to this session, without reading the person yet: the
        # clinic's membership read brings them along (ClinicMiddleware).
        if SESSION_KEY in request.session and SESSION_IDLE_LIMIT in request.session:
            now = clock.timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            limit = int(request.session[SESSION_IDLE_LIMIT])
            if now - last_seen > limit:
                if request.user.is_authenticated:
                    audit_idle_logoff(user=request.user)
                logout(request)
                if request.path.startswith("/api/"):
                    return HttpResponse(status=401)
                messages.info(
                    request, f"You were signed out after {limit // 60} minutes without activity."
                )
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
            # Save at most every 30 s: a page's burst of requests writes the session once.
            if now - last_seen > 30 or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


CLINIC_PATH = re.compile(r"^/c/(?P<slug>[-a-zA-Z0-9_]+)/")


def session_user_id(request: HttpRequest) -> int | None:
    """The id of the person this session was signed in as, before they are read (None: no
    one). Django reads the person by itself on first use of `request.user`; a clinic page
    reads them with the membership instead (`adopt_session_user`)."""
    try:
        return int(request.session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def adopt_session_user(request: HttpRequest, user: User) -> bool:
    """Take `user` (read with the membership) as `request.user` when it passes what Django's
    `auth.get_user` checks of a session: a configured backend that lets the person sign in,
    and the session's hash of their password. False when any of it fails: Django's own
    `get_user` then decides (the fallback secrets, flushing the session) on first use."""
    session = request.session
    backend_path = session.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    # ModelBackend's rule (allauth's backend inherits it); any other backend: Django decides.
    can_authenticate = getattr(load_backend(backend_path), "user_can_authenticate", None)
    if can_authenticate is None or not can_authenticate(user):
        return False
    session_hash = session.get(HASH_SESSION_KEY) or ""
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return False
    request._cached_user = user  # type: ignore[attr-defined]  # AuthenticationMiddleware's cache
    return True


class ClinicMiddleware:
    """Resolves the clinic once per request and binds the database transaction to it.

    `/c/<slug>/…`: the signed-in person must be an active member, otherwise 404 — the same
    answer as for a clinic that does not exist. The whole view then runs in one transaction
    with `app.clinic_id` set, so row-level security scopes every query (and `app.user_id`,
    so the person's own memberships elsewhere stay readable: MFA, the clinic switcher).
    `/api/…` and `/fhir/…`: one transaction too; the API's authentication binds the clinic
    of the token.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.clinic = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        match = CLINIC_PATH.match(request.path_info)
        if match:
            user_id = session_user_id(request)
            if user_id is None:
                return self.sign_in_first(request)
            # One transaction for the whole view, bound to the person (their membership is
            # read before the clinic is known) and then to the clinic. The clinic this
            # session last worked in is bound with the person in one statement; the
            # membership read then confirms it (or, for another clinic, rebinds). The
            # person comes with the membership; Django's session checks still apply.
            slug = match["slug"]
            known = request.session.get(SESSION_CLINIC_ID)
            known = known if request.session.get("clinic_slug") == slug else None
            with tenancy.request_scope(user_id=user_id, clinic_id=known):
                membership = membership_for(user_id=user_id, clinic_slug=slug, clinic_id=known)
                if membership is None and known is not None:
                    membership = membership_for(user_id=user_id, clinic_slug=slug)
                if membership is None or not adopt_session_user(request, membership.user):
                    if not request.user.is_authenticated:
                        return self.sign_in_first(request)
                    # Django's own check kept them signed in (a rotated secret): still
                    # this person, and still no membership here unless one was found.
                    if membership is None or request.user.pk != membership.user_id:
                        raise Http404("No such clinic.")
                request.clinic = membership.clinic  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                # A clinic whose idle limit was lowered after sign-in: the stricter one wins.
                limit = membership.clinic.idle_timeout_minutes * 60
                if request.session.get(SESSION_IDLE_LIMIT, limit) > limit:
                    request.session[SESSION_IDLE_LIMIT] = limit
                if request.session.get("clinic_slug") != membership.clinic.slug:
                    request.session["clinic_slug"] = membership.clinic.slug
                if request.session.get(SESSION_CLINIC_ID) != membership.clinic_id:
                    request.session[SESSION_CLINIC_ID] = membership.clinic_id
                if membership.clinic_id != known:
                    tenancy.activate(membership.clinic_id)
                timezone.activate(zoneinfo.ZoneInfo(membership.clinic.timezone))
                try:
                    return self.get_response(request)
                finally:
                    timezone.deactivate()
        if request.path_info.startswith(("/api/v1/", "/fhir/")):
            # A browser's session names its person; a token's is found by the API's auth.
            person = request.user.pk if request.user.is_authenticated else None
            with tenancy.request_scope(user_id=person):
                return self.get_response(request)
        return self.get_response(request)

    @staticmethod
    def sign_in_first(request: HttpRequest) -> HttpResponse:
        login = reverse("account_login")
        return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/api/", "/fhir/")


class RequireMfaMiddleware:
    """allauth has no "require MFA" switch: members of a clinic that requires it are sent to
    set up an authenticator app before they can use anything else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path_info.startswith(MFA_EXEMPT_PREFIXES)
            and self.needs_setup(request)
        ):
            messages.warning(
                request,
                "Your clinic requires two-factor sign-in. Set up an authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def needs_setup(request: HttpRequest) -> bool:
        """Asked of the database at most every few minutes per session: a state found fine
        is kept in the session until then (a clinic that starts requiring MFA reaches its
        members within that time); one that needs setup is asked again on every page."""
        now = clock.timestamp()
        if request.session.get(SESSION_MFA_OK_UNTIL, 0) > now:
            return False
        needs, _has_totp = user_mfa_state(user=request.user)  # type: ignore[arg-type]
        if not needs:
            request.session[SESSION_MFA_OK_UNTIL] = now + MFA_RECHECK_SECONDS
        return needs
