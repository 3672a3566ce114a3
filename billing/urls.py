"""Billing pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("billing/", views.worklist, name="billing-worklist"),
    path("billing/setup/", views.setup, name="billing-setup"),
    path("billing/payers/new/", views.payer_create, name="billing-payer-create"),
    path("billing/payers/<int:payer_id>/edit/", views.payer_edit, name="billing-payer-edit"),
    path("billing/providers/new/", views.provider_create, name="billing-provider-create"),
    path(
        "billing/providers/<int:billing_provider_id>/edit/",
        views.provider_edit,
        name="billing-provider-edit",
    ),
    path("billing/claims/", views.claims, name="billing-claims"),
    path("billing/claims/build/", views.claims_build, name="billing-claims-build"),
    path(
        "billing/claims/<int:claim_id>/transition/",
        views.claim_transition,
        name="billing-claim-transition",
    ),
    path("billing/files/new/", views.file_request, name="billing-file-request"),
    path("billing/files/<int:claim_file_id>/", views.file_detail, name="billing-file"),
    path(
        "billing/files/<int:claim_file_id>/837/", views.file_download, name="billing-file-download"
    ),
    path("billing/files/<int:claim_file_id>/csv/", views.file_csv, name="billing-file-csv"),
    path("billing/remittances/", views.remittances, name="billing-remittances"),
    path("billing/remittances/import/", views.remittance_import, name="billing-remittance-import"),
    path(
        "billing/remittances/sample.x12", views.remittance_sample, name="billing-remittance-sample"
    ),
    path(
        "billing/remittances/<int:remittance_id>/",
        views.remittance_detail,
        name="billing-remittance",
    ),
    path("billing/denials/", views.denials, name="billing-denials"),
]
