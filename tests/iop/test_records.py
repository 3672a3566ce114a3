"""The patient's path: intake → assessment → admission → enrollment workflow, and the
rules on each part of the record."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from iop import clock, services
from iop.models import AuditEvent, Enrollment, Inquiry, Patient, Track
from iop.models.care import EnrollmentStatus
from iop.roles import Role
from iop.services import DomainError, TransitionRefusedError
from iop.tenancy import clinic_context
from tests.conftest import Tenant

TODAY = datetime.date(2026, 11, 26)


def morning(tenant: Tenant) -> Track:
    return tenant.records["enrollment_id"].track  # type: ignore[no-any-return]


def evening(tenant: Tenant) -> Track:
    from tests import factories

    with clinic_context(tenant.clinic.pk):
        existing = Track.objects.filter(clinic=tenant.clinic, name="Evening IOP").first()
    if existing:
        return existing
    return factories.track(
        tenant.clinic, actor=tenant.admin.user, name="Evening IOP", slot="evening",
        hours=(datetime.time(18), datetime.time(21)),
    )  # fmt: skip


def bearer(tenant: Tenant, role: str = Role.CASE_MANAGER) -> Client:
    from tests import factories

    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_admission_creates_patient_and_enrollment_without_retyping(clinic_a: Tenant) -> None:
    cm = clinic_a.members[Role.CASE_MANAGER]
    therapist = clinic_a.members[Role.THERAPIST]
    inquiry = services.inquiry_create(
        clinic=clinic_a.clinic, actor=cm.user, first_name="Jordan", last_name="Lake",
        preferred_name="Jo", pronouns="they/them", phone="555-0101",
        date_of_birth=datetime.date(1994, 3, 2), referral_source="residential",
    )  # fmt: skip
    services.inquiry_schedule_assessment(
        inquiry, actor=cm.user, at=clock.now() + datetime.timedelta(days=1), assessor=therapist
    )
    services.inquiry_set_status(inquiry, actor=cm.user, status="assessed")
    patient, enrollment = services.inquiry_admit(
        inquiry, actor=cm.user, record_number="R-1", admission_date=TODAY, track=evening(clinic_a),
        level_of_care="asam_2_1", planned_weeks=10, primary_therapist=therapist, case_manager=cm,
    )  # fmt: skip
    assert (patient.legal_first_name, patient.preferred_name, patient.pronouns, patient.phone) == (
        "Jordan", "Jo", "they/them", "555-0101",
    )  # fmt: skip
    assert patient.date_of_birth == datetime.date(1994, 3, 2)
    assert enrollment.track.name == "Evening IOP"
    assert enrollment.planned_end_date == TODAY + datetime.timedelta(weeks=10)
    with clinic_context(clinic_a.clinic.pk):
        inquiry = Inquiry.objects.get(pk=inquiry.pk)
        assert (inquiry.status, inquiry.patient_id) == ("admitted", patient.pk)
        actions = set(
            AuditEvent.objects.filter(patient_id=patient.pk).values_list("object_type", flat=True)
        )
    assert {"iop.patient", "iop.enrollment", "iop.inquiry"} <= actions


def test_inquiry_moves_only_along_the_pipeline(clinic_a: Tenant) -> None:
    inquiry = clinic_a.records["inquiry_id"]
    actor = clinic_a.admin.user
    with pytest.raises(TransitionRefusedError) as refused:
        services.inquiry_admit(
            inquiry, actor=actor, record_number="X", admission_date=TODAY, track=morning(clinic_a),
            level_of_care="asam_2_1", planned_weeks=10, date_of_birth=datetime.date(1990, 1, 1),
        )  # fmt: skip
    assert "assessment_scheduled" in refused.value.allowed
    services.inquiry_set_status(inquiry, actor=actor, status="lost_contact")
    services.inquiry_set_status(inquiry, actor=actor, status="new")  # they called back
    assert inquiry.status == "new"


def test_admission_needs_a_date_of_birth(clinic_a: Tenant) -> None:
    inquiry = clinic_a.records["inquiry_id"]
    Inquiry.objects.filter(pk=inquiry.pk).update(status="assessed")
    inquiry.status = "assessed"
    with clinic_context(clinic_a.clinic.pk), pytest.raises(ValidationError) as error:
        services.inquiry_admit(
            inquiry, actor=clinic_a.admin.user, record_number="X", admission_date=TODAY,
            track=morning(clinic_a), level_of_care="asam_2_1", planned_weeks=10,
        )  # fmt: skip
    assert "date_of_birth" in error.value.message_dict


def test_admission_with_a_taken_record_number_saves_nothing(clinic_a: Tenant) -> None:
    inquiry = clinic_a.records["inquiry_id"]
    with clinic_context(clinic_a.clinic.pk):
        Inquiry.objects.filter(pk=inquiry.pk).update(status="assessed")
        inquiry.refresh_from_db()
        before = Patient.objects.count()
    response = bearer(clinic_a).post(
        f"/api/v1/inquiries/{inquiry.pk}/admit",
        {
            "record_number": clinic_a.patient.record_number, "admission_date": "2026-11-26",
            "track": morning(clinic_a).pk, "planned_weeks": 10, "date_of_birth": "1990-01-01",
        },
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "record_number" in response.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        assert Patient.objects.count() == before
        assert Inquiry.objects.get(pk=inquiry.pk).status == "assessed"


def test_one_open_enrollment_per_patient(clinic_a: Tenant) -> None:
    with pytest.raises(ValidationError, match="already has an active enrollment"):
        services.enrollment_create(
            patient=clinic_a.patient,
            actor=clinic_a.admin.user,
            track=evening(clinic_a),
            admission_date=TODAY,
        )
    response = bearer(clinic_a).post(
        "/api/v1/enrollments/",
        {
            "patient": clinic_a.patient.pk,
            "track": evening(clinic_a).pk,
            "admission_date": "2026-11-26",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "already has an active enrollment" in str(response.json()["error"]["fields"])


def test_invalid_status_move_is_409_with_the_allowed_moves(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    client = bearer(clinic_a)
    url = f"/api/v1/enrollments/{enrollment.pk}/transition"
    done = client.post(url, {"status": "completed"}, content_type="application/json")
    assert done.status_code == 200
    again = client.post(url, {"status": "active"}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["allowed"] == []
    assert "final" in again.json()["error"]["message"]


def test_discharge_needs_its_type_and_ends_the_episode(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    actor = clinic_a.admin.user
    with pytest.raises(ValidationError):
        services.enrollment_transition(enrollment, actor=actor, status="discharged")
    services.enrollment_transition(enrollment, actor=actor, status="on_hold", note="Hospital stay")
    with pytest.raises(TransitionRefusedError) as refused:
        services.enrollment_transition(enrollment, actor=actor, status="completed")
    assert set(refused.value.allowed) == {"active", "stepped_down", "discharged"}
    services.enrollment_transition(
        enrollment, actor=actor, status="discharged", discharge_type="against_advice"
    )
    assert enrollment.ended_on == clock.today(clinic_a.clinic)
    # The episode ended: a new admission is allowed now.
    services.enrollment_create(
        patient=clinic_a.patient,
        actor=actor,
        track=evening(clinic_a),
        admission_date=clock.today(clinic_a.clinic),
    )


def test_extension_moves_the_end_and_keeps_the_history(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    first_end = enrollment.planned_end_date
    with pytest.raises(ValidationError):
        services.enrollment_extend(
            enrollment, actor=clinic_a.admin.user, new_end_date=first_end, reason="More time"
        )
    services.enrollment_extend(
        enrollment, actor=clinic_a.admin.user,
        new_end_date=first_end + datetime.timedelta(weeks=2), reason="Relapse in week 3",
    )  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        enrollment = Enrollment.objects.get(pk=enrollment.pk)
        extension = enrollment.extensions.get()
    assert enrollment.planned_end_date == first_end + datetime.timedelta(weeks=2)
    assert (extension.previous_end_date, extension.reason) == (first_end, "Relapse in week 3")
    assert enrollment.total_weeks == 12


def test_week_counter_and_days_left(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]  # admitted 20 days ago, 10 weeks planned
    assert enrollment.week_number() == 3
    assert enrollment.total_weeks == 10
    assert enrollment.days_left() == 70 - 20


def test_ended_enrollment_cannot_be_extended(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    services.enrollment_transition(enrollment, actor=clinic_a.admin.user, status="completed")
    with pytest.raises(DomainError):
        services.enrollment_extend(
            enrollment, actor=clinic_a.admin.user, reason="x",
            new_end_date=TODAY + datetime.timedelta(days=200),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start_date": "2026-12-10", "end_date": "2026-12-01"}, "end_date"),
        ({"service_code": "other", "custom_code": ""}, "custom_code"),
        ({"units_authorized": 0}, "units_authorized"),
    ],
)
def test_authorization_rules(clinic_a: Tenant, payload: dict[str, object], field: str) -> None:
    body = {
        "patient": clinic_a.patient.pk, "number": "AUTH-9", "service_code": "H0015",
        "units_authorized": 20, "start_date": "2026-11-01", "end_date": "2026-12-31", **payload,
    }  # fmt: skip
    response = bearer(clinic_a, Role.FRONT_DESK).post(
        "/api/v1/authorizations/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_authorization_warnings() -> None:
    from iop.models import Authorization

    auth = Authorization(
        units_authorized=30, units_used=24, start_date=datetime.date(2026, 11, 1),
        end_date=datetime.date(2026, 11, 30),
    )  # fmt: skip
    assert auth.warnings(today=datetime.date(2026, 11, 10)) == ["24 of 30 units used"]
    assert auth.warnings(today=datetime.date(2026, 11, 24)) == [
        "24 of 30 units used",
        "ends Nov 30",
    ]
    auth.units_used = 10
    assert auth.warnings(today=datetime.date(2026, 11, 22)) == []
    assert auth.warnings(today=datetime.date(2026, 11, 23)) == ["ends Nov 30"]
    auth.units_used = 33
    assert auth.warnings(today=datetime.date(2026, 11, 2))[0] == "3 units over the authorization"


def test_a_foreign_patient_id_in_a_body_is_refused(clinic_a: Tenant, clinic_b: Tenant) -> None:
    response = bearer(clinic_a, Role.THERAPIST).post(
        "/api/v1/diagnoses/",
        {"patient": clinic_b.patient.pk, "icd10_code": "F33.1", "description": "MDD",
         "category": "mental_health"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "patient" in response.json()["error"]["fields"]


def test_icd10_codes_are_checked_and_co_occurring_shows(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/diagnoses/new/"
    bad = client.post(url, {"icd10_code": "F9", "description": "x", "category": "mental_health"})
    assert "is not an ICD-10-CM code" in bad.content.decode()
    good = client.post(
        url, {"icd10_code": "f33.1", "description": "Major depressive disorder, recurrent",
              "category": "mental_health", "is_active": "on"},
    )  # fmt: skip
    assert good.status_code == 302
    chart = client.get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    ).content.decode()
    assert "F33.1" in chart
    assert "Co-occurring" in chart


def test_front_desk_sees_insurance_but_no_diagnoses_or_medications(clinic_a: Tenant) -> None:
    chart = (
        clinic_a.client_for(Role.FRONT_DESK)
        .get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
        .content.decode()
    )
    assert "Payer alpha" in chart
    assert "F10.20" not in chart
    assert "naltrexone" not in chart
    nurse_chart = (
        clinic_a.client_for(Role.NURSE)
        .get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
        .content.decode()
    )
    assert "naltrexone" in nurse_chart  # to judge drug tests
    assert "F10.20" not in nurse_chart


def test_chart_header_shows_track_week_and_status(clinic_a: Tenant) -> None:
    chart = (
        clinic_a.client_for()
        .get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
        .content.decode()
    )
    assert "Week 3 of 10" in chart
    assert "Morning" in chart
    assert "Active" in chart


def test_patient_list_filters_by_status_and_track(clinic_a: Tenant) -> None:
    from tests import factories

    factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name="Unenrolled")
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/patients/"
    names = lambda params: [p.legal_last_name for p in client.get(url, params).context["page"]]  # noqa: E731
    assert names({"status": "active", "track": morning(clinic_a).pk}) == ["Patient-alpha"]
    assert names({"status": "none"}) == ["Unenrolled"]
    assert names({"track": evening(clinic_a).pk}) == []


def test_enrollment_status_page_names_the_patient_and_refuses_bad_moves(clinic_a: Tenant) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    client = clinic_a.client_for(Role.CASE_MANAGER)
    chart = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}"
    url = f"{chart}/enrollments/{enrollment.pk}/status/"
    page = client.get(url).content.decode()
    assert clinic_a.patient.display_name in page
    refused = client.post(url, {"status": "discharged"})
    assert "Say how the patient was discharged." in refused.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.ACTIVE


def test_patient_api_filters_and_care_team(clinic_a: Tenant, clinic_b: Tenant) -> None:
    client = bearer(clinic_a, Role.FRONT_DESK)
    therapist = clinic_a.members[Role.THERAPIST]
    changed = client.patch(
        f"/api/v1/patients/{clinic_a.patient.pk}/",
        {"primary_therapist": therapist.pk},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["primary_therapist"] == therapist.pk
    foreign = client.patch(
        f"/api/v1/patients/{clinic_a.patient.pk}/",
        {"case_manager": clinic_b.members[Role.CASE_MANAGER].pk},
        content_type="application/json",
    )
    assert foreign.status_code == 400
    assert "case_manager" in foreign.json()["error"]["fields"]
    found = client.get(
        "/api/v1/patients/",
        {"status": "active", "track": morning(clinic_a).pk, "therapist": therapist.pk},
    ).json()
    assert [p["id"] for p in found["results"]] == [clinic_a.patient.pk]
    assert client.get("/api/v1/patients/", {"status": "nonsense"}).status_code == 400


def _authorization_form(tenant: Tenant, **changes: object) -> dict[str, object]:
    form = {
        "coverage": tenant.records["coverage_id"].pk, "number": "AUTH-77",
        "service_code": "H0015", "custom_code": "", "units_authorized": 24, "units_used": 0,
        "start_date": "2026-11-01", "end_date": "2026-12-31",
    }  # fmt: skip
    return form | changes


def test_an_authorization_linked_to_a_coverage_saves_from_the_page(clinic_a: Tenant) -> None:
    from iop.models import Authorization

    base = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/authorizations"
    client = clinic_a.client_for(Role.FRONT_DESK)
    response = client.post(f"{base}/new/", _authorization_form(clinic_a))
    assert response.status_code == 302, response.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        saved = Authorization.objects.get(clinic=clinic_a.clinic, number="AUTH-77")
    assert saved.coverage_id == clinic_a.records["coverage_id"].pk
    assert saved.patient_id == clinic_a.patient.pk


def test_an_existing_authorization_resaves_unchanged(clinic_a: Tenant) -> None:
    existing = clinic_a.records["authorization_id"]
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/authorizations/{existing.pk}/"
    client = clinic_a.client_for(Role.FRONT_DESK)
    page = client.get(url).content.decode()
    assert f'<option value="{existing.coverage_id}" selected>' in page
    form = _authorization_form(
        clinic_a, number=existing.number, units_authorized=existing.units_authorized,
        start_date=existing.start_date.isoformat(), end_date=existing.end_date.isoformat(),
    )  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()


def test_another_patients_coverage_is_a_field_error(clinic_a: Tenant) -> None:
    from iop.models import Coverage
    from tests import factories

    other = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    theirs = services.record_create(
        Coverage, patient=other, actor=clinic_a.admin.user, payer="Other payer", member_id="X"
    )
    base = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/authorizations"
    response = clinic_a.client_for(Role.FRONT_DESK).post(
        f"{base}/new/", _authorization_form(clinic_a, coverage=theirs.pk)
    )
    assert response.status_code == 200
    assert 'href="#id_coverage"' in response.content.decode()
    api = bearer(clinic_a, Role.FRONT_DESK).post(
        "/api/v1/authorizations/",
        {"patient": clinic_a.patient.pk, **_authorization_form(clinic_a, coverage=theirs.pk)},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["error"]["fields"]["coverage"] == ["Choose one of this patient's coverages."]


def test_completed_with_completed_treatment_is_accepted(clinic_a: Tenant) -> None:
    """Choosing "Completed" and then "Completed treatment" says the same thing twice."""
    enrollment = clinic_a.records["enrollment_id"]
    client = clinic_a.client_for(Role.CASE_MANAGER)
    chart = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}"
    url = f"{chart}/enrollments/{enrollment.pk}/status/"
    done = client.post(url, {"status": "completed", "discharge_type": "completed"})
    assert done.status_code == 302, done.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        saved = Enrollment.objects.get(pk=enrollment.pk)
    assert (saved.status, saved.ended_on) == ("completed", clock.today(clinic_a.clinic))


def test_a_status_with_a_contradicting_discharge_type_says_what_to_choose(
    clinic_a: Tenant,
) -> None:
    enrollment = clinic_a.records["enrollment_id"]
    actor = clinic_a.admin.user
    with pytest.raises(ValidationError) as refused:
        services.enrollment_transition(
            enrollment, actor=actor, status="completed", discharge_type="against_advice"
        )
    assert refused.value.message_dict == {
        "discharge_type": [
            (
                "“Completed” means the patient completed treatment. To record “Left against "
                "advice”, choose the status Discharged."
            )
        ]
    }
    with pytest.raises(ValidationError) as refused:
        services.enrollment_transition(
            enrollment, actor=actor, status="on_hold", discharge_type="administrative"
        )
    assert refused.value.message_dict == {
        "discharge_type": ["Leave the discharge type empty: the status is On hold, not Discharged."]
    }
