"""The documents printed for the patient (their schedule, a consent form to sign): queued
here, rendered in the worker (interop.tasks, interop.document_pdf), downloaded with an
audit event. The same job as the aftercare plan's PDF: enqueued on commit, render and bytes
in one transaction, a duplicate job a no-op, failures shown with an error code."""

import hashlib

from django.db.models import F
from django.http import Http404

from family.models import FamilyConsent
from iop import clock
from iop.audit import audit_record
from iop.languages import document_language
from iop.models import Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.services.core import validate_and_save
from iop.services.errors import DomainError
from iop.tenancy import clinic_context

from . import tasks
from .models import DocumentKind, PatientDocument, PdfStatus

# How many of a patient's documents their chart lists.
RECENT = 10


def document_request(
    *, patient: Patient, actor: User, kind: str, family_consent: FamilyConsent | None = None
) -> PatientDocument:
    """Queue the document; the worker renders it once this commits."""
    if kind == DocumentKind.CONSENT_FORM and (
        family_consent is None or family_consent.patient_id != patient.pk
    ):
        raise DomainError("Choose one of this patient's consents.")
    if kind != DocumentKind.CONSENT_FORM:
        family_consent = None
    with clinic_context(patient.clinic_id):
        document = PatientDocument(
            clinic_id=patient.clinic_id, patient=patient, kind=kind,
            family_consent=family_consent, requested_by=actor,
        )  # fmt: skip
        validate_and_save(document)
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=document,
            patient_id=patient.pk, changed_fields=[f"kind:{kind}"],
        )  # fmt: skip
        tasks.render_patient_document.delay_on_commit(
            clinic_id=patient.clinic_id, document_id=document.pk
        )
    return document


def documents_of(*, clinic: Clinic, patient_id: int) -> list[PatientDocument]:
    """The patient's latest documents, without their bytes (one query)."""
    return list(
        PatientDocument.objects.filter(clinic=clinic, patient_id=patient_id)
        .defer("content")
        .order_by("-requested_at", "-id")[:RECENT]
    )


def document_get(
    *, clinic: Clinic, document_id: int, with_content: bool = False
) -> PatientDocument:
    """The document, or the same 404 for another clinic's and a missing one."""
    documents = PatientDocument.objects.filter(clinic=clinic, pk=document_id)
    found = (documents if with_content else documents.defer("content")).first()
    if found is None:
        raise Http404("No such document.")
    found.clinic = clinic
    return found


def document_mark_started(*, clinic_id: int, document_id: int) -> None:
    with clinic_context(clinic_id):
        PatientDocument.objects.filter(clinic_id=clinic_id, pk=document_id).exclude(
            status=PdfStatus.DONE
        ).update(status=PdfStatus.RENDERING, attempts=F("attempts") + 1)


def document_mark_failed(*, clinic_id: int, document_id: int, error_code: str) -> None:
    with clinic_context(clinic_id):
        PatientDocument.objects.filter(clinic_id=clinic_id, pk=document_id).exclude(
            status=PdfStatus.DONE
        ).update(status=PdfStatus.FAILED, error_code=error_code[:40])


def document_render(*, clinic_id: int, document_id: int) -> PatientDocument:
    """The worker's half: render in the patient's language as the record stands, store bytes,
    hash, language and status in one transaction; the row lock makes a duplicate job wait,
    then see `done`."""
    from .document_pdf import render_document_pdf  # noqa: PLC0415 - WeasyPrint: worker only

    with clinic_context(clinic_id):
        document = (
            PatientDocument.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient__clinic", "family_consent")
            .get(clinic_id=clinic_id, pk=document_id)
        )
        if document.status == PdfStatus.DONE:
            return document
        content = render_document_pdf(document)
        document.content, document.size = content, len(content)
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.language = document_language(document.patient)
        document.status, document.error_code = PdfStatus.DONE, ""
        document.rendered_at = clock.now()
        document.save(
            update_fields=[
                "content", "size", "sha256", "language", "status", "error_code", "rendered_at",
            ]
        )  # fmt: skip
    return document


def document_downloaded(document: PatientDocument, *, actor: User) -> None:
    """A copy printed for the patient leaves the system: an export of their record."""
    audit_record(
        clinic=document.clinic, actor=actor, action=AuditAction.EXPORT, obj=document,
        patient_id=document.patient_id, changed_fields=[f"kind:{document.kind}", "download"],
    )  # fmt: skip
