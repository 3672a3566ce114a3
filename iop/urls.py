from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from aftercare.urls import page_patterns as aftercare_pages
from family.urls import page_patterns as family_pages
from groups import views as groups
from iop import health
from iop.views import core, intake, patients
from progress.urls import urlpatterns as progress_patterns
from scheduling import makeup_views
from scheduling import views as roster
from therapy.urls import page_patterns as therapy_pages

# One create and one edit page per part of the record; each id has its own name so the
# cross-clinic sweep knows which object to try.
record_patterns = [
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

clinic_patterns = [
    # The clinic's home is the Today roster: the first screen is the day's work.
    path("", roster.roster, name="clinic-home"),
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
    path("roster/", roster.roster, name="roster"),
    path("makeups/", makeup_views.makeup_queue, name="makeup-queue"),
    path("makeups/<int:missed_id>/", makeup_views.makeup_detail, name="makeup-detail"),
    path("makeups/<int:missed_id>/decide/", makeup_views.makeup_decide, name="makeup-decide"),
    path("notifications/read/", makeup_views.notifications_read, name="notifications-read"),
    path("roster/attendance/<int:attendance_id>/", roster.attendance_mark, name="attendance-mark"),
    path("roster/sessions/<int:session_id>/walk-in/", roster.walk_in, name="walk-in"),
    path("roster/sessions/<int:session_id>/topic/", roster.session_topic, name="session-topic"),
    path("sessions/<int:session_id>/note/", groups.group_note, name="group-note"),
    path("curriculum/", groups.curriculum, name="curriculum"),
    path("curriculum/group-types/new/", groups.group_type_form, name="group-type-create"),
    path(
        "curriculum/group-types/<int:group_type_id>/",
        groups.group_type_form,
        name="group-type-edit",
    ),
    path("curriculum/topics/new/", groups.topic_form, name="topic-create"),
    path("curriculum/topics/<int:topic_id>/", groups.topic_form, name="topic-edit"),
    path("hours/", roster.weekly_hours, name="weekly-hours"),
    path("my-calendar/", roster.my_calendar, name="my-calendar"),
    path("patients/<int:patient_id>/calendar/", roster.patient_calendar, name="patient-calendar"),
    path("tracks/", roster.track_list, name="track-list"),
    path("tracks/new/", roster.track_create, name="track-create"),
    path("tracks/<int:track_id>/edit/", roster.track_edit, name="track-edit"),
    path("rooms/new/", roster.room_create, name="room-create"),
    path("closures/new/", roster.closure_create, name="closure-create"),
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
    # --- aftercare ---
    *aftercare_pages,
    # --- progress app: caseload, progress page, measures, check-ins, drug tests ---
    *progress_patterns,
    # --- family app: family members, consents, sharing, family sessions ---
    *family_pages,
    # --- therapy: individual sessions, treatment plans, progress notes ---
    *therapy_pages,
]

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("session/keepalive", core.session_keepalive, name="session-keepalive"),
    path("accounts/", include("allauth.urls")),
    path("c/<slug:clinic_slug>/", include(clinic_patterns)),
    path("feeds/<slug:clinic_slug>/<str:token>.ics", roster.ics_feed, name="ics-feed"),
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
