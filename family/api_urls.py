"""Family's API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
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
