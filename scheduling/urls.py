"""The calendar's browser pages, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import day_views, makeup_views, views

urlpatterns = [
    # The clinic's home is the person's day: the roster for the front desk, their own work
    # (groups, notes to sign, the caseload's alerts, the clinic's set-up) for the others.
    path("", day_views.clinic_home, name="clinic-home"),
    path("roster/", views.roster, name="roster"),
    path("makeups/", makeup_views.makeup_queue, name="makeup-queue"),
    path("makeups/<int:missed_id>/", makeup_views.makeup_detail, name="makeup-detail"),
    path("makeups/<int:missed_id>/decide/", makeup_views.makeup_decide, name="makeup-decide"),
    path("notifications/read/", makeup_views.notifications_read, name="notifications-read"),
    path("roster/attendance/<int:attendance_id>/", views.attendance_mark, name="attendance-mark"),
    path(
        "roster/attendance/<int:attendance_id>/times/",
        views.attendance_times,
        name="attendance-times",
    ),
    path("roster/sessions/<int:session_id>/walk-in/", views.walk_in, name="walk-in"),
    path(
        "roster/sessions/<int:session_id>/sign-in-sheet/",
        views.sign_in_sheet,
        name="sign-in-sheet",
    ),
    path(
        "roster/sessions/<int:session_id>/mark-remaining/",
        views.mark_remaining,
        name="mark-remaining",
    ),
    path("roster/sessions/<int:session_id>/topic/", views.session_topic, name="session-topic"),
    path("hours/", views.weekly_hours, name="weekly-hours"),
    path("my-calendar/", views.my_calendar, name="my-calendar"),
    path("patients/<int:patient_id>/calendar/", views.patient_calendar, name="patient-calendar"),
    path("tracks/", views.track_list, name="track-list"),
    path("tracks/new/", views.track_create, name="track-create"),
    path("tracks/<int:track_id>/edit/", views.track_edit, name="track-edit"),
    path("rooms/new/", views.room_create, name="room-create"),
    path("closures/new/", views.closure_create, name="closure-create"),
]
