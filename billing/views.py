"""Billing pages: the claim-readiness worklist and billing set-up (payers, billing providers).
Thin: parse, call a selector or service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from iop.models import Track
from iop.models.audit import AuditAction
from iop.roles import Capability
from iop.services import audit_record
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url, form_errors_from

from . import selectors, services
from .forms import PayerForm, ProviderForm, WorklistFilter

C = Capability


@clinic_page(C.BILLING_READ)
def worklist(request: HttpRequest) -> HttpResponse:
    """Every attended day of the range, oldest first, with what holds it back; the days and
    dollars each blocker holds."""
    clinic = clinic_of(request)
    payers = list(selectors.payer_list(clinic=clinic))
    tracks = list(Track.objects.filter(clinic=clinic).order_by("name"))
    form = WorklistFilter(
        request.GET or None, payers=payers, tracks=tracks, blockers=selectors.BLOCKERS
    )
    data = form.cleaned_data if form.is_valid() else {}
    start, end = selectors.readiness_range(clinic, data.get("start"), data.get("end"))
    blocker = data.get("blocker") or None
    readiness = selectors.claim_readiness(
        clinic=clinic, start=start, end=end, payer_id=data.get("payer"),
        track_id=data.get("track"), blocker=None if blocker == "ready" else blocker,
    )  # fmt: skip
    days = readiness.days
    if blocker == "ready":
        days = [d for d in days if d.ready]
    # One event for the worklist read: it shows patients' billable days and diagnosis codes.
    audit_record(clinic=clinic, actor=actor_of(request), action=AuditAction.VIEW)
    return render(
        request,
        "billing/worklist.html",
        {"form": form, "readiness": readiness, "days": days, "start": start, "end": end,
         "current": "billing-worklist"},
    )  # fmt: skip


@clinic_page(C.BILLING_READ)
def setup(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    return render(
        request,
        "billing/setup.html",
        {"payers": list(selectors.payer_list(clinic=clinic)),
         "providers": list(selectors.provider_list(clinic=clinic)),
         "current": "billing-setup"},
    )  # fmt: skip


def _payer_form(request: HttpRequest, payer: object = None) -> HttpResponse:
    form = PayerForm(request.POST or None, instance=payer)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if payer is None:
                saved = services.payer_create(
                    clinic=clinic_of(request), actor=actor_of(request), **fields
                )
            else:
                saved = services.payer_update(payer, actor=actor_of(request), **fields)  # type: ignore[arg-type]
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Saved the payer {saved.name}.")
            return redirect(clinic_url(request, "billing-setup"))
    title = "Edit payer" if payer else "Add a payer"
    return render(
        request, "billing/form.html", {"form": form, "title": title, "current": "billing-setup"}
    )


@clinic_page(C.BILLING_MANAGE)
def payer_create(request: HttpRequest) -> HttpResponse:
    return _payer_form(request)


@clinic_page(C.BILLING_MANAGE)
def payer_edit(request: HttpRequest, payer_id: int) -> HttpResponse:
    return _payer_form(request, selectors.payer_get(clinic=clinic_of(request), payer_id=payer_id))


def _provider_form(request: HttpRequest, provider: object = None) -> HttpResponse:
    clinic = clinic_of(request)
    form = ProviderForm(request.POST or None, instance=provider, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if provider is None:
                services.provider_create(clinic=clinic, actor=actor_of(request), **fields)
            else:
                services.provider_update(provider, actor=actor_of(request), **fields)  # type: ignore[arg-type]
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Saved the billing provider.")
            return redirect(clinic_url(request, "billing-setup"))
    title = "Edit billing provider" if provider else "Add a billing provider"
    return render(
        request, "billing/form.html", {"form": form, "title": title, "current": "billing-setup"}
    )


@clinic_page(C.BILLING_MANAGE)
def provider_create(request: HttpRequest) -> HttpResponse:
    return _provider_form(request)


@clinic_page(C.BILLING_MANAGE)
def provider_edit(request: HttpRequest, billing_provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(clinic=clinic_of(request), provider_id=billing_provider_id)
    return _provider_form(request, provider)
