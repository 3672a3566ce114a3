"""The API's base: token authentication, one error shape, pagination, the core endpoints."""

import pytest
from django.test import Client

from iop.models import ApiToken, Membership
from iop.roles import Role
from iop.services import api_token_revoke
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_me_describes_the_tokens_membership(clinic_a: Tenant) -> None:
    body = bearer(clinic_a.token_secret).get("/api/v1/me").json()
    assert body["clinic"]["slug"] == clinic_a.clinic.slug
    assert body["membership"]["role"] == Role.ADMIN
    assert "audit.read" in body["capabilities"]


def test_use_is_recorded_on_the_token(clinic_a: Tenant) -> None:
    assert clinic_a.token.last_used_at is None
    bearer(clinic_a.token_secret).get("/api/v1/me")
    with clinic_context(clinic_a.clinic.pk):
        clinic_a.token.refresh_from_db()
    assert clinic_a.token.last_used_at is not None


def test_only_the_hash_is_stored(clinic_a: Tenant) -> None:
    with clinic_context(clinic_a.clinic.pk):
        stored = ApiToken.objects.get(pk=clinic_a.token.pk)
    assert clinic_a.token_secret not in (stored.key_hash, stored.prefix, stored.name)
    assert clinic_a.token_secret.startswith(stored.prefix)


@pytest.mark.parametrize(
    "header",
    ["Bearer iop_not-a-real-token", "Bearer", "Bearer a b"],
)
def test_bad_tokens_get_401_in_the_error_shape(db: None, header: str) -> None:
    response = Client(headers={"Authorization": header}).get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["status"] == 401
    assert error["code"] == "authentication_failed"
    assert error["message"]


def test_no_credentials_is_401(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_revoked_token_stops_working_at_once(clinic_a: Tenant) -> None:
    client = bearer(clinic_a.token_secret)
    assert client.get("/api/v1/me").status_code == 200
    api_token_revoke(token=clinic_a.token, actor=clinic_a.admin.user)
    assert client.get("/api/v1/me").status_code == 401


def test_revoking_from_the_page_names_it_and_stops_it(clinic_a: Tenant) -> None:
    response = clinic_a.client_for().post(
        f"/c/{clinic_a.clinic.slug}/tokens/{clinic_a.token.pk}/revoke/", follow=True
    )
    assert "revoked" in response.content.decode()
    assert bearer(clinic_a.token_secret).get("/api/v1/me").status_code == 401


def test_a_deactivated_members_token_stops_working(clinic_a: Tenant) -> None:
    nurse = clinic_a.members[Role.NURSE]
    _, secret = factories.api_token(nurse)
    with clinic_context(clinic_a.clinic.pk):
        Membership.objects.filter(pk=nurse.pk).update(is_active=False)
    assert bearer(secret).get("/api/v1/me").status_code == 401


def test_the_token_page_shows_a_new_secret_once(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    url = f"/c/{clinic_a.clinic.slug}/tokens/"
    created = client.post(url, {"name": "Billing export"})
    with clinic_context(clinic_a.clinic.pk):
        token = ApiToken.objects.get(name="Billing export")
    html = created.content.decode()
    assert token.prefix in html
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert bearer(secret).get("/api/v1/me").status_code == 200
    assert secret not in client.get(url).content.decode()


def test_create_api_token_command_prints_a_working_token(clinic_a: Tenant) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "create_api_token", email=clinic_a.admin.user.email, clinic=clinic_a.clinic.slug, stdout=out
    )
    assert bearer(out.getvalue().strip()).get("/api/v1/me").status_code == 200


def test_validation_errors_are_400_with_field_messages(clinic_a: Tenant) -> None:
    client = bearer(clinic_a.token_secret)
    response = client.post(
        "/api/v1/patients/",
        {
            "record_number": clinic_a.patient.record_number,
            "legal_first_name": "",
            "legal_last_name": "Lee",
            "date_of_birth": "2999-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) >= {"legal_first_name"}
    # Once the fields are right, the clinic-wide rules speak up in the same shape.
    response = client.post(
        "/api/v1/patients/",
        {
            "record_number": clinic_a.patient.record_number,
            "legal_first_name": "Lee",
            "legal_last_name": "Lee",
            "date_of_birth": "2999-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["date_of_birth"] == ["Date of birth must be in the past."]
    response = client.post(
        "/api/v1/patients/",
        {
            "record_number": clinic_a.patient.record_number,
            "legal_first_name": "Lee",
            "legal_last_name": "Lee",
            "date_of_birth": "1999-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "record_number": ["Another patient already has this record number."]
    }


def test_a_refused_move_is_409(clinic_a: Tenant) -> None:
    response = bearer(clinic_a.token_secret).patch(
        f"/api/v1/staff/{clinic_a.admin.pk}/",
        {"role": Role.THERAPIST},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "at least one active admin" in response.json()["error"]["message"]


def test_invite_through_the_api(clinic_a: Tenant) -> None:
    response = bearer(clinic_a.token_secret).post(
        "/api/v1/staff/",
        {"email": "api.invite@clinic.example", "role": Role.NURSE},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["role"] == Role.NURSE


def test_lists_paginate(clinic_a: Tenant) -> None:
    for n in range(3):
        factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, legal_last_name=f"Page{n}")
    body = bearer(clinic_a.token_secret).get("/api/v1/patients/", {"page_size": 2}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"]


def test_audit_events_filter_and_validate(clinic_a: Tenant) -> None:
    client = bearer(clinic_a.token_secret)
    client.get(f"/api/v1/patients/{clinic_a.patient.pk}/")
    body = client.get(
        "/api/v1/audit-events/", {"patient": clinic_a.patient.pk, "action": "view"}
    ).json()
    assert body["count"] == 1
    bad = client.get("/api/v1/audit-events/", {"date_from": "2024-05-02", "date_to": "2024-05-01"})
    assert bad.status_code == 400
    assert "date_to" in bad.json()["error"]["fields"]


def test_session_auth_needs_the_clinic_named_and_enforces_csrf(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic_a.admin.user)
    assert client.get("/api/v1/me").status_code == 401  # which clinic?
    assert client.get("/api/v1/me", headers={"X-Clinic": clinic_b.clinic.slug}).status_code == 401
    me = client.get("/api/v1/me", headers={"X-Clinic": clinic_a.clinic.slug})
    assert me.json()["clinic"]["slug"] == clinic_a.clinic.slug
    response = client.post(
        "/api/v1/sites/",
        {"name": "No token"},
        content_type="application/json",
        headers={"X-Clinic": clinic_a.clinic.slug},
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_schema_and_docs_are_served(db: None) -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/patients/{id}/" in schema["paths"]
    assert "bearerAuth" in schema["components"]["securitySchemes"]
    assert Client().get("/api/docs/").status_code == 200


def test_timestamps_are_timezone_aware(clinic_a: Tenant) -> None:
    body = bearer(clinic_a.token_secret).get(f"/api/v1/patients/{clinic_a.patient.pk}/").json()
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_throttled_requests_get_429_in_the_error_shape(
    clinic_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import UserRateThrottle

    # DRF reads the rates when the class is defined; patch them for this test only.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    client = bearer(clinic_a.token_secret)
    statuses = [client.get("/api/v1/me").status_code for _ in range(3)]
    last = client.get("/api/v1/me")
    assert statuses == [200, 200, 429]
    assert last.json()["error"]["status"] == 429
    assert last.json()["error"]["code"] == "throttled"
    assert "Retry-After" in last
