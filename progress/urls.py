"""Pages of the progress app, included under /c/<clinic_slug>/ by iop/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("patients/<int:patient_id>/progress/", views.patient_progress, name="patient-progress"),
    path("patients/<int:patient_id>/measures/new/", views.measure_create, name="measure-create"),
    path("patients/<int:patient_id>/check-ins/new/", views.check_in_create, name="check-in-create"),
    path("patients/<int:patient_id>/ratings/new/", views.rating_create, name="rating-create"),
    path(
        "patients/<int:patient_id>/safety-tasks/<int:safety_task_id>/close/",
        views.safety_task_close,
        name="safety-task-close",
    ),
    path(
        "patients/<int:patient_id>/drug-tests/new/", views.drug_test_order, name="drug-test-order"
    ),
    path("drug-tests/", views.drug_test_list, name="drug-test-list"),
    path("drug-tests/random/", views.random_selection_run, name="random-selection-run"),
    path("drug-tests/<int:drug_test_id>/", views.drug_test_detail, name="drug-test-detail"),
]
