from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from iop.views import core, intake, patients

# One create and one edit page per part of the record; each id has its own name so the
# cross-clinic sweep knows which object to try.
record_patterns: list[URLPattern | URLResolver] = [
    pattern
    for kind, id_name in [
        ("diagnoses", "diagnosis_id"),
        ("medications", "medication_id"),
        ("coverages", "coverage_id"),
        ("payment-plans", "payment_plan_id"),
        ("authorizations", "authorization_id"),
    ]
    for pattern in (
        path(
            f"patients/<int:patient_id>/{kind}/new/",
            patients.record_form,
            {"kind": kind},
            name=f"{kind}-create",
        ),
        path(
            f"patients/<int:patient_id>/{kind}/<int:{id_name}>/",
            patients.record_form,
            {"kind": kind},
            name=f"{kind}-edit",
        ),
    )
]

clinic_patterns: list[URLPattern | URLResolver] = [
    path("patients/", patients.patient_list, name="patient-list"),
    path("patients/search/", patients.patient_search, name="patient-search"),
    path("patients/new/", patients.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", patients.patient_chart, name="patient-chart"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient-edit"),
    *record_patterns,
    path(
        "patients/<int:patient_id>/enrollments/new/",
        patients.enrollment_create,
        name="enrollment-create",
    ),
    path(
        "patients/<int:patient_id>/enrollments/<int:enrollment_id>/",
        patients.enrollment_edit,
        name="enrollment-edit",
    ),
    path(
        "patients/<int:patient_id>/enrollments/<int:enrollment_id>/status/",
        patients.enrollment_status,
        name="enrollment-status",
    ),
    path(
        "patients/<int:patient_id>/enrollments/<int:enrollment_id>/extend/",
        patients.enrollment_extend,
        name="enrollment-extend",
    ),
    path("intake/", intake.intake_board, name="intake-board"),
    path("intake/new/", intake.inquiry_create, name="inquiry-create"),
    path("intake/<int:inquiry_id>/", intake.inquiry_detail, name="inquiry-detail"),
    path("intake/<int:inquiry_id>/edit/", intake.inquiry_edit, name="inquiry-edit"),
    path("intake/<int:inquiry_id>/schedule/", intake.inquiry_schedule, name="inquiry-schedule"),
    path("intake/<int:inquiry_id>/outcome/", intake.inquiry_status, name="inquiry-status"),
    path("intake/<int:inquiry_id>/admit/", intake.inquiry_admit, name="inquiry-admit"),
    path("staff/", core.staff_list, name="staff-list"),
    path("staff/invite/", core.staff_invite, name="staff-invite"),
    path("staff/<int:membership_id>/", core.staff_edit, name="staff-edit"),
    path("sites/", core.site_list, name="site-list"),
    path("sites/new/", core.site_create, name="site-create"),
    path("sites/<int:site_id>/", core.site_edit, name="site-edit"),
    path("settings/", core.clinic_settings, name="clinic-settings"),
    path("tokens/", core.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", core.token_revoke, name="token-revoke"),
    path("audit/", core.audit_list, name="audit-list"),
    path("audit/export.csv", core.audit_export, name="audit-export"),
    path("notifications/", core.notification_list, name="notification-list"),
    path(
        "notifications/<int:notification_id>/open/",
        core.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        core.notification_read,
        name="notification-read",
    ),
    # Each app's own pages, included by dotted name: the core imports no feature. The
    # calendar's come first: the clinic's home ("") is its Today roster.
    path("", include("scheduling.urls")),
    path("", include("groups.urls")),
    path("", include("progress.urls")),
    path("", include("aftercare.urls")),
    path("", include("family.urls")),
    path("", include("therapy.urls")),
    path("", include("billing.urls")),
    path("", include("reports.urls")),
    path("", include("interop.urls")),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("session/keepalive", core.session_keepalive, name="session-keepalive"),
    path("invitations/<int:membership_id>/", core.invitation_answer, name="invitation-answer"),
    path("accounts/", include("allauth.urls")),
    path("c/<slug:clinic_slug>/", include(clinic_patterns)),
    path("feeds/", include("scheduling.feed_urls")),
    path("api/v1/", include("iop.api.urls")),
    path("fhir/R4/", include("interop.fhir_urls")),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        # The split view serves Swagger UI's start-up script as a file: no inline script.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="api-docs",
    ),
    path("platform-admin/", admin.site.urls),
]
