"""Groups' browser pages (group notes, the curriculum), included under /c/<clinic_slug>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<int:session_id>/note/", views.group_note, name="group-note"),
    path("curriculum/", views.curriculum, name="curriculum"),
    path("curriculum/group-types/new/", views.group_type_form, name="group-type-create"),
    path(
        "curriculum/group-types/<int:group_type_id>/",
        views.group_type_form,
        name="group-type-edit",
    ),
    path("curriculum/topics/new/", views.topic_form, name="topic-create"),
    path("curriculum/topics/<int:topic_id>/", views.topic_form, name="topic-edit"),
]
