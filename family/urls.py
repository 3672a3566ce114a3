"""Family's browser pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("patients/<int:patient_id>/family/new/", views.member_create, name="family-member-create"),
    path(
        "patients/<int:patient_id>/family/sessions/new/",
        views.session_create,
        name="family-session-create",
    ),
    path("family/<int:family_member_id>/", views.member_detail, name="family-member"),
    path("family/<int:family_member_id>/edit/", views.member_edit, name="family-member-edit"),
    path(
        "family/<int:family_member_id>/consents/new/",
        views.consent_create,
        name="family-consent-create",
    ),
    path("family/<int:family_member_id>/share/", views.share, name="family-share"),
    path(
        "family/<int:family_member_id>/education/",
        views.education_add,
        name="family-education-add",
    ),
    path(
        "family/consents/<int:family_consent_id>/revoke/",
        views.consent_revoke,
        name="family-consent-revoke",
    ),
    path("family/sessions/<int:family_session_id>/", views.session_detail, name="family-session"),
    path(
        "family/participants/<int:family_participant_id>/mark/",
        views.participant_mark,
        name="family-participant-mark",
    ),
]
