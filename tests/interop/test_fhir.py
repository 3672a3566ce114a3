"""The FHIR R4 read API: every resource type validated by fhir.resources (R4B models), the
LOINC codes and US Core screening profile of the measures, Part 2 labels, the consent an
outside recipient needs (403 saying why without it), the disclosure log, roles, clinics."""

import datetime
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from interop import fhir, services
from interop.models import DataCategory, Disclosure, Recipient, RecipientKind
from iop import clock, part2
from iop.models import AuditEvent, Diagnosis
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.models import Measure
from tests import factories
from tests.conftest import Tenant

BASE = "/fhir/R4/"


def client_with(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def validate(resource: dict[str, Any]) -> Any:
    """Zero validation errors, or the test fails with fhir.resources' message."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def everything(client: Client, tenant: Tenant) -> Any:
    return client.get(f"{BASE}Patient/{tenant.patient.pk}/$everything")


def test_metadata_is_a_capability_statement_without_a_token(db: None) -> None:
    response = Client().get(f"{BASE}metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    types = {r.type for r in statement.rest[0].resource}
    assert types == set(fhir.RESOURCE_TYPES)


def test_everything_is_a_valid_bundle_of_every_resource_type(clinic_a: Tenant) -> None:
    response = everything(client_with(clinic_a.token_secret), clinic_a)
    assert response.status_code == 200, response.content
    data = response.json()
    bundle = validate(data)
    assert bundle.type == "searchset"
    resources = [entry["resource"] for entry in data["entry"]]
    for resource in resources:
        validate(resource)
    assert {r["resourceType"] for r in resources} == set(fhir.RESOURCE_TYPES)
    assert bundle.total == len(resources)
    # The patient has an alcohol dependence diagnosis: every resource is a Part 2 record.
    for resource in resources:
        codes = {label["code"] for label in resource["meta"]["security"]}
        assert {"ETH", "42CFRPart2"} <= codes, resource["resourceType"]
        assert "extension" not in resource["meta"]  # the clinic's own client: no disclosure


def test_measures_carry_their_loinc_codes_and_us_core_screening_profile(
    clinic_a: Tenant,
) -> None:
    data = everything(client_with(clinic_a.token_secret), clinic_a).json()
    by_id = {e["resource"]["id"]: e["resource"] for e in data["entry"]
             if e["resource"]["resourceType"] == "Observation"}  # fmt: skip
    with clinic_context(clinic_a.clinic.pk):
        measures = list(Measure.objects.filter(patient=clinic_a.patient))
    expected = {"phq9": ("44249-1", "44261-6", 9), "gad7": ("69737-5", "70274-6", 7),
                "audit_c": ("72109-2", "75626-2", 3)}  # fmt: skip
    assert {m.instrument for m in measures} == set(expected)
    for measure in measures:
        panel_code, total_code, items = expected[measure.instrument]
        panel = by_id[f"m{measure.pk}"]
        total = by_id[f"m{measure.pk}-total"]
        assert panel["code"]["coding"][0] == {
            "system": "http://loinc.org", "code": panel_code,
            "display": fhir.LOINC_CODES[measure.instrument].panel[1],
        }  # fmt: skip
        assert total["code"]["coding"][0]["code"] == total_code
        assert total["valueInteger"] == measure.total
        for obs in (panel, total):
            assert obs["meta"]["profile"] == [
                fhir.US_CORE + "us-core-observation-screening-assessment"
            ]
            assert obs["category"][0]["coding"][0]["code"] == "survey"
        members = [ref["reference"] for ref in panel["hasMember"]]
        assert len(members) == 1 + items
        item_values = [by_id[ref.removeprefix("Observation/")]["valueInteger"]
                       for ref in members[1:]]  # fmt: skip
        assert item_values == list(measure.answers)
        item_codes = [by_id[ref.removeprefix("Observation/")]["code"]["coding"][0]["code"]
                      for ref in members[1:]]  # fmt: skip
        assert item_codes == list(fhir.LOINC_CODES[measure.instrument].items)
    # The PHQ-9's item 9 is LOINC 44260-8.
    phq9 = next(m for m in measures if m.instrument == "phq9")
    assert by_id[f"m{phq9.pk}-9"]["code"]["coding"][0]["code"] == "44260-8"


def test_each_resource_reads_and_searches_as_in_everything(clinic_a: Tenant) -> None:
    client = client_with(clinic_a.token_secret)
    data = everything(client, clinic_a).json()
    counts: dict[str, int] = {}
    for entry in data["entry"]:
        resource = entry["resource"]
        counts[resource["resourceType"]] = counts.get(resource["resourceType"], 0) + 1
        got = client.get(f"{BASE}{resource['resourceType']}/{resource['id']}")
        assert got.status_code == 200, (resource["resourceType"], got.content)
        assert got.json() == resource
        assert (
            entry["fullUrl"]
            == f"http://testserver{BASE}{resource['resourceType']}/{resource['id']}"
        )
    for resource_type, count in counts.items():
        param = "_id" if resource_type == "Patient" else "patient"
        found = client.get(f"{BASE}{resource_type}", {param: clinic_a.patient.pk})
        assert found.status_code == 200
        assert validate(found.json()).total == count


def test_bad_search_and_unknown_ids_are_operation_outcomes(clinic_a: Tenant) -> None:
    client = client_with(clinic_a.token_secret)
    bad = client.get(f"{BASE}Condition", {"patient": "x"})
    assert bad.status_code == 400
    assert validate(bad.json()).issue[0].code == "invalid"
    for path in ("Condition/999999", "Observation/zz", "CarePlan/tp", "Patient/1x/$everything"):
        missing = client.get(BASE + path)
        assert missing.status_code == 404, path
        assert validate(missing.json()).issue[0].code == "not-found"
    unauthenticated = Client().get(f"{BASE}Patient/{clinic_a.patient.pk}")
    assert unauthenticated.status_code == 401
    assert validate(unauthenticated.json()).issue[0].code == "login"


def test_records_without_a_substance_use_diagnosis_carry_no_part2_label(
    clinic_a: Tenant,
) -> None:
    with clinic_context(clinic_a.clinic.pk):
        Diagnosis.objects.filter(patient=clinic_a.patient).update(category="mental_health")
    data = everything(client_with(clinic_a.token_secret), clinic_a).json()
    for entry in data["entry"]:
        assert "security" not in entry["resource"].get("meta", {})


def _consent(tenant: Tenant, recipient: Recipient, categories: list[str]) -> Any:
    today = clock.today(tenant.clinic)
    return services.recipient_consent_record(
        clinic=tenant.clinic, actor=tenant.admin.user, patient=tenant.patient,
        recipient=recipient, categories=categories, purpose="Continuity of care",
        signed_on=today, expires_on=today + datetime.timedelta(days=30),
        patient_signature=tenant.patient.legal_name,
    )  # fmt: skip


@pytest.fixture
def outside(clinic_a: Tenant) -> tuple[Recipient, Client]:
    """A recipient outside the clinic (its consents from the tenant's records removed)."""
    from interop.models import RecipientConsent

    with clinic_context(clinic_a.clinic.pk):
        RecipientConsent.objects.all().delete()
        recipient = Recipient.objects.get()
        token, secret = factories.api_token(clinic_a.admin)
        Recipient.objects.filter(pk=recipient.pk).update(token=token)
        recipient.refresh_from_db()
    return recipient, client_with(secret)


def test_an_outside_recipient_without_consent_gets_a_403_that_says_why(
    clinic_a: Tenant, outside: tuple[Recipient, Client]
) -> None:
    recipient, client = outside
    for path in (f"Patient/{clinic_a.patient.pk}/$everything", f"Patient/{clinic_a.patient.pk}",
                 f"Condition?patient={clinic_a.patient.pk}"):  # fmt: skip
        response = client.get(BASE + path)
        assert response.status_code == 403, path
        outcome = validate(response.json())
        message = outcome.issue[0].diagnostics
        assert "42 CFR Part 2" in message
        assert recipient.name in message
        assert clinic_a.patient.legal_last_name not in message
        assert clinic_a.patient.record_number not in response.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        assert not Disclosure.objects.exists()


def test_a_consent_for_some_data_covers_only_that_data(
    clinic_a: Tenant, outside: tuple[Recipient, Client]
) -> None:
    recipient, client = outside
    with clinic_context(clinic_a.clinic.pk):
        diagnosis = Diagnosis.objects.get(patient=clinic_a.patient)
    _consent(clinic_a, recipient, [DataCategory.DIAGNOSES])
    assert client.get(f"{BASE}Condition/{diagnosis.pk}").status_code == 200
    refused = client.get(f"{BASE}Patient/{clinic_a.patient.pk}/$everything")
    assert refused.status_code == 403
    assert "Medications" in refused.json()["issue"][0]["diagnostics"]
    # Another recipient's consent does not count.
    other_token, other_secret = factories.api_token(clinic_a.admin)
    services.recipient_create(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, name="State registry",
        kind=RecipientKind.REGISTRY, token=other_token,
    )  # fmt: skip
    assert client_with(other_secret).get(f"{BASE}Condition/{diagnosis.pk}").status_code == 403


def test_a_covered_disclosure_carries_the_notice_and_is_logged_and_audited(
    clinic_a: Tenant, outside: tuple[Recipient, Client]
) -> None:
    recipient, client = outside
    consent = _consent(clinic_a, recipient, list(DataCategory.values))
    with clinic_context(clinic_a.clinic.pk):
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.get(f"{BASE}Patient/{clinic_a.patient.pk}/$everything")
    assert response.status_code == 200, response.content
    data = response.json()
    validate(data)
    for entry in data["entry"]:
        resource = entry["resource"]
        validate(resource)
        extensions = {e["url"]: e["valueString"] for e in resource["meta"]["extension"]}
        assert extensions[fhir.NOTICE_EXTENSION] == part2.PART2_NOTICE
        assert recipient.name in extensions[fhir.SCOPE_EXTENSION]
    with clinic_context(clinic_a.clinic.pk):
        disclosure = Disclosure.objects.get()
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT, id__gt=before)
        assert exported.filter(object_type="iop.patient").count() == 1
        assert exported.filter(object_type="progress.measure").count() == 3
    assert disclosure.consent_id == consent.pk
    assert disclosure.recipient_id == recipient.pk
    assert disclosure.resource_count == len(data["entry"])
    assert set(disclosure.categories) == {
        fhir.CATEGORY_OF_TYPE[e["resource"]["resourceType"]] for e in data["entry"]
    }
    # Revoked: nothing more goes out under it.
    services.recipient_consent_revoke(clinic=clinic_a.clinic, actor=clinic_a.admin.user,
                                      consent=consent)  # fmt: skip
    assert client.get(f"{BASE}Patient/{clinic_a.patient.pk}").status_code == 403


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.ADMIN, True), (Role.THERAPIST, True), (Role.CASE_MANAGER, True),
     (Role.AUDITOR, True), (Role.FRONT_DESK, False), (Role.NURSE, False)],
)  # fmt: skip
def test_roles(clinic_a: Tenant, role: str, allowed: bool) -> None:
    _token, secret = factories.api_token(clinic_a.members[role])
    client = client_with(secret)
    for path in (f"Patient/{clinic_a.patient.pk}/$everything", f"Patient/{clinic_a.patient.pk}",
                 f"Coverage?patient={clinic_a.patient.pk}"):  # fmt: skip
        response = client.get(BASE + path)
        assert response.status_code == (200 if allowed else 403), (role, path)


def test_everything_costs_the_same_queries_however_many_records(
    clinic_a: Tenant, django_assert_num_queries: Any
) -> None:
    client = client_with(clinic_a.token_secret)
    path = f"{BASE}Patient/{clinic_a.patient.pk}/$everything"
    assert client.get(path).status_code == 200  # the token's last use is written once a minute
    # savepoint, token (2), clinic, membership, patient, diagnoses, 8 record lists, recipient,
    # the audit events (one insert), savepoint released
    with django_assert_num_queries(BUDGET):
        assert client.get(path).status_code == 200
    admin = clinic_a.admin.user
    for _ in range(3):
        factories.services.record_create(  # type: ignore[attr-defined]
            Diagnosis, patient=clinic_a.patient, actor=admin, icd10_code="F33.1",
            description="Major depressive disorder", category="mental_health",
        )  # fmt: skip
    with django_assert_num_queries(BUDGET):
        assert client.get(path).status_code == 200


BUDGET = 18
