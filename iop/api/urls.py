from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import records, views


@csrf_exempt  # nothing happens here; a token-carrying client must see JSON, not a CSRF page
def not_found(request: HttpRequest, **kwargs: object) -> JsonResponse:
    """An address the API does not have: the API's error shape, not an HTML page."""
    error = {"status": 404, "code": "not_found", "message": "Not found."}
    return JsonResponse({"error": error}, status=404)


urlpatterns = [
    path("me", views.MeView.as_view(), name="api-me"),
    path("staff/", views.StaffListView.as_view(), name="api-staff-list"),
    path("staff/<int:id>/", views.StaffDetailView.as_view(), name="api-staff-detail"),
    path("sites/", views.SiteListView.as_view(), name="api-site-list"),
    path("sites/<int:id>/", views.SiteDetailView.as_view(), name="api-site-detail"),
    path("patients/", views.PatientListView.as_view(), name="api-patient-list"),
    path("patients/<int:id>/", views.PatientDetailView.as_view(), name="api-patient-detail"),
    path("audit-events/", views.AuditEventListView.as_view(), name="api-audit-list"),
    path("notifications/", views.NotificationListView.as_view(), name="api-notification-list"),
    path("notifications/read", views.NotificationReadView.as_view()),
    path("diagnoses/", records.DiagnosisList.as_view()),
    path("diagnoses/<int:id>/", records.DiagnosisDetail.as_view()),
    path("medications/", records.MedicationList.as_view()),
    path("medications/<int:id>/", records.MedicationDetail.as_view()),
    path("coverages/", records.CoverageList.as_view()),
    path("coverages/<int:id>/", records.CoverageDetail.as_view()),
    path("payment-plans/", records.PaymentPlanList.as_view()),
    path("payment-plans/<int:id>/", records.PaymentPlanDetail.as_view()),
    path("authorizations/", records.AuthorizationList.as_view()),
    path("authorizations/<int:id>/", records.AuthorizationDetail.as_view()),
    path("enrollments/", records.EnrollmentListView.as_view()),
    path("enrollments/<int:id>/", records.EnrollmentDetailView.as_view()),
    path("enrollments/<int:id>/transition", records.EnrollmentTransitionView.as_view()),
    path("enrollments/<int:id>/extensions", records.EnrollmentExtensionView.as_view()),
    path("inquiries/", records.InquiryListView.as_view()),
    path("inquiries/<int:id>/", records.InquiryDetailView.as_view()),
    path("inquiries/<int:id>/status", records.InquiryStatusView.as_view()),
    path("inquiries/<int:id>/admit", records.InquiryAdmitView.as_view()),
    # Each app's own routes, included by dotted name: the core imports no feature.
    path("", include("scheduling.api_urls")),
    path("", include("groups.api_urls")),
    path("", include("progress.api_urls")),
    path("", include("aftercare.api_urls")),
    path("", include("family.api_urls")),
    path("", include("therapy.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("interop.api_urls")),
    re_path(r"", not_found),
]
