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
]
