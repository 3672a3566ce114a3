"""Browser pages of the core app. Thin: parse, call a service or selector, render.

Every page under /c/<slug>/ runs after ClinicMiddleware resolved the membership; each view
names the capability it needs (a matrix test pins them).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iop import clock, selectors, services
from iop.forms import (
    ApiTokenForm,
    AuditFilterForm,
    ClinicSettingsForm,
    MembershipForm,
    SiteForm,
    StaffInviteForm,
)
from iop.models import AuditEvent, Clinic, User
from iop.models.audit import AuditAction
from iop.roles import Capability
from iop.selectors import AuditFilters
from iop.services import DomainError
from iop.spreadsheets import csv_response

C = Capability
View = Callable[..., HttpResponse]


def clinic_page(capability: str) -> Callable[[View], View]:
    """A page inside a clinic that needs `capability`. Clinical pages are never cached."""

    def decorate(view: View) -> View:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, clinic_slug: str, **kwargs: Any) -> HttpResponse:
            if not request.membership.can(capability):  # type: ignore[attr-defined]
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorate


def clinic_of(request: HttpRequest) -> Clinic:
    return request.clinic  # type: ignore[attr-defined]


def actor_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def clinic_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"clinic_slug": clinic_of(request).slug, **kwargs})


def refusal_shown(request: HttpRequest, exc: ValidationError | DomainError) -> None:
    """Put a service's refusal on the next page as one error message."""
    text = str(exc) if isinstance(exc, DomainError) else " ".join(exc.messages)
    messages.error(request, text)


def attempt(
    request: HttpRequest, call: Callable[[], Any], *, success: str | Callable[[Any], str] = ""
) -> bool:
    """Call a service for a POST that redirects whatever happens: a refusal (DomainError or
    ValidationError) is shown as an error message, and `success` (a text, or one made from
    the service's result) as a success message. True when the service went through."""
    try:
        result = call()
    except (ValidationError, DomainError) as exc:
        refusal_shown(request, exc)
        return False
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return True


def form_errors_from(form: Any, exc: ValidationError | DomainError) -> None:
    """Put a service's refusal on the form, beside the field it is about."""
    if isinstance(exc, DomainError):
        form.add_error(None, str(exc))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Landing ----------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One clinic and no invitation: straight in. Several, or an invitation to answer:
    choose. None: say so."""
    memberships = list(selectors.memberships_of(user=actor_of(request)))
    invitations = list(selectors.invitations_of(user=actor_of(request)))
    if len(memberships) == 1 and not invitations:
        return redirect("clinic-home", clinic_slug=memberships[0].clinic.slug)
    return render(
        request,
        "iop/choose_clinic.html",
        {"memberships": memberships, "invitations": invitations},
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Accept or decline an invitation to a clinic (the invited person only)."""
    user = actor_of(request)
    invitation = selectors.invitation_get(user=user, membership_id=membership_id)
    if request.POST.get("answer") == "accept":
        services.membership_accept(invitation, user=user)
        messages.success(request, f"You joined {invitation.clinic.name}.")
        return redirect("clinic-home", clinic_slug=invitation.clinic.slug)
    services.membership_decline(invitation, user=user)
    messages.success(request, f"You declined the invitation to {invitation.clinic.name}.")
    return redirect("home")


@login_required
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """Activity in an open page (typing a note) counts as activity for the idle limit."""
    return HttpResponse(status=204)


# --- Staff ------------------------------------------------------------------------------------


@clinic_page(C.STAFF_READ)
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_list(clinic=clinic_of(request))
    return render(request, "iop/staff_list.html", {"staff": staff})


@clinic_page(C.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_invite(
                clinic=clinic_of(request), actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Invitation sent to {membership.user.email}.")
            return redirect(clinic_url(request, "staff-list"))
    return render(request, "iop/staff_invite.html", {"form": form})


@clinic_page(C.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.staff_get(clinic=clinic_of(request), membership_id=membership_id)
    form = MembershipForm(
        request.POST or None,
        initial={"role": membership.role, "is_active": membership.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership=membership,
                actor=actor_of(request),
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
            membership.refresh_from_db()
        else:
            messages.success(request, f"Saved {membership.shown_name}.")
            return redirect(clinic_url(request, "staff-list"))
    return render(request, "iop/staff_edit.html", {"form": form, "member": membership})


# --- Sites and settings -----------------------------------------------------------------------


@clinic_page(C.STAFF_READ)
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "iop/site_list.html", {"sites": selectors.site_list(clinic=clinic_of(request))}
    )


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "is_active"}
        try:
            services.site_create(clinic=clinic_of(request), actor=actor_of(request), **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Site “{data['name']}” added.")
            return redirect(clinic_url(request, "site-list"))
    return render(request, "iop/site_form.html", {"form": form, "site": None})


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get(clinic=clinic_of(request), site_id=site_id)
    form = SiteForm(request.POST or None, initial=model_to_dict(site))
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(site=site, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Site saved.")
            return redirect(clinic_url(request, "site-list"))
    return render(request, "iop/site_form.html", {"form": form, "site": site})


@clinic_page(C.CLINIC_CONFIGURE)
@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    # The form validates a copy: the service compares against the stored values.
    form = ClinicSettingsForm(request.POST or None, instance=Clinic.objects.get(pk=clinic.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_update(clinic=clinic, actor=actor_of(request), **form.setting_values())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect(clinic_url(request, "clinic-settings"))
    return render(request, "iop/clinic_settings.html", {"form": form})


# --- API tokens -------------------------------------------------------------------------------


@clinic_page(C.TOKENS_MANAGE)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    # A token acts as the person who creates it: nobody mints a colleague's access.
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.api_token_create(
            membership=request.membership,  # type: ignore[attr-defined]
            actor=actor_of(request),
            name=form.cleaned_data["name"],
        )
        form = ApiTokenForm()
    tokens = selectors.api_token_list(clinic=clinic)
    return render(
        request, "iop/token_list.html", {"form": form, "tokens": tokens, "new_secret": new_secret}
    )


@clinic_page(C.TOKENS_MANAGE)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(clinic=clinic_of(request), token_id=token_id)
    services.api_token_revoke(token=token, actor=actor_of(request))
    messages.success(request, f"Token “{token.name}” revoked; clients using it are refused now.")
    return redirect(clinic_url(request, "token-list"))


# --- Audit trail ------------------------------------------------------------------------------


def _audit_events(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    clinic = clinic_of(request)
    form = AuditFilterForm(request.GET or None, clinic=clinic)
    filters = AuditFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = AuditFilters(
            patient_id=data["patient"],
            actor_id=data["actor"].user_id if data["actor"] else None,
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    elif form.is_bound:
        return form, AuditEvent.objects.none()
    return form, selectors.audit_event_list(clinic=clinic, filters=filters)


@clinic_page(C.AUDIT_READ)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    selectors.attach_patients(clinic=clinic_of(request), events=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "iop/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


AUDIT_EXPORT_LIMIT = 100_000


@clinic_page(C.AUDIT_READ)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    if form.is_bound and not form.is_valid():
        return redirect(f"{clinic_url(request, 'audit-list')}?{request.GET.urlencode()}")
    clinic = clinic_of(request)
    services.audit_record(clinic=clinic, actor=actor_of(request), action=AuditAction.EXPORT)
    stamp = clock.local_now(clinic).strftime("%Y%m%d-%H%M")
    header = ["time", "action", "staff email", "patient id", "object type", "object id",
              "changed fields", "ip", "request id"]  # fmt: skip
    rows = (
        [
            event.created_at.isoformat(),
            event.action,
            event.actor.email if event.actor else "",
            event.patient_id or "",
            event.object_type,
            event.object_id,
            " ".join(event.changed_fields),
            event.ip or "",
            event.request_id,
        ]
        for event in events[:AUDIT_EXPORT_LIMIT]
    )
    return csv_response(f"audit-{clinic.slug}-{stamp}.csv", header, rows)


# --- Notifications ----------------------------------------------------------------------------


@clinic_page(Capability.PATIENTS_READ)
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications: unread first, then the last read ones."""
    clinic, membership = clinic_of(request), request.membership  # type: ignore[attr-defined]
    rows = selectors.notification_list(clinic=clinic, membership=membership)
    return render(
        request,
        "iop/notification_list.html",
        {
            "unread": list(rows.filter(read_at__isnull=True)[:100]),
            "read": list(rows.filter(read_at__isnull=False)[:20]),
        },
    )


@clinic_page(Capability.PATIENTS_READ)
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification marks it read and goes where it points."""
    clinic, membership = clinic_of(request), request.membership  # type: ignore[attr-defined]
    note = selectors.notification_get(
        clinic=clinic, membership=membership, notification_id=notification_id
    )
    services.notification_mark_read(clinic=clinic, membership=membership, notifications=[note])
    # Only our own paths: a stored URL never sends the person off the site.
    target = note.url if note.url.startswith(f"/c/{clinic.slug}/") else ""
    return redirect(target or clinic_url(request, "notification-list"))


@clinic_page(Capability.PATIENTS_READ)
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and stay on the list."""
    clinic, membership = clinic_of(request), request.membership  # type: ignore[attr-defined]
    note = selectors.notification_get(
        clinic=clinic, membership=membership, notification_id=notification_id
    )
    services.notification_mark_read(clinic=clinic, membership=membership, notifications=[note])
    messages.success(request, "Marked as read.")
    return redirect(clinic_url(request, "notification-list"))
