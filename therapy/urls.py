"""Therapy's browser pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("therapy/", views.therapy_home, name="therapy-home"),
    path("therapy/week/", views.week, name="therapy-week"),
    path("therapy/availability/", views.availability, name="therapy-availability"),
    path("therapy/schedule/", views.schedule, name="therapy-schedule"),
    path(
        "therapy/schedule/patients/<int:patient_id>/book/",
        views.session_book,
        name="therapy-session-book",
    ),
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
