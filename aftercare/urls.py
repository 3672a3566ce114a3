"""Aftercare's browser pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "patients/<int:patient_id>/aftercare/new/",
        views.plan_create,
        name="aftercare-plan-create",
    ),
    path("aftercare/<int:aftercare_plan_id>/", views.plan_detail, name="aftercare-plan"),
    path("aftercare/<int:aftercare_plan_id>/edit/", views.plan_edit, name="aftercare-plan-edit"),
    path(
        "aftercare/<int:aftercare_plan_id>/transition/",
        views.plan_transition,
        name="aftercare-plan-transition",
    ),
    path(
        "aftercare/<int:aftercare_plan_id>/revise/",
        views.plan_revise,
        name="aftercare-plan-revise",
    ),
    path("aftercare/<int:aftercare_plan_id>/pdf/", views.pdf_request, name="aftercare-pdf-request"),
    path("aftercare/pdfs/<int:aftercare_pdf_id>/", views.pdf_status, name="aftercare-pdf-status"),
    path(
        "aftercare/pdfs/<int:aftercare_pdf_id>/download/",
        views.pdf_download,
        name="aftercare-pdf-download",
    ),
    path(
        "aftercare/pdfs/<int:aftercare_pdf_id>/retry/", views.pdf_retry, name="aftercare-pdf-retry"
    ),
    path("follow-ups/", views.follow_up_list, name="follow-up-list"),
    path("follow-ups/<int:follow_up_id>/", views.follow_up_edit, name="follow-up-edit"),
]
