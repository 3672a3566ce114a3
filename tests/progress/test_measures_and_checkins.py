"""Measures through the API and the pages: scored server-side, bad answers refused with
nothing saved, PHQ-9 item 9 opening a same-day safety task that flags the chart until it
is closed with a note; check-ins and daily ratings."""

import datetime

import pytest
from django.test import Client

from iop import clock
from iop import services as core
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.models import CheckIn, DailyRating, Measure, SafetyTask
from scheduling import services as calendar
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant


def api(tenant: Tenant, role: str) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def new_patient(tenant: Tenant, **fields: object) -> int:
    patient = factories.patient(tenant.clinic, actor=tenant.admin.user, **fields)
    return int(patient.pk)


def count(model: type, tenant: Tenant, **filters: object) -> int:
    with clinic_context(tenant.clinic.pk):
        return int(model._default_manager.filter(clinic=tenant.clinic, **filters).count())  # type: ignore[attr-defined]


def test_measures_are_scored_by_the_server(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.CASE_MANAGER)
    patient = new_patient(clinic_a)
    today = clock.today(clinic_a.clinic).isoformat()
    phq = client.post(
        "/api/v1/measures/",
        {"patient": patient, "instrument": "phq9", "administered_on": today,
         "answers": [2, 2, 2, 2, 2, 2, 2, 1, 0], "total": 0, "band": "Minimal"},
        content_type="application/json",
    )  # fmt: skip
    assert phq.status_code == 201, phq.content
    assert (phq.json()["total"], phq.json()["band"], phq.json()["safety_task"]) == (
        15, "Moderately severe", None,
    )  # fmt: skip
    bam = client.post(
        "/api/v1/measures/",
        {"patient": patient, "instrument": "bam", "administered_on": today,
         # items 1–6, then 7A–7G (item 7's sub-questions), then 8–17
         "answers": [2, 3, 1, 2, 1, 3, 3, 0, 1, 0, 0, 0, 0, 4, 1, 0, 2, 3, 4, 4, 1, 2, 3]},
        content_type="application/json",
    ).json()  # fmt: skip
    assert (bam["total"], bam["bam_use"], bam["bam_risk"], bam["bam_protective"]) == (
        None,
        6,
        13,
        14,
    )
    audit = client.post(
        "/api/v1/measures/",
        {"patient": patient, "instrument": "audit_c", "administered_on": today,
         "answers": [1, 1, 1], "sex": "female"},
        content_type="application/json",
    ).json()  # fmt: skip
    assert (audit["total"], audit["band"]) == (3, "Positive")


def test_bad_answers_are_field_errors_and_nothing_is_saved(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.THERAPIST)
    patient = new_patient(clinic_a)
    today = clock.today(clinic_a.clinic)
    before = count(Measure, clinic_a)
    cases = [
        ({"answers": [0] * 8}, "answers"),  # missing an item
        ({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 7]}, "answers"),  # out of range
        ({"answers": [0] * 9, "administered_on": (today + datetime.timedelta(days=1)).isoformat()},
         "administered_on"),
        ({"answers": [1, 1, 1], "instrument": "audit_c"}, "sex"),  # cutoff needs the sex
    ]  # fmt: skip
    for change, field in cases:
        body = {"patient": patient, "instrument": "phq9", "administered_on": today.isoformat(),
                **change}  # fmt: skip
        response = client.post("/api/v1/measures/", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"], response.json()
    assert count(Measure, clinic_a) == before


def test_item9_opens_a_same_day_safety_task_for_the_primary_therapist(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    patient_id = new_patient(clinic_a, primary_therapist=therapist)
    client = api(clinic_a, Role.CASE_MANAGER)
    today = clock.today(clinic_a.clinic)
    response = client.post(
        "/api/v1/measures/",
        {"patient": patient_id, "instrument": "phq9", "administered_on": today.isoformat(),
         "answers": [0, 0, 0, 0, 0, 0, 0, 0, 1]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    task_id = response.json()["safety_task"]
    with clinic_context(clinic_a.clinic.pk):
        task = SafetyTask.objects.get(pk=task_id)
    assert (task.assigned_to_id, task.due_on, task.closed_at) == (therapist.pk, today, None)

    # The chart is flagged until the task is closed.
    web = clinic_a.client_for(Role.THERAPIST)
    chart_url = f"/c/{clinic_a.clinic.slug}/patients/{patient_id}/"
    assert "Safety follow-up due" in web.get(chart_url).content.decode()
    # Front desk and nurses do not see clinical flags.
    assert (
        "Safety follow-up"
        not in clinic_a.client_for(Role.FRONT_DESK).get(chart_url).content.decode()
    )

    # Closing needs the screen and a plan: refused without, by the API and by the page.
    close = f"/api/v1/safety-tasks/{task_id}/close"
    refused = api(clinic_a, Role.THERAPIST).post(
        close, {"wish_dead": False, "suicidal_thoughts": False, "behavior": False, "plan": "  "},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400
    page = f"/c/{clinic_a.clinic.slug}/patients/{patient_id}/safety-tasks/{task_id}/close/"
    assert "There is a problem" in web.post(page, {"plan": ""}).content.decode()
    assert "Safety follow-up due" in web.get(chart_url).content.decode()
    screen = {"wish_dead": "yes", "suicidal_thoughts": "no", "behavior": "no"}
    done = web.post(page, {**screen, "plan": "Called the patient; safety plan reviewed."})
    assert done.status_code == 302
    assert "Safety follow-up due" not in web.get(chart_url).content.decode()
    again = api(clinic_a, Role.THERAPIST).post(
        close, {"wish_dead": False, "suicidal_thoughts": False, "behavior": False,
                "plan": "again"}, content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 409


def test_no_safety_task_when_item9_is_zero(clinic_a: Tenant) -> None:
    patient_id = new_patient(clinic_a)
    before = count(SafetyTask, clinic_a)
    api(clinic_a, Role.THERAPIST).post(
        "/api/v1/measures/",
        {"patient": patient_id, "instrument": "phq9",
         "administered_on": clock.today(clinic_a.clinic).isoformat(), "answers": [3] * 8 + [0]},
        content_type="application/json",
    )  # fmt: skip
    assert count(SafetyTask, clinic_a) == before


def test_measure_page_scores_and_shows_errors_beside_items(clinic_a: Tenant) -> None:
    patient_id = new_patient(clinic_a)
    web = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/patients/{patient_id}/measures/new/?instrument=gad7"
    page = web.get(url).content.decode()
    assert "Not being able to stop or control worrying" in page
    today = clock.today(clinic_a.clinic).isoformat()
    partial = web.post(url, {"administered_on": today, "item_1": "1"}).content.decode()
    assert "Answer item 2." in partial
    answers = {f"item_{n}": "2" for n in range(1, 8)}
    done = web.post(url, {"administered_on": today, **answers}, follow=True).content.decode()
    assert "GAD-7: 14 (Moderate)" in done


def test_check_in_with_ratings_and_barriers(clinic_a: Tenant) -> None:
    patient_id = new_patient(clinic_a)
    client = api(clinic_a, Role.CASE_MANAGER)
    today = clock.today(clinic_a.clinic).isoformat()
    body = {"patient": patient_id, "held_on": today, "progress": "Two job interviews.",
            "barriers": ["transport", "childcare"], "vocational_status": "seeking",
            "ratings": {"mood": 7, "stress": 5, "cravings": 2, "sleep": 6}}  # fmt: skip
    response = client.post("/api/v1/check-ins/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["barriers"] == ["transport", "childcare"]
    with clinic_context(clinic_a.clinic.pk):
        rating = DailyRating.objects.get(patient_id=patient_id)
    assert (rating.mood, rating.check_in_id) == (7, response.json()["id"])

    other = client.post(
        "/api/v1/check-ins/", {**body, "barriers": ["other"]}, content_type="application/json"
    )
    assert other.status_code == 400
    assert "barriers_other" in other.json()["error"]["fields"]
    group = clinic_a.records["session_id"]  # a group, not a check-in session
    linked = client.post(
        "/api/v1/check-ins/", {**body, "session": group.pk}, content_type="application/json"
    )
    assert "session" in linked.json()["error"]["fields"]
    assert count(CheckIn, clinic_a, patient_id=patient_id) == 1


def test_daily_ratings_out_of_range_or_missing_are_refused(clinic_a: Tenant) -> None:
    patient_id = new_patient(clinic_a)
    client = api(clinic_a, Role.THERAPIST)
    today = clock.today(clinic_a.clinic).isoformat()
    ok = {
        "patient": patient_id,
        "rated_on": today,
        "mood": 5,
        "stress": 5,
        "cravings": 0,
        "sleep": 10,
    }
    for bad, field in [
        ({"mood": 11}, "mood"),
        ({"sleep": -1}, "sleep"),
        ({"stress": None}, "stress"),
    ]:
        response = client.post(
            "/api/v1/daily-ratings/", {**ok, **bad}, content_type="application/json"
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    assert count(DailyRating, clinic_a, patient_id=patient_id) == 0
    assert (
        client.post("/api/v1/daily-ratings/", ok, content_type="application/json").status_code
        == 201
    )


def test_check_in_page_asks_for_all_four_ratings_or_none(clinic_a: Tenant) -> None:
    patient_id = new_patient(clinic_a)
    web = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/patients/{patient_id}/check-ins/new/"
    today = clock.today(clinic_a.clinic).isoformat()
    page = web.post(url, {"held_on": today, "progress": "ok", "mood": "5"}).content.decode()
    assert "Rate all four, or none." in page
    assert count(CheckIn, clinic_a, patient_id=patient_id) == 0
    assert web.post(url, {"held_on": today, "progress": "ok"}).status_code == 302


def test_the_care_team_fields_are_on_the_patient(clinic_a: Tenant) -> None:
    """The safety task goes to Patient.primary_therapist (the care team lives on the patient,
    not the enrollment): without one the task is still opened, unassigned."""
    patient_id = new_patient(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        from iop.models import Patient

        patient = Patient.objects.get(pk=patient_id)
        core.patient_update(patient=patient, actor=clinic_a.admin.user, primary_therapist=None)
    response = api(clinic_a, Role.CASE_MANAGER).post(
        "/api/v1/measures/",
        {"patient": patient_id, "instrument": "phq9",
         "administered_on": clock.today(clinic_a.clinic).isoformat(), "answers": [0] * 8 + [2]},
        content_type="application/json",
    )  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        task = SafetyTask.objects.get(pk=response.json()["safety_task"])
    assert task.assigned_to_id is None
    assert "answered 2" in task.reason


@pytest.mark.instant("2026-12-02 17:00")
@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
def test_the_check_in_form_names_sessions_by_the_clinic_time(clinic_a: Tenant) -> None:
    today = clock.today(clinic_a.clinic)
    begin = clock.at(clinic_a.clinic, today, datetime.time(16))
    session = calendar.session_create(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, kind="check_in", day=today,
        starts_at=begin, ends_at=begin + datetime.timedelta(minutes=30),
    )  # fmt: skip
    calendar.attendance_add(session=session, patient=clinic_a.patient, actor=clinic_a.admin.user)
    page = clinic_a.client_for(Role.CASE_MANAGER).get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/check-ins/new/"
    )
    assert "Dec 2, 4:00 PM" in page.content.decode()
