"""The intake pipeline: from first call to admission."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from iop import clock, selectors, services
from iop.forms import AdmitForm, InquiryForm, InquiryStatusForm, ScheduleAssessmentForm
from iop.models.intake import InquiryStatus
from iop.roles import Capability
from iop.services import DomainError

from .core import actor_of, clinic_of, clinic_page, clinic_url, form_errors_from

C = Capability
BOARD_COLUMNS = [
    (InquiryStatus.NEW, "Call back and book an assessment."),
    (InquiryStatus.ASSESSMENT_SCHEDULED, "Assessments booked, soonest first."),
    (InquiryStatus.ASSESSED, "Decide: admit, refer or decline."),
]
CLOSED_COLUMNS = [
    InquiryStatus.ADMITTED,
    InquiryStatus.REFERRED,
    InquiryStatus.DECLINED,
    InquiryStatus.LOST_CONTACT,
]


@clinic_page(C.INTAKE_READ)
@require_GET
def intake_board(request: HttpRequest) -> HttpResponse:
    board = selectors.inquiry_board(clinic=clinic_of(request))
    columns = [
        (status, InquiryStatus(status).label, hint, board[status]) for status, hint in BOARD_COLUMNS
    ]
    closed = [(InquiryStatus(status).label, board[status]) for status in CLOSED_COLUMNS]
    return render(
        request,
        "iop/intake_board.html",
        {"columns": columns, "closed": closed, "now": clock.now()},
    )


@clinic_page(C.INTAKE_MANAGE)
@require_http_methods(["GET", "POST"])
def inquiry_create(request: HttpRequest) -> HttpResponse:
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.inquiry_create(
                clinic=clinic_of(request), actor=actor_of(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Inquiry recorded.")
            return redirect(clinic_url(request, "inquiry-detail", inquiry_id=inquiry.pk))
    return render(request, "iop/inquiry_form.html", {"form": form, "heading": "New inquiry"})


@clinic_page(C.INTAKE_READ)
@require_GET
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_get(clinic=clinic_of(request), inquiry_id=inquiry_id)
    return render(request, "iop/inquiry_detail.html", {"inquiry": inquiry})


@clinic_page(C.INTAKE_MANAGE)
@require_http_methods(["GET", "POST"])
def inquiry_edit(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_get(clinic=clinic_of(request), inquiry_id=inquiry_id)
    form = InquiryForm(request.POST or None, initial=model_to_dict(inquiry))
    if request.method == "POST" and form.is_valid():
        try:
            services.inquiry_update(inquiry, actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return _back(request, inquiry.pk, "Inquiry saved.")
    return render(
        request,
        "iop/inquiry_form.html",
        {"form": form, "inquiry": inquiry, "heading": "Edit inquiry"},
    )


def _back(request: HttpRequest, inquiry_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(clinic_url(request, "inquiry-detail", inquiry_id=inquiry_id))


@clinic_page(C.INTAKE_MANAGE)
@require_http_methods(["GET", "POST"])
def inquiry_schedule(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    inquiry = selectors.inquiry_get(clinic=clinic, inquiry_id=inquiry_id)
    form = ScheduleAssessmentForm(
        request.POST or None,
        clinic=clinic,
        initial={"at": inquiry.assessment_at, "assessor": inquiry.assessor},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inquiry_schedule_assessment(
                inquiry, actor=actor_of(request), **form.cleaned_data
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            return _back(request, inquiry.pk, "Assessment booked.")
    return render(
        request,
        "iop/inquiry_form.html",
        {"form": form, "inquiry": inquiry, "heading": "Book the assessment", "submit": "Book"},
    )


@clinic_page(C.INTAKE_MANAGE)
@require_http_methods(["GET", "POST"])
def inquiry_status(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_get(clinic=clinic_of(request), inquiry_id=inquiry_id)
    form = InquiryStatusForm(request.POST or None, inquiry=inquiry)
    if request.method == "POST" and form.is_valid():
        try:
            services.inquiry_set_status(inquiry, actor=actor_of(request), **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            return _back(request, inquiry.pk, "Outcome recorded.")
    return render(
        request,
        "iop/inquiry_form.html",
        {"form": form, "inquiry": inquiry, "heading": "Record the outcome", "submit": "Save"},
    )


@clinic_page(C.ENROLLMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def inquiry_admit(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    inquiry = selectors.inquiry_get(clinic=clinic, inquiry_id=inquiry_id)
    form = AdmitForm(
        request.POST or None,
        clinic=clinic,
        initial={
            "admission_date": clock.today(clinic),
            "date_of_birth": inquiry.date_of_birth,
            "primary_therapist": inquiry.assessor if inquiry.assessor_id else None,
            # A case manager admitting someone usually takes them on.
            "case_manager": request.membership  # type: ignore[attr-defined]
            if request.membership.role == "case_manager"  # type: ignore[attr-defined]
            else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            patient, _ = services.inquiry_admit(
                inquiry, actor=actor_of(request), **form.cleaned_data
            )
        except (ValidationError, DomainError) as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, "Admitted. This is the new chart.")
            return redirect(clinic_url(request, "patient-chart", patient_id=patient.pk))
    return render(
        request,
        "iop/inquiry_form.html",
        {
            "form": form,
            "inquiry": inquiry,
            "heading": f"Admit {inquiry.display_name}",
            "submit": "Admit",
        },
    )
