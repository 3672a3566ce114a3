"""Wall 1, swept: every page under /c/<slug>/ and every API route in the OpenAPI schema is
tried with another clinic's ids. Routes added later are covered without editing this file;
a route whose id parameter is unknown here fails until its clinic-B object is registered."""

import re

import pytest
from django.test import Client

from iop.models import ApiToken, Patient, Site
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.conftest import Tenant
from tests.iop.routes import api_ids, clinic_routes, fhir_routes, fhir_type, fhir_values

MISSING_ID = 987_654_321


def web_ids(tenant: Tenant) -> dict[str, int]:
    """One object of the tenant per URL parameter name used by the clinic pages."""
    return {
        "patient_id": tenant.patient.pk,
        "site_id": tenant.site.pk,
        "membership_id": tenant.members[Role.THERAPIST].pk,
        "token_id": tenant.token.pk,
        **{name: record.pk for name, record in tenant.records.items()},
    }


def assert_b_untouched(b: Tenant) -> None:
    with clinic_context(b.clinic.pk):
        patient = Patient.objects.get(pk=b.patient.pk)
        assert patient.legal_last_name == "Patient-bravo"
        assert Site.objects.get(pk=b.site.pk).name == "Site bravo"
        assert ApiToken.objects.get(pk=b.token.pk).revoked_at is None
        b.members[Role.THERAPIST].refresh_from_db()
        assert b.members[Role.THERAPIST].is_active


def test_every_clinic_page_refuses_another_clinics_objects(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    ids_b = web_ids(clinic_b)
    routes = clinic_routes()
    assert len(routes) >= 15
    for route in routes:
        params = set(route.kwargs) - {"clinic_slug"}
        unknown = params - ids_b.keys()
        assert not unknown, f"{route.name}: add a clinic-B object for {unknown} to web_ids()"
        # The other clinic's own address: not a member, so it does not exist.
        foreign = route.url(clinic_slug=clinic_b.clinic.slug, **ids_b)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(foreign)
            assert response.status_code == 404, f"{method.upper()} {route.name}: {response}"
        if not params:
            continue
        # Our clinic's address with the other clinic's ids: the same as a missing id.
        crossed = route.url(clinic_slug=clinic_a.clinic.slug, **ids_b)
        missing = route.url(clinic_slug=clinic_a.clinic.slug, **dict.fromkeys(params, MISSING_ID))
        for method in ("get", "post", "put", "patch", "delete"):
            got = getattr(client, method)(crossed)
            expected = getattr(client, method)(missing)
            # Refused by role (403) or method (405) before any lookup, or not found (404):
            # the answer never depends on whether the other clinic's object exists.
            assert got.status_code == expected.status_code, f"{method.upper()} {route.name}"
            assert got.status_code in (403, 404, 405), f"{method.upper()} {route.name}: {got}"
            assert "bravo" not in got.content.decode()
    assert_b_untouched(clinic_b)
    print(f"web sweep: {len(routes)} clinic routes")  # noqa: T201


def api_client(tenant: Tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})


def test_every_api_route_refuses_another_clinics_objects(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    """Every role's token of clinic A, on every route with clinic B's ids: the same answer as
    for an id that does not exist, and for each declared method some role gets the 404."""
    clients = {role: api_client_for(clinic_a, role) for role in Role.values}
    schema = clients[Role.ADMIN].get("/api/schema/", {"format": "json"}).json()
    ids_b = api_ids(clinic_b)
    detail_routes = list_routes = 0
    for path, operations in schema["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            if "get" in operations:
                for client in clients.values():
                    body = client.get(path).content.decode()
                    assert "bravo" not in body, f"GET {path} shows clinic B's data"
                list_routes += 1
            continue
        collection = path.removeprefix("/api/v1/").split("/")[0]
        assert collection in ids_b, f"{path}: add a clinic-B object for {collection} to api_ids()"
        crossed = re.sub(r"{\w+}", str(ids_b[collection]), path)
        missing = re.sub(r"{\w+}", str(MISSING_ID), path)
        for method in ("get", "post", "put", "patch", "delete"):
            statuses = set()
            for role, client in clients.items():
                call = getattr(client, method)
                got = call(crossed, data={}, content_type="application/json")
                expected = call(missing, data={}, content_type="application/json")
                where = f"{role} {method.upper()} {path}"
                assert got.status_code == expected.status_code, where
                assert got.content == expected.content, where
                assert got.status_code in (403, 404, 405), f"{where}: {got.content!r}"
                statuses.add(got.status_code)
            if method in operations:
                assert 404 in statuses, f"no role reached the lookup: {method.upper()} {path}"
        detail_routes += 1
    assert detail_routes >= 10
    assert_b_untouched(clinic_b)
    print(f"API sweep: {detail_routes} detail routes, {list_routes} list routes")  # noqa: T201


def api_client_for(tenant: Tenant, role: str) -> Client:
    from tests import factories

    _, secret = factories.api_token(tenant.members[role])
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/patients/"])
def test_a_token_only_ever_sees_its_own_clinic(
    clinic_a: Tenant, clinic_b: Tenant, path: str
) -> None:
    body = api_client(clinic_b).get(path).json()
    text = str(body)
    assert "bravo" in text
    assert "alpha" not in text


FHIR_MISSING = {"Observation": "m987654321-total", "QuestionnaireResponse": "m987654321",
                "CarePlan": "tp987654321"}  # fmt: skip
KICKOFFS = ("fhir-export-system", "fhir-export-patient")


def test_every_fhir_route_refuses_another_clinics_resources(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    """/fhir/R4/: every role's token of clinic A, on every read, `$everything`, group export,
    export status and export file with clinic B's ids, gets what a missing id gets; a search
    for B's patient finds nothing; A's own kickoffs never show B's data."""
    clients = {role: api_client_for(clinic_a, role) for role in Role.values}
    routes = fhir_routes()
    with_ids = searches = 0
    for route in routes:
        if route.name == "fhir-metadata":
            continue
        resource_type = fhir_type(route)
        for role, client in clients.items():
            if route.kwargs:
                values_b = fhir_values(clinic_b, route)
                missing_values = {
                    "resource_id": FHIR_MISSING.get(resource_type, str(MISSING_ID)),
                    "export_id": str(MISSING_ID),
                    "resource_type": "Patient",
                }
                crossed = route.url(**values_b)
                missing = route.url(**missing_values)
                headers = {"Prefer": "respond-async"}
                got, expected = (
                    client.get(crossed, headers=headers),
                    client.get(missing, headers=headers),
                )
                assert got.status_code == expected.status_code, f"{role} {route.template}"
                assert got.content == expected.content, f"{role} {route.template}"
                assert got.status_code in (403, 404), f"{role} {route.template}: {got.content!r}"
            elif route.name in KICKOFFS:
                got = client.get(route.url(), headers={"Prefer": "respond-async"})
                assert got.status_code in (202, 403), f"{role} {route.template}"
            else:
                param = "_id" if resource_type == "Patient" else "patient"
                got = client.get(route.url(), {param: clinic_b.patient.pk})
                assert got.status_code in (200, 403), f"{role} {route.template}"
                if got.status_code == 200:
                    assert got.json()["total"] == 0
                    assert "entry" not in got.json()
            assert "bravo" not in got.content.decode()
        if route.kwargs:
            with_ids += 1
        elif route.name not in KICKOFFS:
            searches += 1
    assert with_ids == 14  # 10 reads, $everything, Group $export, export status, export file
    assert searches == 10
    assert_b_untouched(clinic_b)
