"""Family pages (under /c/<slug>/) and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

page_patterns = [
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

api_patterns = [
    path("family-members/", api.MemberListView.as_view()),
    path("family-members/<int:id>/", api.MemberDetailView.as_view()),
    path("family-members/<int:id>/sharing", api.MemberSharingView.as_view()),
    path("family-consents/", api.ConsentListView.as_view()),
    path("family-consents/<int:id>/", api.ConsentDetailView.as_view()),
    path("family-consents/<int:id>/revoke", api.ConsentRevokeView.as_view()),
    path("family-disclosures/", api.DisclosureListView.as_view()),
    path("family-sessions/", api.FamilySessionListView.as_view()),
    path("family-sessions/<int:id>/", api.FamilySessionDetailView.as_view()),
    path("family-participants/", api.ParticipantListView.as_view()),
    path("family-participants/<int:id>/", api.ParticipantDetailView.as_view()),
]
