"""Billing API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("claim-readiness/", api.ReadinessView.as_view()),
    path("payers/", api.PayerListView.as_view()),
    path("payers/<int:id>/", api.PayerDetailView.as_view()),
    path("billing-providers/", api.ProviderListView.as_view()),
    path("billing-providers/<int:id>/", api.ProviderDetailView.as_view()),
    path("payer-consents/", api.PayerConsentListView.as_view()),
    path("remittances/", api.RemittanceListView.as_view()),
    path("denials/", api.DenialsView.as_view()),
    path("claims/", api.ClaimListView.as_view()),
    path("claims/build", api.ClaimsBuildView.as_view()),
    path("claims/<int:id>/", api.ClaimDetailView.as_view()),
    path("claims/<int:id>/transition", api.ClaimTransitionView.as_view()),
    path("claim-files/", api.ClaimFileListView.as_view()),
    path("claim-files/<int:id>/", api.ClaimFileDetailView.as_view()),
    path("claim-files/<int:id>/837", api.ClaimFileDownloadView.as_view(kind="837")),
    path("claim-files/<int:id>/csv", api.ClaimFileDownloadView.as_view(kind="csv")),
]
