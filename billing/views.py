"""Billing pages: the claim-readiness worklist and billing set-up (payers, billing providers).
Thin: parse, call a selector or service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from iop.models import Track
from iop.models.audit import AuditAction
from iop.roles import Capability
from iop.services import audit_record, records_viewed
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
    refusal_shown,
)

from . import codes, selectors, services
from .forms import DenialFilter, PayerForm, ProviderForm, RemittanceUploadForm, WorklistFilter
from .models import CLAIM_TRANSITIONS, ClaimFileStatus, ClaimFormat, ClaimStatus

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


# --- Claims and files ---------------------------------------------------------------------------


@clinic_page(C.BILLING_READ)
def claims(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    return render(
        request,
        "billing/claims.html",
        {"claims": selectors.claim_list(clinic=clinic)[:200],
         "files": selectors.claim_file_list(clinic=clinic)[:20],
         "formats": ClaimFormat.choices, "current": "billing-claims",
         "transitions": CLAIM_TRANSITIONS},
    )  # fmt: skip


@require_POST
@clinic_page(C.BILLING_MANAGE)
def claims_build(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    start, end = selectors.readiness_range(clinic, None, None)
    attempt(
        request,
        lambda: services.claims_build(clinic=clinic, actor=actor_of(request), start=start, end=end),
        success=lambda built: (
            f"Built {len(built)} claim{'s' if len(built) != 1 else ''} "
            "from this month's ready days."
        ),
    )
    return redirect(clinic_url(request, "billing-claims"))


@require_POST
@clinic_page(C.BILLING_MANAGE)
def claim_transition(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(clinic=clinic_of(request), claim_id=claim_id)
    status = request.POST.get("status", "")
    if status == "replace":
        attempt(
            request, lambda: services.claim_replace(claim, actor=actor_of(request)),
            success=lambda new: f"Replacement claim {new.pk} drafted.",
        )  # fmt: skip
    elif status not in ClaimStatus.values:
        messages.error(request, "Choose what to do with the claim.")
    else:
        attempt(
            request,
            lambda: services.claim_set_status(claim, actor=actor_of(request), status=status),
            success=f"Claim {claim.pk} is now {ClaimStatus(status).label.lower()}.",
        )
    return redirect(clinic_url(request, "billing-claims"))


@require_POST
@clinic_page(C.BILLING_MANAGE)
def file_request(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    claim_format = request.POST.get("claim_format", "")
    if claim_format not in ClaimFormat.values:
        messages.error(request, "Choose the file's format: 837I or 837P.")
        return redirect(clinic_url(request, "billing-claims"))
    ids = list(
        selectors.claim_list(clinic=clinic)
        .filter(claim_format=claim_format, status=ClaimStatus.READY)
        .values_list("pk", flat=True)
    )
    if not ids:
        messages.error(request, f"No ready {claim_format} claims: mark claims ready first.")
        return redirect(clinic_url(request, "billing-claims"))
    try:
        claim_file = services.claim_file_request(
            clinic=clinic, actor=actor_of(request), claim_format=claim_format, claim_ids=ids
        )
    except ValidationError as exc:
        refusal_shown(request, exc)
        return redirect(clinic_url(request, "billing-claims"))
    return redirect(clinic_url(request, "billing-file", claim_file_id=claim_file.pk))


@clinic_page(C.BILLING_READ)
def file_detail(request: HttpRequest, claim_file_id: int) -> HttpResponse:
    claim_file = selectors.claim_file_get(clinic=clinic_of(request), claim_file_id=claim_file_id)
    return render(request, "billing/file.html", {"file": claim_file, "current": "billing-claims"})


def _download(request: HttpRequest, claim_file_id: int, kind: str) -> HttpResponse:
    claim_file = selectors.claim_file_get(clinic=clinic_of(request), claim_file_id=claim_file_id)
    if claim_file.status != ClaimFileStatus.DONE:
        messages.info(request, "The file is not written yet; it is offered here when it is.")
        return redirect(clinic_url(request, "billing-file", claim_file_id=claim_file.pk))
    body, name, mime = services.claim_file_download(claim_file, actor=actor_of(request), kind=kind)
    response = HttpResponse(body, content_type=f"{mime}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@clinic_page(C.BILLING_READ)
def file_download(request: HttpRequest, claim_file_id: int) -> HttpResponse:
    return _download(request, claim_file_id, "837")


@clinic_page(C.BILLING_READ)
def file_csv(request: HttpRequest, claim_file_id: int) -> HttpResponse:
    return _download(request, claim_file_id, "csv")


# --- Remittances and denials -------------------------------------------------------------------


def _remittances_page(request: HttpRequest, form: RemittanceUploadForm) -> HttpResponse:
    clinic = clinic_of(request)
    return render(
        request,
        "billing/remittances.html",
        {"form": form, "remittances": selectors.remittance_list(clinic=clinic)[:100],
         "sample": selectors.sample_remittance(clinic=clinic) is not None,
         "current": "billing-remittances"},
    )  # fmt: skip


@clinic_page(C.BILLING_READ)
def remittances(request: HttpRequest) -> HttpResponse:
    """The imported 835s, and (for a biller) the form to import one."""
    return _remittances_page(request, RemittanceUploadForm())


@require_POST
@clinic_page(C.BILLING_MANAGE)
def remittance_import(request: HttpRequest) -> HttpResponse:
    """Post an uploaded 835; a refusal is shown beside the file field and nothing changes."""
    form = RemittanceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > services.MAX_REMITTANCE_BYTES:
                raise services.remittance_too_large()
            remittance = services.remittance_import(
                clinic=clinic_of(request), actor=actor_of(request), content=upload.read()
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            count = remittance.claim_count
            messages.success(
                request,
                f"Posted {count} claim{'s' if count != 1 else ''} from payment "
                f"{remittance.trace_number}.",
            )
            return redirect(clinic_url(request, "billing-remittance", remittance_id=remittance.pk))
    return _remittances_page(request, form)


@clinic_page(C.BILLING_READ)
def remittance_detail(request: HttpRequest, remittance_id: int) -> HttpResponse:
    """What one 835 posted: each line's charge, payment and adjustments in words."""
    clinic = clinic_of(request)
    remittance = selectors.remittance_get(clinic=clinic, remittance_id=remittance_id)
    lines = list(selectors.remittance_lines(remittance=remittance))
    rows = [
        {"line": line,
         "adjustments": [(a["group"], a["reason"], codes.carc_text(a["reason"]), a["amount"])
                         for a in line.adjustments],
         "remarks": [(code, codes.rarc_text(code)) for code in line.remarks]}
        for line in lines
    ]  # fmt: skip
    records_viewed(clinic=clinic, actor=actor_of(request), records=[line.claim for line in lines])
    return render(
        request,
        "billing/remittance.html",
        {"remittance": remittance, "rows": rows, "current": "billing-remittances"},
    )


@clinic_page(C.BILLING_MANAGE)
def remittance_sample(request: HttpRequest) -> HttpResponse:
    """The demo's sample 835, written by seed_demo from its own submitted claims."""
    sample = selectors.sample_remittance(clinic=clinic_of(request))
    if sample is None:
        raise Http404("No sample remittance in this clinic.")
    audit_record(clinic=clinic_of(request), actor=actor_of(request), action=AuditAction.VIEW,
                 obj=sample)  # fmt: skip
    response = HttpResponse(sample.content, content_type="application/edi-x12; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sample-835-{sample.pk}.x12"'
    return response


@clinic_page(C.BILLING_READ)
def denials(request: HttpRequest) -> HttpResponse:
    """Each denied or partly denied line, oldest first, with the reason in words and the
    readiness blocker that would have caught it; the dollars held, in all and by blocker."""
    clinic = clinic_of(request)
    reasons = [(code, f"{code} — {codes.carc_text(code)}")
               for code in selectors.denial_reasons(clinic=clinic)]  # fmt: skip
    form = DenialFilter(
        request.GET or None, payers=list(selectors.payer_list(clinic=clinic)), reasons=reasons
    )
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.denials(
        clinic=clinic, payer_id=data.get("payer"), reason=data.get("reason") or None
    )
    audit_record(clinic=clinic, actor=actor_of(request), action=AuditAction.VIEW)
    return render(
        request,
        "billing/denials.html",
        {"form": form, "denials": found, "current": "billing-denials"},
    )
