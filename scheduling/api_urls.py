"""The calendar's API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api, makeup_api

urlpatterns = [
    path("tracks/", api.TrackListView.as_view()),
    path("tracks/<int:id>/", api.TrackDetailView.as_view()),
    path("rooms/", api.RoomListView.as_view()),
    path("closures/", api.ClosureListView.as_view()),
    path("sessions/", api.SessionListView.as_view()),
    path("sessions/<int:id>/", api.SessionDetailView.as_view()),
    path("sessions/<int:id>/attendance", api.AttendanceView.as_view()),
    path("hours/", api.HoursView.as_view()),
    path("missed-sessions/", makeup_api.MissedSessionListView.as_view()),
    path("missed-sessions/<int:id>/", makeup_api.MissedSessionDetailView.as_view()),
    path("missed-sessions/<int:id>/accept", makeup_api.MissedSessionAcceptView.as_view()),
    path("missed-sessions/<int:id>/waive", makeup_api.MissedSessionWaiveView.as_view()),
]
