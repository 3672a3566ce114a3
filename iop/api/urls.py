from django.urls import path

from . import views

urlpatterns = [
    path("me", views.MeView.as_view(), name="api-me"),
    path("staff/", views.StaffListView.as_view(), name="api-staff-list"),
    path("staff/<int:id>/", views.StaffDetailView.as_view(), name="api-staff-detail"),
    path("sites/", views.SiteListView.as_view(), name="api-site-list"),
    path("sites/<int:id>/", views.SiteDetailView.as_view(), name="api-site-detail"),
    path("patients/", views.PatientListView.as_view(), name="api-patient-list"),
    path("patients/<int:id>/", views.PatientDetailView.as_view(), name="api-patient-detail"),
    path("audit-events/", views.AuditEventListView.as_view(), name="api-audit-list"),
]
