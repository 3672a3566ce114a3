"""Aftercare's browser pages (under /c/<slug>/) and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

page_patterns = [
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

api_patterns = [
    path("aftercare-plans/", api.PlanListView.as_view()),
    path("aftercare-plans/<int:id>/", api.PlanDetailView.as_view()),
    path("aftercare-plans/<int:id>/transition", api.PlanTransitionView.as_view()),
    path("aftercare-plans/<int:id>/revise", api.PlanReviseView.as_view()),
    path("aftercare-plans/<int:id>/pdf", api.PlanPdfView.as_view()),
    path("aftercare-pdfs/<int:id>", api.PdfJobView.as_view(), name="api-aftercare-pdf"),
    path("aftercare-pdfs/<int:id>/retry", api.PdfRetryView.as_view()),
    path("aftercare-pdfs/<int:id>/file", api.PdfFileView.as_view(), name="api-aftercare-pdf-file"),
    path("follow-ups/", api.FollowUpListView.as_view()),
    path("follow-ups/<int:id>/", api.FollowUpDetailView.as_view()),
]
