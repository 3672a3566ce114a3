"""Aftercare's API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
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
