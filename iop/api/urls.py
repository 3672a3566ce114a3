from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from aftercare.urls import api_patterns as aftercare_api
from family.urls import api_patterns as family_api
from progress import api as progress
from scheduling import api as calendar
from scheduling import makeup_api
from therapy.urls import api_patterns as therapy_api

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
    path("tracks/", calendar.TrackListView.as_view()),
    path("tracks/<int:id>/", calendar.TrackDetailView.as_view()),
    path("rooms/", calendar.RoomListView.as_view()),
    path("closures/", calendar.ClosureListView.as_view()),
    path("sessions/", calendar.SessionListView.as_view()),
    path("sessions/<int:id>/", calendar.SessionDetailView.as_view()),
    path("sessions/<int:id>/attendance", calendar.AttendanceView.as_view()),
    path("sessions/<int:id>/note", calendar.GroupNoteView.as_view()),
    path("sessions/<int:id>/note/sign", calendar.GroupNoteSignView.as_view()),
    path("group-types/", calendar.GroupTypeListView.as_view()),
    path("topics/", calendar.TopicListView.as_view()),
    path("topics/<int:id>/", calendar.TopicDetailView.as_view()),
    path("hours/", calendar.HoursView.as_view()),
    path("missed-sessions/", makeup_api.MissedSessionListView.as_view()),
    path("missed-sessions/<int:id>/", makeup_api.MissedSessionDetailView.as_view()),
    path("missed-sessions/<int:id>/accept", makeup_api.MissedSessionAcceptView.as_view()),
    path("missed-sessions/<int:id>/waive", makeup_api.MissedSessionWaiveView.as_view()),
    # --- aftercare ---
    *aftercare_api,
    # --- progress app: check-ins, ratings, drug tests, measures, safety tasks, caseload ---
    path("check-ins/", progress.CheckInListView.as_view()),
    path("check-ins/<int:id>/", progress.CheckInDetailView.as_view()),
    path("daily-ratings/", progress.DailyRatingListView.as_view()),
    path("drug-test-panels/", progress.PanelListView.as_view()),
    path("drug-test-panels/<int:id>/", progress.PanelDetailView.as_view()),
    path("drug-tests/", progress.DrugTestListView.as_view()),
    path("drug-tests/<int:id>/", progress.DrugTestDetailView.as_view()),
    path("drug-tests/<int:id>/collection", progress.DrugTestCollectionView.as_view()),
    path("drug-tests/<int:id>/results", progress.DrugTestResultsView.as_view()),
    path("drug-tests/<int:id>/review", progress.DrugTestReviewView.as_view()),
    path("random-selections/", progress.RandomSelectionListView.as_view()),
    path("random-selections/<int:id>/", progress.RandomSelectionDetailView.as_view()),
    path("instruments/", progress.InstrumentListView.as_view()),
    path("measures/", progress.MeasureListView.as_view()),
    path("measures/<int:id>/", progress.MeasureDetailView.as_view()),
    path("safety-tasks/", progress.SafetyTaskListView.as_view()),
    path("safety-tasks/<int:id>/", progress.SafetyTaskDetailView.as_view()),
    path("safety-tasks/<int:id>/close", progress.SafetyTaskCloseView.as_view()),
    path("caseload/", progress.CaseloadView.as_view()),
    path("patients/<int:id>/progress", progress.PatientProgressView.as_view()),
    # --- end progress app ---
    # --- family app: family members, consents, disclosures, family sessions ---
    *family_api,
    # --- therapy: availability, individual sessions, treatment plans, progress notes ---
    *therapy_api,
    re_path(r"", not_found),
]
