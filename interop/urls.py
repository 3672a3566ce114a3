"""Interop pages, included under /c/<clinic_slug>/ by iop/urls.py: the documents printed for
the patient (interop.views)."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "patients/<int:patient_id>/documents/schedule/",
        views.schedule_request,
        name="patient-schedule-print",
    ),
    path(
        "family/consents/<int:family_consent_id>/form/",
        views.consent_form_request,
        name="family-consent-form-print",
    ),
    path(
        "documents/<int:patient_document_id>/",
        views.document_status,
        name="patient-document-status",
    ),
    path(
        "documents/<int:patient_document_id>/download/",
        views.document_download,
        name="patient-document-download",
    ),
]
