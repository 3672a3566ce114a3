"""The newer instruments end to end: PHQ-9 item 10, PCL-5, PACS, CRAFFT 2.1 and BAM item 7
as 7A–7G through the API (create and read), the measure page and the progress page, with
their audit events, the CRAFFT's age range, another clinic's 404s and a progress page whose
query count does not grow with the instruments recorded.

Sources: PHQ-9 item 10, Kroenke, Spitzer & Williams 2001; PCL-5, Weathers et al. 2013
(National Center for PTSD), provisional cutoff 31–33; PACS, Flannery, Volpicelli &
Pettinati 1999; CRAFFT 2.1, Center for Adolescent Behavioral Health Research, Boston
Children's Hospital (crafft.org), validated for ages 12–21; BAM, Cacciola et al. 2013 and
the VA CESATE BAM manual (item 7 = 7A–7G).
"""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import AuditEvent, Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services
from progress.models import Measure
from tests import factories
from tests.conftest import Tenant

PCL5_ANSWERS = [1, 2, 3, 4, 0, 2, 1, 0, 1, 2, 3, 4, 0, 1, 4, 3, 2, 1, 0, 1]  # B10 C3 D11 E11 = 35
BAM_ANSWERS = [0, 1, 1, 0, 0, 2, 2, 0, 0, 0, 1, 0, 0, 2, 3, 1, 1, 2, 3, 4, 0, 3, 2]  # 7A 2, 7E 1


def api(tenant: Tenant, role: str = Role.CASE_MANAGER) -> Client:
    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_measure(client: Client, **body: Any) -> Any:
    return client.post("/api/v1/measures/", body, content_type="application/json")


def adolescent(tenant: Tenant, years: int = 15) -> Patient:
    today = clock.today(tenant.clinic)
    # Born on Jan 1: `years` old on every day of this year up to and including today.
    return factories.patient(
        tenant.clinic, actor=tenant.admin.user, legal_last_name="Young",
        date_of_birth=datetime.date(today.year - years, 1, 1),
    )  # fmt: skip


def test_phq9_item10_is_kept_outside_the_total_and_audited(clinic_a: Tenant) -> None:
    client = api(clinic_a)
    today = clock.today(clinic_a.clinic).isoformat()
    base = {"patient": clinic_a.patient.pk, "instrument": "phq9", "administered_on": today,
            "answers": [1, 1, 1, 1, 1, 0, 0, 0, 0]}  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        kept = Measure.objects.filter(patient=clinic_a.patient, instrument__in=["phq9", "gad7"])
        before = kept.count()  # what the tenant fixture's records made
    created = post_measure(client, **base, functional_difficulty=2)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["total"], body["band"], body["functional_difficulty"]) == (5, "Mild", 2)
    read = client.get(f"/api/v1/measures/{body['id']}/").json()
    assert read["functional_difficulty"] == 2
    # Optional: without it the PHQ-9 is the same 5.
    plain = post_measure(client, **base).json()
    assert (plain["total"], plain["functional_difficulty"]) == (5, None)
    with clinic_context(clinic_a.clinic.pk):
        event = AuditEvent.objects.get(
            object_type="progress.measure", object_id=str(body["id"]), action="create"
        )
        assert "functional_difficulty" in event.changed_fields
    gad7 = {**base, "instrument": "gad7", "answers": [0] * 7}
    for bad in ({**base, "functional_difficulty": 4}, {**gad7, "functional_difficulty": 0}):
        refused = post_measure(client, **bad)
        assert refused.status_code == 400, refused.content
        assert "functional_difficulty" in refused.json()["error"]["fields"]
    with clinic_context(clinic_a.clinic.pk):
        # The two accepted above, and none of those refused.
        assert kept.count() == before + 2


def test_pcl5_and_pacs_through_the_api(clinic_a: Tenant) -> None:
    client = api(clinic_a, Role.THERAPIST)
    today = clock.today(clinic_a.clinic).isoformat()
    pcl5 = post_measure(client, patient=clinic_a.patient.pk, instrument="pcl5",
                        administered_on=today, answers=PCL5_ANSWERS)  # fmt: skip
    assert pcl5.status_code == 201, pcl5.content
    assert (pcl5.json()["total"], pcl5.json()["band"]) == (35, "Above cutoff")
    assert pcl5.json()["subscores"] == {"B": 10, "C": 3, "D": 11, "E": 11}
    listed = client.get("/api/v1/measures/", {"patient": clinic_a.patient.pk}).json()["results"]
    assert any(m["id"] == pcl5.json()["id"] and m["subscores"]["D"] == 11 for m in listed)
    pacs = post_measure(client, patient=clinic_a.patient.pk, instrument="pacs",
                        administered_on=today, answers=[1, 2, 3, 4, 5]).json()  # fmt: skip
    assert (pacs["total"], pacs["band"], pacs["subscores"]) == (15, "", {})
    short = post_measure(client, patient=clinic_a.patient.pk, instrument="pcl5",
                         administered_on=today, answers=PCL5_ANSWERS[:19])  # fmt: skip
    assert short.status_code == 400
    assert "answers" in short.json()["error"]["fields"]
    instruments = {i["code"]: i for i in client.get("/api/v1/instruments/").json()}
    assert len(instruments["pcl5"]["items"]) == 20
    assert "Weathers" in instruments["pcl5"]["citation"]
    assert instruments["phq9"]["unscored"]["number"] == "10"
    assert instruments["crafft"]["items"][0] | {"text": ""} == {
        "number": "A1", "text": "", "options": [], "most": 366,
    }  # fmt: skip
    assert [i["number"] for i in instruments["bam"]["items"]][6:13] == [
        "7A", "7B", "7C", "7D", "7E", "7F", "7G",
    ]  # fmt: skip


def test_bam_item7_sub_questions_through_the_api(clinic_a: Tenant) -> None:
    client = api(clinic_a)
    today = clock.today(clinic_a.clinic).isoformat()
    created = post_measure(client, patient=clinic_a.patient.pk, instrument="bam",
                           administered_on=today, answers=BAM_ANSWERS)  # fmt: skip
    assert created.status_code == 201, created.content
    # Use 4+5+6 = 0+0+2; 7A–7G are in no subscale.
    assert created.json()["bam_use"] == 2
    assert created.json()["answers"][6:13] == [2, 0, 0, 0, 1, 0, 0]
    with clinic_context(clinic_a.clinic.pk):
        measure = Measure.objects.get(pk=created.json()["id"])
    assert [(n, days) for n, _drug, days in measure.bam_drug_days] == [
        ("7A", "4–8 days"), ("7E", "1–3 days"),
    ]  # fmt: skip
    too_many = [*BAM_ANSWERS[:6], 3, *BAM_ANSWERS[7:]]  # marijuana 9–15 days, any drug 4–8
    refused = post_measure(client, patient=clinic_a.patient.pk, instrument="bam",
                           administered_on=today, answers=too_many)  # fmt: skip
    assert refused.status_code == 400
    assert "7A" in str(refused.json()["error"]["fields"]["answers"])


def test_crafft_through_the_api_for_an_adolescent(clinic_a: Tenant) -> None:
    patient = adolescent(clinic_a)
    client = api(clinic_a)
    today = clock.today(clinic_a.clinic).isoformat()
    car_only = post_measure(client, patient=patient.pk, instrument="crafft",
                            administered_on=today, answers=[0, 0, 0, 1])  # fmt: skip
    assert car_only.status_code == 201, car_only.content
    assert (car_only.json()["total"], car_only.json()["band"]) == (1, "Lower risk")
    full = post_measure(client, patient=patient.pk, instrument="crafft", administered_on=today,
                        answers=[3, 20, 0, 0, 1, 1, 0, 0, 0])  # fmt: skip
    assert (full.json()["total"], full.json()["band"]) == (2, "High risk")
    assert client.get(f"/api/v1/measures/{full.json()['id']}/").json()["answers"][:3] == [3, 20, 0]
    missing_b = post_measure(client, patient=patient.pk, instrument="crafft",
                             administered_on=today, answers=[3, 0, 0, 1])  # fmt: skip
    assert missing_b.status_code == 400
    assert "Part B" in str(missing_b.json()["error"]["fields"]["answers"])


# The CRAFFT's validated ages, 12–21, on the day it was given (a fixed past day).
GIVEN_ON = datetime.date(2025, 6, 15)


@pytest.mark.parametrize(
    ("born", "accepted"),
    [
        (datetime.date(2013, 6, 16), False),  # 11 on the day (12 the next day)
        (datetime.date(2013, 6, 15), True),  # 12 that day
        (datetime.date(2003, 6, 16), True),  # 21, the last day before 22
        (datetime.date(2003, 6, 15), False),  # 22 that day
    ],
)
def test_crafft_is_for_ages_12_to_21_on_the_day(
    clinic_a: Tenant, born: datetime.date, accepted: bool
) -> None:
    patient = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, date_of_birth=born)
    response = post_measure(api(clinic_a), patient=patient.pk, instrument="crafft",
                            administered_on=GIVEN_ON.isoformat(), answers=[0, 0, 0, 0])  # fmt: skip
    assert response.status_code == (201 if accepted else 400), response.content
    if not accepted:
        assert "ages 12–21" in str(response.json()["error"]["fields"]["instrument"])


def test_the_measure_page_offers_the_crafft_to_adolescents_only(clinic_a: Tenant) -> None:
    web = clinic_a.client_for(Role.CASE_MANAGER)
    slug = clinic_a.clinic.slug
    young = adolescent(clinic_a, years=16)
    teen_page = web.get(f"/c/{slug}/patients/{young.pk}/measures/new/").content.decode()
    adult_page = web.get(f"/c/{slug}/patients/{clinic_a.patient.pk}/measures/new/")
    assert "?instrument=crafft" in teen_page
    assert "?instrument=crafft" not in adult_page.content.decode()
    assert "?instrument=pcl5" in adult_page.content.decode()


def test_the_crafft_page_asks_part_b_only_after_use(clinic_a: Tenant) -> None:
    patient = adolescent(clinic_a)
    web = clinic_a.client_for(Role.CASE_MANAGER)
    url = f"/c/{clinic_a.clinic.slug}/patients/{patient.pk}/measures/new/?instrument=crafft"
    page = web.get(url).content.decode()
    assert "Part A. During the PAST 12 MONTHS" in page
    assert 'type="number"' in page
    assert "Not asked" in page
    today = clock.today(clinic_a.clinic).isoformat()
    none = {"administered_on": today, "item_1": "0", "item_2": "0", "item_3": "0", "item_4": "1"}
    stray = web.post(url, {**none, "item_5": "1"}).content.decode()
    assert "only CAR is asked" in stray
    use = {**none, "item_1": "2"}
    missing = web.post(url, use).content.decode()
    assert "Answer item R: Part A has days of use." in missing
    assert "Answer item T: Part A has days of use." in missing
    with clinic_context(clinic_a.clinic.pk):
        assert not Measure.objects.filter(patient=patient).exists()
    done = web.post(url, none, follow=True).content.decode()
    assert "CRAFFT 2.1: 1 (Lower risk)" in done
    with clinic_context(clinic_a.clinic.pk):
        assert Measure.objects.get(patient=patient).answers == [0, 0, 0, 1]
    answers = {**use, **{f"item_{n}": "1" for n in range(5, 10)}}
    assert "CRAFFT 2.1: 6 (High risk)" in web.post(url, answers, follow=True).content.decode()


def test_the_phq9_page_collects_item10_outside_the_total(clinic_a: Tenant) -> None:
    web = clinic_a.client_for(Role.THERAPIST)
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/measures/new/?instrument=phq9"
    page = web.get(url).content.decode()
    assert "how difficult have these problems made it for you" in page
    today = clock.today(clinic_a.clinic).isoformat()
    answers = {f"item_{n}": "1" for n in range(1, 9)} | {"item_9": "0"}
    done = web.post(url, {"administered_on": today, **answers, "functional_difficulty": "1"},
                    follow=True).content.decode()  # fmt: skip
    assert "PHQ-9: 8 (Mild)" in done
    assert "Latest PHQ-9 item 10 (functional difficulty, not in the total)" in done
    assert "<strong>Somewhat difficult</strong>" in done


def _record_everything(tenant: Tenant, patient: Patient) -> None:
    today = clock.today(tenant.clinic)
    given: list[tuple[str, list[int], dict[str, Any]]] = [
        ("phq9", [2, 2, 2, 1, 1, 1, 1, 0, 0], {"functional_difficulty": 2}),
        ("pcl5", PCL5_ANSWERS, {}),
        ("pacs", [3, 3, 2, 2, 2], {}),
        ("bam", BAM_ANSWERS, {}),
        ("crafft", [4, 0, 0, 1, 1, 0, 0, 0, 0], {}),
    ]
    for instrument, answers, extra in given:
        services.measure_submit(
            clinic=tenant.clinic, actor=tenant.admin.user, patient=patient,
            instrument=instrument, answers=answers, administered_on=today, **extra,
        )  # fmt: skip


def test_the_progress_page_shows_the_new_measures_in_flat_queries(clinic_a: Tenant) -> None:
    young, other = adolescent(clinic_a), adolescent(clinic_a)
    services.measure_submit(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, patient=other, instrument="phq9",
        answers=[0] * 9, administered_on=clock.today(clinic_a.clinic),
    )  # fmt: skip
    _record_everything(clinic_a, young)
    web = clinic_a.client_for(Role.THERAPIST)
    slug = clinic_a.clinic.slug
    web.get(f"/c/{slug}/")  # session settled
    counts = []
    for patient in (other, young):
        with CaptureQueriesContext(connection) as queries:
            page = web.get(f"/c/{slug}/patients/{patient.pk}/progress/")
        assert page.status_code == 200
        counts.append(len(queries))
    # One PHQ-9, or five instruments with their charts and tables: the same queries.
    assert counts[0] == counts[1], counts
    html = page.content.decode()
    for title in ("PHQ-9 over time", "PCL-5 over time", "PACS over time"):
        assert f">{title}</title>" in html
    assert "Latest PCL-5: 35 (above cutoff)" in html
    assert "Latest PACS: 12 on" in html
    assert "B intrusion 10/20 · C avoidance 3/8 · D cognition and mood 11/28" in html
    assert "Above the 31–33 cutoff" in html
    assert "<strong>Very difficult</strong>" in html  # PHQ-9 item 10
    assert "Item 7 (drug days):</span> 7A Marijuana 4–8 days · 7E Opiates 1–3 days" in html
    assert "Part A days: alcohol 4, marijuana 0, other 0" in html
    assert "CAR yes: counsel about riding risk" in html
    assert "High risk" in html


def test_another_clinic_gets_404_for_the_new_measures(clinic_a: Tenant, clinic_b: Tenant) -> None:
    young = adolescent(clinic_a)
    _record_everything(clinic_a, young)
    with clinic_context(clinic_a.clinic.pk):
        ids = list(Measure.objects.filter(patient=young).values_list("pk", flat=True))
    foreign = api(clinic_b)
    for measure_id in ids:
        assert foreign.get(f"/api/v1/measures/{measure_id}/").status_code == 404
    listed = foreign.get("/api/v1/measures/", {"patient": young.pk})
    assert listed.status_code in (200, 400)
    if listed.status_code == 200:
        assert listed.json()["results"] == []
    web = clinic_b.client_for(Role.CASE_MANAGER)
    for instrument in ("pcl5", "pacs", "crafft"):
        url = f"/c/{clinic_b.clinic.slug}/patients/{young.pk}/measures/new/?instrument={instrument}"
        assert web.get(url).status_code == 404
    progress = f"/c/{clinic_b.clinic.slug}/patients/{young.pk}/progress/"
    assert web.get(progress).status_code == 404
    refused = post_measure(foreign, patient=young.pk, instrument="crafft",
                           administered_on=clock.today(clinic_b.clinic).isoformat(),
                           answers=[0, 0, 0, 0])  # fmt: skip
    assert refused.status_code == 400
    assert "patient" in refused.json()["error"]["fields"]
