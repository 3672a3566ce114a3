"""The progress app's API routes, included under /api/v1/ by iop/api/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("check-ins/", api.CheckInListView.as_view()),
    path("check-ins/<int:id>/", api.CheckInDetailView.as_view()),
    path("daily-ratings/", api.DailyRatingListView.as_view()),
    path("drug-test-panels/", api.PanelListView.as_view()),
    path("drug-test-panels/<int:id>/", api.PanelDetailView.as_view()),
    path("drug-tests/", api.DrugTestListView.as_view()),
    path("drug-tests/<int:id>/", api.DrugTestDetailView.as_view()),
    path("drug-tests/<int:id>/collection", api.DrugTestCollectionView.as_view()),
    path("drug-tests/<int:id>/results", api.DrugTestResultsView.as_view()),
    path("drug-tests/<int:id>/review", api.DrugTestReviewView.as_view()),
    path("recollection-tasks/", api.RecollectionTaskListView.as_view()),
    path("recollection-tasks/<int:id>/", api.RecollectionTaskDetailView.as_view()),
    path("recollection-tasks/<int:id>/close", api.RecollectionTaskCloseView.as_view()),
    path("validity-criteria/", api.ValidityCriteriaView.as_view()),
    path("medication-expectations/", api.MedicationExpectationListView.as_view()),
    path("medication-expectations/<int:id>/", api.MedicationExpectationDetailView.as_view()),
    path("random-selections/", api.RandomSelectionListView.as_view()),
    path("random-selections/<int:id>/", api.RandomSelectionDetailView.as_view()),
    path("instruments/", api.InstrumentListView.as_view()),
    path("measures/", api.MeasureListView.as_view()),
    path("measures/<int:id>/", api.MeasureDetailView.as_view()),
    path("safety-tasks/", api.SafetyTaskListView.as_view()),
    path("safety-tasks/<int:id>/", api.SafetyTaskDetailView.as_view()),
    path("safety-tasks/<int:id>/close", api.SafetyTaskCloseView.as_view()),
    path("caseload/", api.CaseloadView.as_view()),
    path("patients/<int:id>/progress", api.PatientProgressView.as_view()),
]
