"""The documents printed for the patient, from their chart: ask for one (the worker renders
it), watch it (htmx polls the row), download it. Thin: parse, call interop.documents."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from family.selectors import consent_get
from iop import selectors as core_selectors
from iop.roles import Capability
from iop.views.core import actor_of, attempt, clinic_of, clinic_page, clinic_url

from . import documents
from .models import DocumentKind, PatientDocument, PdfStatus

# Who may print each kind: the schedule is the calendar's; a consent form is the consent's.
KIND_CAPABILITY = {
    DocumentKind.SCHEDULE: Capability.SCHEDULE_MANAGE,
    DocumentKind.CONSENT_FORM: Capability.CONSENTS_MANAGE,
}


def _chart_url(request: HttpRequest, patient_id: int) -> str:
    return clinic_url(request, "patient-chart", patient_id=patient_id) + "#documents"


def _allowed(request: HttpRequest, document: PatientDocument) -> PatientDocument:
    if not request.membership.can(KIND_CAPABILITY[DocumentKind(document.kind)]):  # type: ignore[attr-defined]
        raise PermissionDenied("Your role does not allow this document.")
    return document


@clinic_page(Capability.SCHEDULE_MANAGE)
@require_POST
def schedule_request(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = core_selectors.patient_get(clinic=clinic_of(request), patient_id=patient_id)
    attempt(
        request,
        lambda: documents.document_request(
            patient=patient, actor=actor_of(request), kind=DocumentKind.SCHEDULE
        ),
        success="The schedule is being made; it appears below in a few seconds.",
    )
    return redirect(_chart_url(request, patient.pk))


@clinic_page(Capability.CONSENTS_MANAGE)
@require_POST
def consent_form_request(request: HttpRequest, family_consent_id: int) -> HttpResponse:
    consent = consent_get(clinic=clinic_of(request), consent_id=family_consent_id)
    patient = consent.family_member.patient
    patient.clinic = clinic_of(request)
    attempt(
        request,
        lambda: documents.document_request(
            patient=patient,
            actor=actor_of(request),
            kind=DocumentKind.CONSENT_FORM,
            family_consent=consent,
        ),
        success="The consent form is being made; it appears below in a few seconds.",
    )
    return redirect(_chart_url(request, patient.pk))


@clinic_page(Capability.PATIENTS_READ)
@require_GET
def document_status(request: HttpRequest, patient_document_id: int) -> HttpResponse:
    """The job's row, polled by htmx while it is queued or rendering."""
    document = documents.document_get(clinic=clinic_of(request), document_id=patient_document_id)
    return render(request, "interop/_document_job.html", {"document": _allowed(request, document)})


@clinic_page(Capability.PATIENTS_READ)
@require_GET
def document_download(request: HttpRequest, patient_document_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    document = _allowed(
        request,
        documents.document_get(clinic=clinic, document_id=patient_document_id, with_content=True),
    )
    if document.status != PdfStatus.DONE:
        messages.warning(request, "That document is not ready yet.")
        return redirect(_chart_url(request, document.patient_id))
    documents.document_downloaded(document, actor=actor_of(request))
    response = HttpResponse(bytes(document.content or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
