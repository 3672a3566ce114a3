"""Groups' API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("sessions/<int:id>/note", api.GroupNoteView.as_view()),
    path("sessions/<int:id>/note/sign", api.GroupNoteSignView.as_view()),
    path("group-types/", api.GroupTypeListView.as_view()),
    path("topics/", api.TopicListView.as_view()),
    path("topics/<int:id>/", api.TopicDetailView.as_view()),
]
