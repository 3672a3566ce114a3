"""Collection and medication-assisted treatment through the API and the pages: the validity
names its criteria set, the temperature is checked in its unit and an out-of-range one (or
a dilute specimen with creatinine 2–5) opens an observed-recollection task for the collector;
a buprenorphine or methadone patient whose result does not fit is flagged on the result, the
chart, the caseload and to the case manager; the expectations are the clinic's data; panels
offer the newer substances with cutoffs written as numbers; another clinic gets 404.

Sources (the rules are held in tests/progress/test_validity.py, case by case): HHS Mandatory
Guidelines for Federal Workplace Drug Testing Programs using Urine, 82 FR 7920 (effective
2017-10-01); 49 CFR 40.65(b), 40.67(b), 40.197(b)(1); DOMAIN.md for medication-assisted
treatment (buprenorphine → norbuprenorphine, methadone → EDDP).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.test import Client

from iop import clock
from iop import services as core
from iop.models import Medication, Notification, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services
from progress.models import DrugTestPanel, MedicationExpectation, RecollectionTask
from tests import factories
from tests.conftest import Tenant
from tests.progress.test_caseload import enrolled


def api(tenant: Tenant, role: str = Role.NURSE) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def mat_panel(tenant: Tenant) -> DrugTestPanel:
    return services.panel_create(
        clinic=tenant.clinic, actor=tenant.admin.user, name="MAT cup", specimen_type="urine",
        substances=[{"substance": s, "cutoff": Decimal(c)} for s, c in
                    [("bup", 10), ("nbup", 10), ("mtd", 300), ("eddp", 300), ("coc", 150)]],
    )  # fmt: skip


def order(tenant: Tenant, patient: Patient, panel: DrugTestPanel | None = None) -> int:
    response = post(
        api(tenant), "/api/v1/drug-tests/",
        {"patient": patient.pk, "panel": (panel or tenant.records["panel_id"]).pk,
         "ordered_for": clock.today(tenant.clinic).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def collect(tenant: Tenant, test_id: int, **change: Any) -> Any:
    body = {
        "collected_at": (clock.now() - datetime.timedelta(minutes=5)).isoformat(),
        "specimen_type": "urine", "observed": False, "temperature": "96.0",
        "temperature_unit": "F", "creatinine": "80", "specific_gravity": "1.0150", "ph": "6.0",
        "collector": tenant.members[Role.NURSE].pk, **change,
    }  # fmt: skip
    return post(api(tenant), f"/api/v1/drug-tests/{test_id}/collection", body)


def patient_on(tenant: Tenant, medication: str, *, prescriber: str = "Dr. Lee") -> Patient:
    """A patient in the program (open enrollment, with a case manager) on `medication`."""
    patient = enrolled(tenant, f"On-{medication[:8]}")
    core.record_create(
        Medication, patient=patient, actor=tenant.admin.user, name=medication,
        prescriber=prescriber,
        started_on=clock.today(tenant.clinic) - datetime.timedelta(days=30),
    )  # fmt: skip
    return patient


def results(tenant: Tenant, test_id: int, outcomes: dict[str, str], method: str = "presumptive"):  # type: ignore[no-untyped-def]
    items = [{"substance": s, "method": method, "outcome": o} for s, o in outcomes.items()]
    return post(api(tenant), f"/api/v1/drug-tests/{test_id}/results", {"results": items})


def notifications(tenant: Tenant, role: str) -> list[str]:
    with clinic_context(tenant.clinic.pk):
        return list(
            Notification.objects.filter(
                clinic=tenant.clinic, recipient=tenant.members[role]
            ).values_list("message", flat=True)
        )


# --- Validity and collection -------------------------------------------------------------------


def test_a_collection_names_the_criteria_it_was_judged_by(clinic_a: Tenant) -> None:
    test_id = order(clinic_a, clinic_a.patient)
    body = collect(clinic_a, test_id, ph="3.5").json()
    assert body["validity"] == "adulterated"  # pH 3.5: "invalid" under the 2004 rules
    assert body["validity_criteria"] == "hhs-2017"
    assert body["validity_basis"] == "pH below 4"
    assert "82 FR 7920" in body["validity_source"]
    criteria = api(clinic_a).get("/api/v1/validity-criteria/").json()
    assert [c["code"] for c in criteria] == ["hhs-2017"]
    assert {"result": "adulterated", "words": "pH below 4"} in criteria[0]["criteria"]
    page = clinic_a.client_for(Role.NURSE).get(f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/")
    html = page.content.decode()
    assert "Adulterated" in html
    assert "(pH below 4)" in html
    assert "Criteria: HHS Mandatory Guidelines" in html


def test_a_laboratory_finding_decides_the_validity(clinic_a: Tenant) -> None:
    test_id = order(clinic_a, clinic_a.patient)
    body = collect(clinic_a, test_id, lab_findings=["oxidant"]).json()
    assert (body["validity"], body["lab_findings"]) == ("invalid", ["oxidant"])
    refused = collect(clinic_a, order(clinic_a, clinic_a.patient), lab_findings=["bleach"])
    assert refused.status_code == 400
    assert "lab_findings" in refused.json()["error"]["fields"]


def test_urine_needs_a_temperature_with_its_unit(clinic_a: Tenant) -> None:
    test_id = order(clinic_a, clinic_a.patient)
    missing = collect(clinic_a, test_id, temperature=None)
    assert missing.status_code == 400
    assert "temperature" in missing.json()["error"]["fields"]
    no_unit = collect(clinic_a, test_id, temperature_unit="")
    assert no_unit.status_code == 400
    assert "temperature_unit" in no_unit.json()["error"]["fields"]
    assert collect(clinic_a, test_id, temperature="9999").status_code == 400
    in_range = collect(clinic_a, test_id, temperature="32.0", temperature_unit="C").json()
    assert (in_range["temperature"], in_range["temperature_unit"]) == ("32.0", "C")
    assert in_range["temperature_in_range"] is True
    assert in_range["recollection_tasks"] == []


def test_temperature_out_of_range_opens_an_observed_recollection_for_the_collector(
    clinic_a: Tenant,
) -> None:
    test_id = order(clinic_a, clinic_a.patient)
    before = len(notifications(clinic_a, Role.NURSE))
    body = collect(clinic_a, test_id, temperature="100.1", temperature_unit="F").json()
    assert body["temperature_in_range"] is False
    [task] = body["recollection_tasks"]
    assert task["reason"] == "temperature"
    assert task["assigned_to"] == clinic_a.members[Role.NURSE].pk
    assert "100.1 °F is outside 90–100 °F" in task["detail"]
    assert "49 CFR 40.65(b), 40.67(b)" in task["detail"]
    assert task["closed_at"] is None
    # The collector hears of it in the app; the message names no patient.
    messages = notifications(clinic_a, Role.NURSE)
    assert len(messages) == before + 1
    assert "Patient-alpha" not in messages[0]
    # Through the API: listed as open, closed with a note, then listed as closed.
    nurse = api(clinic_a)
    listed = nurse.get("/api/v1/recollection-tasks/", {"open": "true"}).json()["results"]
    assert task["id"] in [t["id"] for t in listed]
    path = f"/api/v1/recollection-tasks/{task['id']}/close"
    assert post(nurse, path, {"note": " "}).status_code == 400
    assert post(api(clinic_a, Role.CASE_MANAGER), path, {"note": "x"}).status_code == 403
    closed = post(nurse, path, {"note": "Observed collection at 10:20, new cup CC-9."})
    assert closed.status_code == 200
    assert closed.json()["closing_note"] == "Observed collection at 10:20, new cup CC-9."
    assert post(nurse, path, {"note": "again"}).status_code == 409
    still_open = nurse.get("/api/v1/recollection-tasks/", {"open": "true"}).json()["results"]
    assert task["id"] not in [t["id"] for t in still_open]


def test_dilute_with_creatinine_2_to_5_only_calls_for_an_observed_recollection(
    clinic_a: Tenant,
) -> None:
    dilute = collect(
        clinic_a, order(clinic_a, clinic_a.patient), creatinine="5.00", specific_gravity="1.0029"
    ).json()
    assert dilute["validity"] == "dilute"
    assert [t["reason"] for t in dilute["recollection_tasks"]] == ["dilute_creatinine"]
    assert "49 CFR 40.197(b)(1)" in dilute["recollection_tasks"][0]["detail"]
    above = collect(
        clinic_a, order(clinic_a, clinic_a.patient), creatinine="5.01", specific_gravity="1.0029"
    ).json()
    assert (above["validity"], above["recollection_tasks"]) == ("dilute", [])
    not_dilute = collect(
        clinic_a, order(clinic_a, clinic_a.patient), creatinine="3.00", specific_gravity="1.0030"
    ).json()
    assert (not_dilute["validity"], not_dilute["recollection_tasks"]) == ("normal", [])


def test_the_page_shows_the_task_and_closes_it_and_the_chart_flags_it(clinic_a: Tenant) -> None:
    patient = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name="Warm")
    test_id = order(clinic_a, patient)
    collect(clinic_a, test_id, temperature="38.5", temperature_unit="C")
    web = clinic_a.client_for(Role.NURSE)
    url = f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/"
    html = web.get(url).content.decode()
    assert "Temperature 38.5 °C is outside 32–38 °C" in html
    chart = f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/"
    assert "Observed recollection needed" in web.get(chart).content.decode()
    # The front desk may open the chart but never learns of test results.
    desk = clinic_a.client_for(Role.FRONT_DESK).get(chart).content.decode()
    assert "Observed recollection needed" not in desk
    with clinic_context(clinic_a.clinic.pk):
        task = RecollectionTask.objects.get(test_id=test_id)
    empty = web.post(url, {"action": "recollection", "task": task.pk, "note": ""})
    assert empty.status_code == 200  # the form again, with its error; nothing closed
    with clinic_context(clinic_a.clinic.pk):
        assert RecollectionTask.objects.get(pk=task.pk).closed_at is None
    done = web.post(
        url, {"action": "recollection", "task": task.pk, "note": "Observed recollection done."},
        follow=True,
    )  # fmt: skip
    assert "Recollection task closed." in done.content.decode()
    assert "Observed recollection needed" not in web.get(chart).content.decode()


def test_another_clinics_recollection_task_and_expectation_are_404(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    theirs = clinic_b.records["recollection_task_id"].pk
    expectation = clinic_b.records["expectation_id"].pk
    nurse, admin = api(clinic_a), api(clinic_a, Role.ADMIN)
    assert nurse.get(f"/api/v1/recollection-tasks/{theirs}/").status_code == 404
    assert (
        post(nurse, f"/api/v1/recollection-tasks/{theirs}/close", {"note": "x"}).status_code == 404
    )
    assert admin.get(f"/api/v1/medication-expectations/{expectation}/").status_code == 404
    patch = admin.patch(
        f"/api/v1/medication-expectations/{expectation}/", {"name": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert patch.status_code == 404
    ours = {t["id"] for t in nurse.get("/api/v1/recollection-tasks/").json()["results"]}
    assert theirs not in ours
    # A task id of another clinic posted to our test's page closes nothing.
    test_id = clinic_a.records["drug_test_id"].pk
    web = clinic_a.client_for(Role.NURSE)
    web.post(f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/",
             {"action": "recollection", "task": theirs, "note": "x"})  # fmt: skip
    with clinic_context(clinic_b.clinic.pk):
        assert RecollectionTask.objects.get(pk=theirs).closed_at is None


# --- Medication-assisted treatment -------------------------------------------------------------


def test_expected_buprenorphine_not_detected_reaches_the_case_manager(clinic_a: Tenant) -> None:
    patient = patient_on(clinic_a, "buprenorphine/naloxone")
    test_id = order(clinic_a, patient, mat_panel(clinic_a))
    collect(clinic_a, test_id)
    before = len(notifications(clinic_a, Role.CASE_MANAGER))
    body = results(clinic_a, test_id, {"bup": "negative", "nbup": "negative"}).json()
    assert [(f["kind"], f["substance"], f["message"]) for f in body["medication_findings"]] == [
        ("not_detected", "bup",
         ("Expected buprenorphine not detected — review with the patient and prescriber "
         "(Dr. Lee).")),
    ]  # fmt: skip
    assert body["medication_findings"][0]["prescriber"] == "Dr. Lee"
    messages = notifications(clinic_a, Role.CASE_MANAGER)
    assert len(messages) == before + 1
    assert "On-bupreno" not in messages[0]
    # The result page, the chart's chip and the caseload say it.
    manager = clinic_a.client_for(Role.CASE_MANAGER)
    page = manager.get(f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/").content.decode()
    assert "Expected buprenorphine not detected" in page
    chart = f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/"
    assert "Medication-assisted treatment: result to review" in manager.get(chart).content.decode()
    desk = clinic_a.client_for(Role.FRONT_DESK).get(chart).content.decode()
    assert "Medication-assisted treatment" not in desk
    caseload = api(clinic_a, Role.CASE_MANAGER).get("/api/v1/caseload/").json()["results"]
    row = next(r for r in caseload if r["patient"] == patient.pk)
    assert "medication" in row["flags"]
    assert row["medication_findings"][0].startswith("Expected buprenorphine not detected")
    # Reviewed: the flag has done its job.
    reviewed = post(api(clinic_a, Role.CASE_MANAGER), f"/api/v1/drug-tests/{test_id}/review",
                    {"comment": "Spoke with patient and prescriber."})  # fmt: skip
    assert reviewed.status_code == 200
    caseload = api(clinic_a, Role.CASE_MANAGER).get("/api/v1/caseload/").json()["results"]
    assert "medication" not in next(r for r in caseload if r["patient"] == patient.pk)["flags"]
    assert "Medication-assisted treatment" not in manager.get(chart).content.decode()


def test_parent_drug_without_metabolite_and_a_lab_result_that_clears_it(clinic_a: Tenant) -> None:
    patient = patient_on(clinic_a, "methadone", prescriber="")
    test_id = order(clinic_a, patient, mat_panel(clinic_a))
    collect(clinic_a, test_id)
    body = results(clinic_a, test_id, {"mtd": "positive", "eddp": "negative"}).json()
    assert [f["message"] for f in body["medication_findings"]] == [
        "Methadone detected without its metabolite EDDP — review with the patient and prescriber."
    ]
    by = {(r["substance"], r["method"]): r for r in body["results"]}
    assert by[("mtd", "presumptive")]["expected"] is True  # a positive the prescription explains
    # The lab finds EDDP after all: the finding is gone.
    cleared = results(clinic_a, test_id, {"eddp": "positive"}, method="confirmed").json()
    assert cleared["medication_findings"] == []
    assert {
        (r["substance"], r["expected"]) for r in cleared["results"] if r["method"] == "confirmed"
    } == {("eddp", True)}


def test_as_expected_or_not_on_treatment_raises_nothing(clinic_a: Tenant) -> None:
    on = patient_on(clinic_a, "Suboxone")
    test_id = order(clinic_a, on, mat_panel(clinic_a))
    collect(clinic_a, test_id)
    body = results(clinic_a, test_id, {"bup": "positive", "nbup": "positive"}).json()
    assert body["medication_findings"] == []
    off = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name="Off")
    other = order(clinic_a, off, _panel(clinic_a, "MAT cup"))
    collect(clinic_a, other)
    assert results(clinic_a, other, {"bup": "negative"}).json()["medication_findings"] == []


def _panel(tenant: Tenant, name: str) -> DrugTestPanel:
    with clinic_context(tenant.clinic.pk):
        return DrugTestPanel.objects.get(clinic=tenant.clinic, name=name)


def test_expectations_are_the_clinics_data(clinic_a: Tenant) -> None:
    admin = api(clinic_a, Role.ADMIN)
    rows = admin.get("/api/v1/medication-expectations/").json()["results"]
    assert {(r["name"], r["parent"], r["metabolite"]) for r in rows} == {
        ("Buprenorphine", "bup", "nbup"), ("Methadone", "mtd", "eddp"),
    }  # fmt: skip
    bup = next(r for r in rows if r["parent"] == "bup")
    path = f"/api/v1/medication-expectations/{bup['id']}/"
    nurse = api(clinic_a)
    assert nurse.get(path).status_code == 200
    assert nurse.patch(path, {}, content_type="application/json").status_code == 403
    empty = admin.patch(path, {"match_words": []}, content_type="application/json")
    assert empty.status_code == 400
    changed = admin.patch(
        path, {"match_words": [*bup["match_words"], " Brixadi "]}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["match_words"][-1] == "brixadi"
    twice = post(admin, "/api/v1/medication-expectations/",
                 {"name": "Again", "match_words": ["x"], "parent": "bup"})  # fmt: skip
    assert twice.status_code == 400
    assert "parent" in twice.json()["error"]["fields"]
    same = post(admin, "/api/v1/medication-expectations/",
                {"name": "Odd", "match_words": ["x"], "parent": "fen",
                 "metabolite": "fen"})  # fmt: skip
    assert same.status_code == 400
    assert "metabolite" in same.json()["error"]["fields"]
    made = post(admin, "/api/v1/medication-expectations/",
                {"name": "Fentanyl", "match_words": ["fentanyl"], "parent": "fen",
                 "metabolite": "nfen"})  # fmt: skip
    assert made.status_code == 201
    # The word the clinic added now makes a Brixadi patient's negative a finding.
    patient = patient_on(clinic_a, "Brixadi 24 mg weekly")
    test_id = order(clinic_a, patient, mat_panel(clinic_a))
    collect(clinic_a, test_id)
    body = results(clinic_a, test_id, {"bup": "negative"}).json()
    assert [f["kind"] for f in body["medication_findings"]] == ["not_detected"]


def test_a_new_clinic_starts_with_the_default_expectations(db: None) -> None:
    clinic = core.clinic_create(name="Fresh start", admin_email="lead@fresh.example")
    with clinic_context(clinic.pk):
        parents = set(
            MedicationExpectation.objects.filter(clinic=clinic).values_list("parent", "metabolite")
        )
    assert parents == {("bup", "nbup"), ("mtd", "eddp")}


# --- Panels and cutoffs -------------------------------------------------------------------------


def test_default_panels_offer_the_newer_substances_and_cutoffs_read_as_numbers(
    clinic_a: Tenant,
) -> None:
    services.panel_defaults_create(clinic=clinic_a.clinic, actor=clinic_a.admin.user)
    panels = {
        p["name"]: p for p in api(clinic_a).get("/api/v1/drug-test-panels/").json()["results"]
    }
    novel = {s["substance"] for s in panels["Fentanyl, xylazine and nitazenes"]["substances"]}
    assert novel == {"fen", "nfen", "xyl", "nitaz", "6mam"}
    six_mam = next(s for s in panels["Fentanyl, xylazine and nitazenes"]["substances"]
                   if s["substance"] == "6mam")  # fmt: skip
    assert six_mam["cutoff_display"] == "10 ng/mL"  # HHS 82 FR 7920: 6-AM 10 ng/mL
    xylazine = next(s for s in panels["Fentanyl, xylazine and nitazenes"]["substances"]
                    if s["substance"] == "xyl")  # fmt: skip
    assert (xylazine["cutoff"], xylazine["cutoff_display"]) == (None, "—")
    assert panels["EtG (alcohol, 100 ng/mL)"]["substances"][0]["cutoff_display"] == "100 ng/mL"
    assert panels["EtG (alcohol, 500 ng/mL)"]["substances"][0]["cutoff_display"] == "500 ng/mL"
    assert {s["substance"] for s in panels["EtG and EtS (alcohol, lab)"]["substances"]} == {
        "etg", "ets",
    }  # fmt: skip
    opiates = next(s for s in panels["10-panel cup"]["substances"] if s["substance"] == "opi")
    assert opiates["cutoff_display"] == "2,000 ng/mL"
    breath = panels["Breathalyzer"]["substances"][0]
    assert breath["cutoff_display"] == "0.02 g/dL"
    # On the results form of a test on the 10-panel cup: "1,000 ng/mL", never "1E+3".
    cup = _panel(clinic_a, "10-panel cup")
    test_id = order(clinic_a, clinic_a.patient, cup)
    collect(clinic_a, test_id)
    html = (
        clinic_a.client_for(Role.NURSE)
        .get(f"/c/{clinic_a.clinic.slug}/drug-tests/{test_id}/")
        .content.decode()
    )
    assert "Amphetamines 1,000 ng/mL" in html
    assert "E+" not in html
