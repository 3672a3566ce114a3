"""The patient list, the chart, and the forms for each part of the record."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms import ModelForm
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from iop import hooks, selectors, services
from iop.forms import (
    AuthorizationForm,
    CoverageForm,
    DiagnosisForm,
    EnrollmentEditForm,
    EnrollmentForm,
    EnrollmentStatusForm,
    ExtensionForm,
    MedicationForm,
    PatientDetailsForm,
    PatientFilterForm,
    PatientForm,
    PaymentPlanForm,
)
from iop.models import (
    Authorization,
    Coverage,
    Diagnosis,
    Enrollment,
    Medication,
    Membership,
    Patient,
    PaymentPlan,
)
from iop.roles import Capability
from iop.selectors import PatientFilters
from iop.services import DomainError

from .core import actor_of, clinic_of, clinic_page, clinic_url, form_errors_from

C = Capability

PATIENT_SORTS = {
    "name": ("legal_last_name", "legal_first_name"),
    "-name": ("-legal_last_name", "-legal_first_name"),
    "record": ("record_number",),
    "-record": ("-record_number",),
    "dob": ("date_of_birth",),
    "-dob": ("-date_of_birth",),
}


def membership_of(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


@clinic_page(C.PATIENTS_READ)
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = PatientFilterForm(request.GET or None, clinic=clinic)
    filters = PatientFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = PatientFilters(
            query=data["q"],
            status=data["status"],
            track_id=data["track"].pk if data["track"] else None,
            therapist_id=data["therapist"].pk if data["therapist"] else None,
            case_manager_id=data["case_manager"].pk if data["case_manager"] else None,
        )
    sort = request.GET.get("sort", "name")
    patients = selectors.patient_list(clinic=clinic, filters=filters).order_by(
        *PATIENT_SORTS.get(sort, PATIENT_SORTS["name"])
    )
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(
        request,
        "iop/patient_list.html",
        {"form": form, "page": page, "sort": sort, "query": query.urlencode()},
    )


@clinic_page(C.PATIENTS_READ)
@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    """The top bar's results-as-you-type (htmx): two identifiers per row."""
    query = request.GET.get("q", "").strip()
    filters = PatientFilters(query=query)
    patients = (
        selectors.patient_list(clinic=clinic_of(request), filters=filters)[:8] if query else []
    )
    return render(request, "iop/_patient_search.html", {"patients": patients, "query": query})


@clinic_page(C.PATIENTS_WRITE)
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                clinic=clinic_of(request), actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Patient added.")
            return redirect(clinic_url(request, "patient-chart", patient_id=patient.pk))
    return render(request, "iop/patient_form.html", {"form": form, "patient": None})


def chart_sections(membership: Membership) -> set[str]:
    """What this reader may see: front desk and nurses never see diagnoses."""
    sections = {"demographics", "enrollments", "insurance"}
    if membership.can(C.CLINICAL_READ):
        sections.add("diagnoses")
    if membership.can(C.MEDICATIONS_READ):
        sections.add("medications")
    if membership.can(C.TESTS_READ):
        sections.add("tests")  # no core section: the features' test-result chips
    return sections


@clinic_page(C.PATIENTS_READ)
@require_GET
def patient_chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    membership = membership_of(request)
    sections = chart_sections(membership)
    chart = selectors.patient_chart(
        clinic=clinic_of(request), patient_id=patient_id, sections=sections
    )
    services.patient_chart_viewed(patient=chart.patient, actor=actor_of(request))
    # The registered sections this reader may see, each with its own values (iop/hooks.py).
    panels = [
        (section, section.context(request, chart) if section.context else {})
        for section in hooks.chart_sections
        if section.capability is None or membership.can(section.capability)
    ]
    return render(
        request,
        "iop/patient_chart.html",
        {"chart": chart, "patient": chart.patient, "sections": sections, "panels": panels},
    )


@clinic_page(C.PATIENTS_WRITE)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = selectors.patient_get(clinic=clinic, patient_id=patient_id)
    if request.method == "GET":
        services.patient_chart_viewed(patient=patient, actor=actor_of(request))
    form = PatientDetailsForm(request.POST or None, initial=model_to_dict(patient), clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(patient=patient, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect(clinic_url(request, "patient-chart", patient_id=patient.pk))
        patient = selectors.patient_get(clinic=clinic, patient_id=patient_id)
    return render(request, "iop/patient_form.html", {"form": form, "patient": patient})


# --- Parts of the record: one generic create/edit page per kind -------------------------------


@dataclass(frozen=True)
class RecordKind:
    model: type[models.Model]
    form: type[ModelForm]
    read: str
    write: str
    title: str
    anchor: str  # the chart section to return to


R = RecordKind
RECORD_KINDS: dict[str, RecordKind] = {
    "diagnoses": R(
        Diagnosis, DiagnosisForm, C.CLINICAL_READ, C.CLINICAL_WRITE, "diagnosis", "diagnoses"
    ),
    "medications": R(
        Medication, MedicationForm, C.MEDICATIONS_READ, C.CLINICAL_WRITE, "medication",
        "medications",
    ),
    "coverages": R(
        Coverage, CoverageForm, C.PATIENTS_READ, C.PATIENTS_WRITE, "insurance coverage",
        "insurance",
    ),
    "payment-plans": R(
        PaymentPlan, PaymentPlanForm, C.PATIENTS_READ, C.PATIENTS_WRITE, "payment plan",
        "insurance",
    ),
    "authorizations": R(
        Authorization, AuthorizationForm, C.PATIENTS_READ, C.PATIENTS_WRITE, "authorization",
        "insurance",
    ),
}  # fmt: skip


@clinic_page(C.PATIENTS_READ)
@require_http_methods(["GET", "POST"])
def record_form(request: HttpRequest, patient_id: int, kind: str, **ids: int) -> HttpResponse:
    spec = RECORD_KINDS[kind]
    membership = membership_of(request)
    if not (membership.can(spec.read) and membership.can(spec.write)):
        raise PermissionDenied("Your role does not allow this.")
    clinic = clinic_of(request)
    patient = selectors.patient_get(clinic=clinic, patient_id=patient_id)
    record_id = next(iter(ids.values()), None)
    record = (
        selectors.record_get(spec.model, clinic=clinic, patient=patient, record_id=record_id)
        if record_id is not None
        else None
    )
    extra: dict[str, Any] = {"patient": patient} if spec.form is AuthorizationForm else {}
    initial = model_to_dict(record, fields=spec.form._meta.fields) if record else None
    form = spec.form(request.POST or None, initial=initial, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            if record is None:
                services.record_create(
                    spec.model,  # type: ignore[type-var]
                    patient=patient,
                    actor=actor_of(request),
                    **form.cleaned_data,
                )
            else:
                services.record_update(
                    record,
                    # type: ignore[type-var]
                    actor=actor_of(request),
                    **form.cleaned_data,
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, f"{spec.title.capitalize()} saved.")
            url = clinic_url(request, "patient-chart", patient_id=patient.pk)
            return redirect(f"{url}#{spec.anchor}")
    verb = "Edit" if record else "Add"
    return render(
        request,
        "iop/record_form.html",
        {
            "form": form,
            "patient": patient,
            "heading": f"{verb} {spec.title}",
            "anchor": spec.anchor,
        },
    )


# --- Enrollments ------------------------------------------------------------------------------


def _enrollment_page(
    request: HttpRequest, form: Any, patient: Any, heading: str, submit: str
) -> HttpResponse:
    return render(
        request,
        "iop/record_form.html",
        {
            "form": form,
            "patient": patient,
            "heading": heading,
            "submit": submit,
            "anchor": "enrollments",
        },
    )


def _back_to_enrollments(request: HttpRequest, patient_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(clinic_url(request, "patient-chart", patient_id=patient_id) + "#enrollments")


@clinic_page(C.ENROLLMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def enrollment_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = selectors.patient_get(clinic=clinic, patient_id=patient_id)
    form = EnrollmentForm(
        request.POST or None, initial={"planned_weeks": clinic.default_program_weeks}, clinic=clinic
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_create(
                patient=patient, actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _back_to_enrollments(request, patient.pk, "Enrollment started.")
    return _enrollment_page(request, form, patient, "Start an enrollment", "Start enrollment")


def _enrollment_action(
    request: HttpRequest,
    patient_id: int,
    enrollment_id: int,
    *,
    make_form: Callable[[Enrollment], Any],
    act: Callable[..., Any],
    done: str,
    heading: Callable[[Patient, Enrollment], str],
    submit: str,
) -> HttpResponse:
    """One page acting on an enrollment: load it within the clinic, show the form, call
    the service, put its refusal on the form or go back to the chart."""
    clinic = clinic_of(request)
    patient = selectors.patient_get(clinic=clinic, patient_id=patient_id)
    enrollment = selectors.enrollment_get(
        clinic=clinic, patient=patient, enrollment_id=enrollment_id
    )
    form = make_form(enrollment)
    if request.method == "POST" and form.is_valid():
        try:
            act(enrollment, actor=actor_of(request), **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            return _back_to_enrollments(request, patient.pk, done)
    return _enrollment_page(request, form, patient, heading(patient, enrollment), submit)


@clinic_page(C.ENROLLMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def enrollment_edit(request: HttpRequest, patient_id: int, enrollment_id: int) -> HttpResponse:
    return _enrollment_action(
        request, patient_id, enrollment_id,
        make_form=lambda e: EnrollmentEditForm(
            request.POST or None, initial=model_to_dict(e), clinic=clinic_of(request)
        ),
        act=services.enrollment_update,
        done="Enrollment saved.",
        heading=lambda p, e: "Change track or level of care",
        submit="Save",
    )  # fmt: skip


@clinic_page(C.ENROLLMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def enrollment_status(request: HttpRequest, patient_id: int, enrollment_id: int) -> HttpResponse:
    return _enrollment_action(
        request, patient_id, enrollment_id,
        make_form=lambda e: EnrollmentStatusForm(request.POST or None, enrollment=e),
        act=services.enrollment_transition,
        done="Status changed.",
        # Irreversible moves name the patient (UI.md).
        heading=lambda p, e: f"Change the status of {p.display_name}'s enrollment",
        submit="Change status",
    )  # fmt: skip


@clinic_page(C.ENROLLMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def enrollment_extend(request: HttpRequest, patient_id: int, enrollment_id: int) -> HttpResponse:
    return _enrollment_action(
        request, patient_id, enrollment_id,
        make_form=lambda e: ExtensionForm(request.POST or None),
        act=services.enrollment_extend,
        done="Program extended.",
        heading=lambda p, e: f"Extend the program (now ends {e.planned_end_date:%b %-d, %Y})",
        submit="Extend",
    )  # fmt: skip
