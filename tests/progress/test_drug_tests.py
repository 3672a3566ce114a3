"""Drug tests end to end through the API: ordering, collection with validity computed by the
server, results marked expected or unexpected against current prescriptions, refusals with
nothing saved, random selection reproducible from its stored seed, review, and results
kept from the front desk."""

import datetime
from typing import Any

from django.test import Client

from iop import clock
from iop import services as core
from iop.models import Medication
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.models import DrugTest, RandomSelection, SubstanceResult
from progress.services import attendees_on, select_patients
from tests import factories
from tests.conftest import Tenant


def api(tenant: Tenant, role: str = Role.NURSE) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def order(tenant: Tenant, patient_id: int | None = None) -> int:
    response = post(
        api(tenant),
        "/api/v1/drug-tests/",
        {"patient": patient_id or tenant.patient.pk, "panel": tenant.records["panel_id"].pk,
         "ordered_for": clock.today(tenant.clinic).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


COLLECTION = {
    "specimen_type": "urine", "observed": True, "temperature": "96.5", "temperature_unit": "F",
    "custody_id": "CC-77", "creatinine": "15", "specific_gravity": "1.0020", "ph": "6.5",
}  # fmt: skip


def collect(tenant: Tenant, test_id: int, **change: Any) -> Any:
    collected = (clock.now() - datetime.timedelta(minutes=5)).isoformat()
    return post(
        api(tenant), f"/api/v1/drug-tests/{test_id}/collection",
        {"collected_at": collected, **COLLECTION, **change},
    )  # fmt: skip


def test_validity_is_computed_by_the_server_never_typed(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    response = collect(clinic_a, test_id, validity="normal")
    assert response.status_code == 200, response.content
    assert response.json()["validity"] == "dilute"  # creatinine 15, SG 1.002
    assert response.json()["status"] == "collected"
    second = collect(clinic_a, test_id)
    assert second.status_code == 409


def test_a_collection_time_in_the_future_is_refused(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    later = (clock.now() + datetime.timedelta(hours=2)).isoformat()
    response = collect(clinic_a, test_id, collected_at=later)
    assert response.status_code == 400
    assert "collected_at" in response.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        assert DrugTest.objects.get(pk=test_id).collected_at is None


def test_a_lab_confirmation_for_a_test_never_collected_is_refused(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    response = post(
        api(clinic_a), f"/api/v1/drug-tests/{test_id}/results",
        {"results": [{"substance": "coc", "method": "confirmed", "outcome": "positive"}]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "method" in response.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        assert not SubstanceResult.objects.filter(test_id=test_id).exists()


def test_a_result_for_a_substance_not_on_the_panel_saves_nothing(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    collect(clinic_a, test_id)
    response = post(
        api(clinic_a), f"/api/v1/drug-tests/{test_id}/results",
        {"results": [{"substance": "thc", "method": "presumptive", "outcome": "negative"},
                     {"substance": "fen", "method": "presumptive", "outcome": "positive"}]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "substance" in response.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        assert not SubstanceResult.objects.filter(test_id=test_id).exists()


def test_positives_are_expected_only_with_a_matching_current_prescription(
    clinic_a: Tenant,
) -> None:
    patient = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user)
    today = clock.today(clinic_a.clinic)
    core.record_create(
        Medication, patient=patient, actor=clinic_a.admin.user,
        name="buprenorphine/naloxone", started_on=today - datetime.timedelta(days=30),
    )  # fmt: skip
    test_id = order(clinic_a, patient.pk)
    collect(clinic_a, test_id, creatinine="80", specific_gravity="1.015")
    response = post(
        api(clinic_a), f"/api/v1/drug-tests/{test_id}/results",
        {"results": [{"substance": "bup", "method": "presumptive", "outcome": "positive"},
                     {"substance": "coc", "method": "presumptive", "outcome": "positive"},
                     {"substance": "thc", "method": "presumptive", "outcome": "negative"}]},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    by_substance = {r["substance"]: r for r in response.json()["results"]}
    assert (by_substance["bup"]["expected"], by_substance["bup"]["explained_by"]) == (
        True, "buprenorphine/naloxone",
    )  # fmt: skip
    assert by_substance["coc"]["expected"] is False
    assert by_substance["thc"]["expected"] is None
    assert response.json()["validity"] == "normal"

    # The lab confirms; a clinician reviews with a comment (nurses cannot review).
    confirm = post(
        api(clinic_a), f"/api/v1/drug-tests/{test_id}/results",
        {"results": [{"substance": "coc", "method": "confirmed", "outcome": "positive",
                      "value": "412"}]},
    )  # fmt: skip
    assert confirm.status_code == 200
    path = f"/api/v1/drug-tests/{test_id}/review"
    assert post(api(clinic_a), path, {"comment": "x"}).status_code == 403
    assert post(api(clinic_a, Role.CASE_MANAGER), path, {"comment": ""}).status_code == 400
    reviewed = post(api(clinic_a, Role.CASE_MANAGER), path, {"comment": "Discussed; plan made."})
    assert reviewed.json()["review_comment"] == "Discussed; plan made."


def test_front_desk_never_sees_results(clinic_a: Tenant) -> None:
    desk = api(clinic_a, Role.FRONT_DESK)
    test_id = clinic_a.records["drug_test_id"].pk
    assert desk.get("/api/v1/drug-tests/").status_code == 403
    assert desk.get(f"/api/v1/drug-tests/{test_id}/").status_code == 403
    assert desk.get(f"/api/v1/patients/{clinic_a.patient.pk}/progress").status_code == 403
    web = clinic_a.client_for(Role.FRONT_DESK)
    assert web.get(f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/").status_code == 403
    nav = web.get(f"/c/{clinic_a.clinic.slug}/").content.decode()
    assert "Drug tests" not in nav
    assert "Caseload" not in nav


def test_random_selection_is_recorded_and_reproducible_from_its_seed(clinic_a: Tenant) -> None:
    session = clinic_a.records["session_id"]
    for n in range(9):
        factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name=f"R{n}")
    _put_on_session(clinic_a, session, count=9)
    candidates = attendees_on(clinic=clinic_a.clinic, day=session.day)
    assert len(candidates) == 10
    response = post(
        api(clinic_a), "/api/v1/random-selections/",
        {"day": session.day.isoformat(), "panel": clinic_a.records["panel_id"].pk, "percent": 20},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["candidates"] == candidates
    assert len(body["selected"]) == 2
    assert len(body["seed"]) == 32
    # Anyone auditing re-runs the pick from what was stored and gets the same patients.
    assert (
        select_patients(seed=body["seed"], candidates=body["candidates"], percent=20)
        == (body["selected"])
    )
    with clinic_context(clinic_a.clinic.pk):
        selection = RandomSelection.objects.get(pk=body["id"])
        ordered = set(
            DrugTest.objects.filter(selection=selection).values_list("patient_id", flat=True)
        )
    assert ordered == set(body["selected"])
    # A second run uses a new secret seed.
    again = post(
        api(clinic_a), "/api/v1/random-selections/",
        {"day": session.day.isoformat(), "panel": clinic_a.records["panel_id"].pk, "percent": 20},
    ).json()  # fmt: skip
    assert again["seed"] != body["seed"]


def test_random_selection_on_a_day_without_attendees_is_a_field_error(clinic_a: Tenant) -> None:
    response = post(
        api(clinic_a), "/api/v1/random-selections/",
        {"day": "2001-01-01", "panel": clinic_a.records["panel_id"].pk},
    )  # fmt: skip
    assert response.status_code == 400
    assert "day" in response.json()["error"]["fields"]


def test_drug_test_page_records_collection_and_results(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    web = clinic_a.client_for(Role.NURSE)
    url = f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/"
    # Staff type the clinic's wall-clock time.
    local = clock.local_now(clinic_a.clinic)
    future = (local + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = web.post(url, {"action": "collect", "collected_at": future, "specimen_type": "urine",
                             "observed": "yes", "temperature": "96.4",
                             "temperature_unit": "F"})  # fmt: skip
    assert "cannot be in the future" in refused.content.decode()
    now = (local - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    done = web.post(url, {"action": "collect", "collected_at": now, "specimen_type": "urine",
                          "observed": "no", "temperature": "36.0", "temperature_unit": "C",
                          "creatinine": "3", "specific_gravity": "1.0020", "ph": "6"},
                     follow=True)  # fmt: skip
    page = done.content.decode()
    assert "Dilute" in page
    assert "creatinine 3 mg/dL (2–5)" in page
    assert "Observed recollection" in page
    assert "Close the task" in page
    results = web.post(url, {"action": "results", "method": "presumptive",
                             "outcome_thc": "positive"}, follow=True)  # fmt: skip
    assert "Unexpected" in results.content.decode()
    # A case manager reads it and reviews, but cannot record results.
    manager = clinic_a.client_for(Role.CASE_MANAGER)
    assert manager.post(url, {"action": "results", "method": "presumptive"}).status_code == 403
    assert (
        manager.post(url, {"action": "review", "comment": "Talked it through."}).status_code == 302
    )


def _put_on_session(tenant: Tenant, session: Any, count: int) -> None:
    from iop.models import Patient
    from scheduling.models import Attendance

    with clinic_context(tenant.clinic.pk):
        listed = set(
            Attendance.objects.filter(session=session).values_list("patient_id", flat=True)
        )
        others = Patient.objects.filter(clinic=tenant.clinic).exclude(pk__in=listed)[:count]
        Attendance.objects.bulk_create(
            Attendance(clinic=tenant.clinic, session=session, patient=p,
                       starts_at=session.starts_at, ends_at=session.ends_at)
            for p in others
        )  # fmt: skip


def test_default_panels_with_their_cutoffs_once_per_clinic(clinic_a: Tenant) -> None:
    from progress.services import panel_defaults_create

    made = panel_defaults_create(clinic=clinic_a.clinic, actor=clinic_a.admin.user)
    assert panel_defaults_create(clinic=clinic_a.clinic, actor=clinic_a.admin.user) == []
    panels = api(clinic_a).get("/api/v1/drug-test-panels/").json()["results"]
    by_name = {p["name"]: p for p in panels}
    assert {p.name for p in made} <= set(by_name)
    assert len(by_name["12-panel cup with fentanyl"]["substances"]) == 12
    assert by_name["EtG (alcohol, 500 ng/mL)"]["substances"] == [
        {"substance": "etg", "cutoff": "500.000", "unit": "ng/mL", "cutoff_display": "500 ng/mL"}
    ]
    assert by_name["Breathalyzer"]["substances"][0]["unit"] == "g/dL"


def test_results_entry_all_negative_status_resulted_and_negatives_listed(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    assert collect(clinic_a, test_id).status_code == 200
    web = clinic_a.client_for(Role.NURSE)
    url = f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/"
    form = web.get(url).content.decode()
    # Compact: one row of choices per substance, not a dropdown each.
    assert '<select name="outcome_' not in form
    assert 'type="radio" name="outcome_thc" value="positive"' in form
    assert 'name="all_negative"' in form
    # One positive chosen, the rest left: "all others negative" records every substance.
    web.post(url, {"action": "results", "method": "presumptive", "outcome_thc": "positive",
                   "all_negative": "1"})  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        outcomes = dict(
            SubstanceResult.objects.filter(test_id=test_id).values_list("substance", "outcome")
        )
        on_panel = DrugTest.objects.get(pk=test_id).panel.substances.count()
    assert outcomes["thc"] == "positive"
    assert len(outcomes) == on_panel > 2
    assert set(outcomes.values()) == {"positive", "negative"}
    # The status moves on once results are in, here and in the API.
    assert "<dd>Resulted</dd>" in web.get(url).content.decode()
    assert api(clinic_a).get(f"/api/v1/drug-tests/{test_id}/").json()["status"] == "resulted"
    # The list says what the negatives are, not a blank.
    listing = web.get(f"/c/{clinic_a.clinic.slug}/drug-tests/").content.decode()
    assert "Resulted" in listing
    assert f"{on_panel - 1} negative" in listing


def test_all_negative_on_a_test_with_nothing_chosen(clinic_a: Tenant) -> None:
    test_id = order(clinic_a)
    collect(clinic_a, test_id)
    web = clinic_a.client_for(Role.NURSE)
    url = f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/"
    web.post(url, {"action": "results", "method": "presumptive", "all_negative": "1"})
    listing = web.get(f"/c/{clinic_a.clinic.slug}/drug-tests/").content.decode()
    assert "All negative" in listing
    with clinic_context(clinic_a.clinic.pk):
        assert set(
            SubstanceResult.objects.filter(test_id=test_id).values_list("outcome", flat=True)
        ) == {"negative"}
