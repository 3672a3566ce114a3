"""Therapy's API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("therapy-availability/", api.AvailabilityListView.as_view()),
    path("therapy-availability/<int:id>/", api.AvailabilityDetailView.as_view()),
    path("therapy-blocks/", api.BlockListView.as_view()),
    path("therapy-blocks/<int:id>/", api.BlockDetailView.as_view()),
    path("interventions/", api.InterventionListView.as_view()),
    path("individual-sessions/proposals", api.ProposalView.as_view()),
    path("individual-sessions/book", api.BookView.as_view()),
    path("individual-sessions/<int:id>/move", api.MoveView.as_view()),
    path("treatment-plans/", api.PlanListView.as_view()),
    path("treatment-plans/<int:id>/", api.PlanDetailView.as_view()),
    path("treatment-plans/<int:id>/problems", api.ProblemAddView.as_view()),
    path("treatment-plans/<int:id>/goals", api.GoalAddView.as_view()),
    path("treatment-plans/<int:id>/objectives", api.ObjectiveAddView.as_view()),
    path("treatment-plans/<int:id>/interventions", api.PlannedInterventionAddView.as_view()),
    path("treatment-plans/<int:id>/review", api.PlanReviewView.as_view()),
    path("treatment-plans/<int:id>/acknowledge", api.PlanAcknowledgeView.as_view()),
    path("progress-notes/", api.NoteListView.as_view()),
    path("progress-notes/<int:id>/", api.NoteDetailView.as_view()),
    path("progress-notes/<int:id>/sign", api.NoteSignView.as_view()),
    path("progress-notes/<int:id>/addenda", api.NoteAddendumView.as_view()),
    path("progress-notes/<int:id>/cosign", api.NoteCosignView.as_view()),
]
