from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from iop import health, views

clinic_patterns = [
    path("", views.clinic_home, name="clinic-home"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/search/", views.patient_search, name="patient-search"),
    path("patients/new/", views.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", views.patient_chart, name="patient-chart"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path("staff/", views.staff_list, name="staff-list"),
    path("staff/invite/", views.staff_invite, name="staff-invite"),
    path("staff/<int:membership_id>/", views.staff_edit, name="staff-edit"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/new/", views.site_create, name="site-create"),
    path("sites/<int:site_id>/", views.site_edit, name="site-edit"),
    path("settings/", views.clinic_settings, name="clinic-settings"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("session/keepalive", views.session_keepalive, name="session-keepalive"),
    path("accounts/", include("allauth.urls")),
    path("c/<slug:clinic_slug>/", include(clinic_patterns)),
    path("api/v1/", include("iop.api.urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="api-docs",
    ),
    path("platform-admin/", admin.site.urls),
]
