"""Therapy's browser pages (under /c/<slug>/) and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

page_patterns = [
    path("therapy/", views.therapy_home, name="therapy-home"),
    path("therapy/week/", views.week, name="therapy-week"),
    path("therapy/availability/", views.availability, name="therapy-availability"),
    path("therapy/schedule/", views.schedule, name="therapy-schedule"),
    path("therapy/settings/", views.therapy_settings, name="therapy-settings"),
    path(
        "therapy/sessions/<int:therapy_session_id>/move/",
        views.session_move,
        name="therapy-session-move",
    ),
    path(
        "therapy/sessions/<int:therapy_session_id>/note/",
        views.note_write,
        name="therapy-note-write",
    ),
    path("therapy/notes/unsigned/", views.notes_unsigned, name="therapy-notes-unsigned"),
    path("therapy/notes/<int:note_id>/", views.note_detail, name="therapy-note"),
    path("therapy/notes/<int:note_id>/sign/", views.note_sign, name="therapy-note-sign"),
    path("therapy/notes/<int:note_id>/addenda/", views.note_addendum, name="therapy-note-addendum"),
    path("therapy/notes/<int:note_id>/cosign/", views.note_cosign, name="therapy-note-cosign"),
    path(
        "patients/<int:patient_id>/treatment-plan/new/",
        views.plan_create,
        name="treatment-plan-create",
    ),
    path("therapy/plans/<int:treatment_plan_id>/", views.plan_detail, name="treatment-plan"),
    path(
        "therapy/plans/<int:treatment_plan_id>/review/",
        views.plan_review,
        name="treatment-plan-review",
    ),
    path(
        "therapy/plans/<int:treatment_plan_id>/acknowledge/",
        views.plan_acknowledge,
        name="treatment-plan-acknowledge",
    ),
]

api_patterns = [
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
