"""Aftercare pages: the plan editor, the plan (versions, workflow, PDFs with htmx polling),
and the case manager's follow-up queue. Thin: parse, call a service or selector, render."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iop import clock
from iop import selectors as core_selectors
from iop.models import Enrollment
from iop.roles import Capability
from iop.services import DomainError, patient_chart_viewed
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
    refusal_shown,
)

from . import selectors, services
from .forms import (
    LIST_FORMS,
    FollowUpForm,
    PdfRequestForm,
    PlanCreateForm,
    PlanForm,
    TransitionForm,
    list_formsets,
    rows_of,
)
from .models import AftercarePdf, AftercarePlan, PdfStatus, PlanStatus

C = Capability


def _membership(request: HttpRequest) -> Any:
    return request.membership  # type: ignore[attr-defined]


def _plan_url(request: HttpRequest, plan: AftercarePlan, name: str = "aftercare-plan") -> str:
    return clinic_url(request, name, aftercare_plan_id=plan.pk)


@clinic_page(C.AFTERCARE_WRITE)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core_selectors.patient_get(clinic=clinic, patient_id=patient_id)
    enrollments = Enrollment.objects.filter(clinic=clinic, patient=patient).exclude(
        pk__in=AftercarePlan.objects.filter(clinic=clinic, patient=patient).values("enrollment")
    )
    form = PlanCreateForm(request.POST or None, enrollments=enrollments.select_related("track"))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.aftercare_plan_create(
                enrollment=form.cleaned_data["enrollment"], actor=actor_of(request)
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Plan started, prefilled from the chart.")
            return redirect(_plan_url(request, plan, "aftercare-plan-edit"))
    return render(
        request,
        "aftercare/plan_create.html",
        {"form": form, "patient": patient, "has_choices": enrollments.exists()},
    )


def _initial_lists(plan: AftercarePlan) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            {f: getattr(row, f) for f in fields}
            for row in model._default_manager.filter(clinic_id=plan.clinic_id, plan=plan)
        ]
        for name, (model, fields) in services.PLAN_LISTS.items()
    }


@clinic_page(C.AFTERCARE_WRITE)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, aftercare_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
    if not plan.is_editable:
        messages.warning(
            request,
            "This version is signed and final: revise it to make changes."
            if plan.is_signed
            else "This plan is in review: move it back to draft to edit it.",
        )
        return redirect(_plan_url(request, plan))
    data = request.POST or None
    form = PlanForm(data, initial=model_to_dict(plan, fields=services.PLAN_FIELDS))
    formsets = list_formsets(data, initial=_initial_lists(plan))
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for f in formsets.values())
    ):
        lists = {name: rows_of(formset) for name, formset in formsets.items()}
        try:
            services.aftercare_plan_update(
                plan, actor=actor_of(request), lists=lists, **form.cleaned_data
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Plan saved.")
            return redirect(_plan_url(request, plan))
    elif request.method == "GET":
        patient_chart_viewed(patient=plan.patient, actor=actor_of(request))
    sections = [
        (name, title, hint, formsets[name]) for name, (title, _form, hint) in LIST_FORMS.items()
    ]
    list_errors = [
        (title, error)
        for name, title, _hint, formset in sections
        for error in [*formset.non_form_errors(), *(e for f in formset.errors for e in f.values())]
        if formset.is_bound
    ]
    return render(
        request,
        "aftercare/plan_edit.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "form": form,
            "sections": sections,
            "list_errors": list_errors,
        },
    )


def _plan_page(request: HttpRequest, plan: AftercarePlan, **extra: Any) -> HttpResponse:
    context = {
        "plan": plan,
        "patient": plan.patient,
        "versions": selectors.plan_versions(plan=plan),
        "pdfs": selectors.pdfs_of(plan=plan) if plan.is_signed else [],
        "support_groups": list(plan.support_groups.all()),
        "contacts": list(plan.contacts.all()),
        "medications": list(plan.medications.all()),
        "appointments": list(plan.appointments.all()),
        "transition_form": TransitionForm(),
        "pdf_form": PdfRequestForm(),
        "PlanStatus": PlanStatus,
        **extra,
    }
    return render(request, "aftercare/plan_detail.html", context)


@clinic_page(C.AFTERCARE_READ)
@require_GET
def plan_detail(request: HttpRequest, aftercare_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
    patient_chart_viewed(patient=plan.patient, actor=actor_of(request))
    return _plan_page(request, plan)


@clinic_page(C.AFTERCARE_WRITE)
@require_POST
def plan_transition(request: HttpRequest, aftercare_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with the plan.")
        return redirect(_plan_url(request, plan))
    try:
        services.aftercare_plan_transition(plan, actor=actor_of(request), **form.cleaned_data)
    except (ValidationError, DomainError) as exc:
        form_errors_from(form, exc)
        plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
        return _plan_page(request, plan, transition_form=form)
    done = {
        PlanStatus.IN_REVIEW: "Sent for review.",
        PlanStatus.DRAFT: "Back to draft.",
        PlanStatus.SIGNED: "Signed. This version is now final.",
    }
    messages.success(request, done[form.cleaned_data["status"]])
    return redirect(_plan_url(request, plan))


@clinic_page(C.AFTERCARE_WRITE)
@require_POST
def plan_revise(request: HttpRequest, aftercare_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
    try:
        draft = services.aftercare_plan_revise(plan, actor=actor_of(request))
    except DomainError as exc:
        refusal_shown(request, exc)
        return redirect(_plan_url(request, plan))
    messages.success(request, f"Version {draft.version} started from version {plan.version}.")
    return redirect(_plan_url(request, draft, "aftercare-plan-edit"))


def _job(request: HttpRequest, pdf: AftercarePdf) -> HttpResponse:
    return render(request, "aftercare/_pdf_job.html", {"pdf": pdf})


@clinic_page(C.AFTERCARE_WRITE)
@require_POST
def pdf_request(request: HttpRequest, aftercare_plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(clinic=clinic_of(request), plan_id=aftercare_plan_id)
    form = PdfRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Check the release details.")
        services.aftercare_pdf_request(plan, actor=actor_of(request), **form.cleaned_data)
    except (ValidationError, DomainError) as exc:
        form_errors_from(form, exc)
        return _plan_page(request, plan, pdf_form=form)
    messages.success(request, "The PDF is being made; it appears below in a few seconds.")
    return redirect(_plan_url(request, plan) + "#pdfs")


@clinic_page(C.AFTERCARE_READ)
@require_GET
def pdf_status(request: HttpRequest, aftercare_pdf_id: int) -> HttpResponse:
    """The job's row, polled by htmx while it is queued or rendering."""
    return _job(request, selectors.pdf_get(clinic=clinic_of(request), pdf_id=aftercare_pdf_id))


@clinic_page(C.AFTERCARE_READ)
@require_GET
def pdf_download(request: HttpRequest, aftercare_pdf_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    pdf = selectors.pdf_get(clinic=clinic, pdf_id=aftercare_pdf_id, with_content=True)
    if pdf.status != PdfStatus.DONE:
        messages.warning(request, "That PDF is not ready yet.")
        return redirect(clinic_url(request, "aftercare-plan", aftercare_plan_id=pdf.plan_id))
    services.aftercare_pdf_downloaded(pdf, actor=actor_of(request))
    response = HttpResponse(bytes(pdf.content or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
    return response


@clinic_page(C.AFTERCARE_WRITE)
@require_POST
def pdf_retry(request: HttpRequest, aftercare_pdf_id: int) -> HttpResponse:
    pdf = selectors.pdf_get(clinic=clinic_of(request), pdf_id=aftercare_pdf_id)
    attempt(request, lambda: services.aftercare_pdf_retry(pdf, actor=actor_of(request)))
    if request.htmx:  # type: ignore[attr-defined]
        return _job(request, pdf)
    return redirect(clinic_url(request, "aftercare-plan", aftercare_plan_id=pdf.plan_id) + "#pdfs")


# --- Follow-ups -------------------------------------------------------------------------------


@clinic_page(C.AFTERCARE_READ)
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    mine = request.GET.get("who", "mine") == "mine"
    show_all = request.GET.get("show") == "all"
    filters = selectors.FollowUpFilters(
        mine=_membership(request) if mine else None, open_only=not show_all
    )
    rows = selectors.follow_up_queue(clinic=clinic, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "aftercare/follow_up_list.html",
        {
            "page": page,
            "mine": mine,
            "show_all": show_all,
            "today": clock.today(clinic),
            "due_now": selectors.due_now_count(rows),
        },
    )


@clinic_page(C.AFTERCARE_WRITE)
@require_http_methods(["GET", "POST"])
def follow_up_edit(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    follow_up = selectors.follow_up_get(clinic=clinic_of(request), follow_up_id=follow_up_id)
    initial = {"status": "", "outcome_note": follow_up.outcome_note}
    if follow_up.recorded_at:
        initial["status"] = follow_up.status
    form = FollowUpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(follow_up, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"Recorded the call with {follow_up.patient.display_name}.")
            return redirect(clinic_url(request, "follow-up-list"))
    return render(request, "aftercare/follow_up_form.html", {"form": form, "follow_up": follow_up})
