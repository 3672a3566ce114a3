"""The documents handed to the patient, as PDFs: HTML from a template in the patient's
language (iop.languages), PDF by the aftercare plan's WeasyPrint set-up (only our own static
files are fetched), in the worker only (interop.tasks)."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftercare.pdf import _static_base_url, html_to_pdf
from family.models import FamilyConsent
from iop import clock, part2
from iop.languages import document_language
from iop.models import Patient, Site
from scheduling.models import SessionKind
from scheduling.selectors import patient_upcoming

from .models import DocumentKind, PatientDocument

# How far ahead a printed schedule looks.
SCHEDULE_DAYS = 28


def _letterhead(patient: Patient) -> dict[str, Any]:
    clinic = patient.clinic
    site = Site.objects.filter(clinic_id=clinic.pk, is_active=True).order_by("id").first()
    return {
        "clinic": clinic,
        "site": site,
        "patient": patient,
        "static_base": _static_base_url(),
        "printed_at": clock.now(),
    }


def schedule_context(document: PatientDocument) -> dict[str, Any]:
    """Day, time, what, room and the lead's role of each coming session: nothing clinical
    (no topic, track or program), as on a reminder."""
    patient = document.patient
    rows = []
    for attendance in patient_upcoming(
        clinic=patient.clinic, patient_id=patient.pk, now=clock.now(), days=SCHEDULE_DAYS
    ):
        session = attendance.session
        what = session.get_kind_display()
        if session.kind == SessionKind.GROUP and session.group_type is not None:
            what = session.group_type.get_kind_display()
        rows.append(
            {
                "day": clock.local_date(patient.clinic, attendance.starts_at),
                "starts_at": attendance.starts_at,
                "ends_at": attendance.ends_at,
                "what": what,
                "room": session.room.name if session.room else "",
                "with": session.lead.get_role_display() if session.lead else "",
            }
        )
    return {**_letterhead(patient), "sessions": rows, "days": SCHEDULE_DAYS}


def consent_context(document: PatientDocument) -> dict[str, Any]:
    """The §2.31 elements of the consent as recorded, blank lines to sign, the §2.32 notice
    and the revocation statement in the reader's language (iop.part2, the one source)."""
    consent: FamilyConsent = document.family_consent  # type: ignore[assignment]
    patient = document.patient
    return {
        **_letterhead(patient),
        "consent": consent,
        "categories": consent.category_labels,
        "revocation": part2.revocation_statement(consent.discloser),
        "notice": gettext(part2.PART2_NOTICE),
        "minor": part2.is_minor(patient.date_of_birth, consent.signed_on),
    }


TEMPLATES = {
    DocumentKind.SCHEDULE: ("interop/pdf/schedule.html", schedule_context),
    DocumentKind.CONSENT_FORM: ("interop/pdf/consent.html", consent_context),
}


def document_html(document: PatientDocument) -> str:
    """In the clinic's time zone and the patient's language."""
    template, context = TEMPLATES[DocumentKind(document.kind)]
    with (
        timezone.override(clock.zone(document.clinic)),
        translation.override(document_language(document.patient)),
    ):
        return render_to_string(template, context(document))


def render_document_pdf(document: PatientDocument) -> bytes:
    return html_to_pdf(document_html(document))
