"""The calendar feeds, included under /feeds/ by iop/urls.py: calendar apps fetch them
with the secret in the address, without a session."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:clinic_slug>/<str:token>.ics", views.ics_feed, name="ics-feed"),
]
