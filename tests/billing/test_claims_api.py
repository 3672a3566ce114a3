"""The claims API: list (filters), detail with lines, build from ready days, transitions (a
refused move is a 400 saying why), claim files and their downloads. Each endpoint: another
clinic's id is a 404, billers and admins may, therapists may not, and the queries do not grow
with the number of claims."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import Claim, ClaimStatus
from iop.models import AuditEvent
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.billing.records import payer as make_payer
from tests.billing.test_readiness import MON, NOW, THU, TUE, Setup, _patient, _setup


def _api(s: Setup, role: str = Role.BILLING) -> Client:
    _, secret = factories.api_token(factories.member(s.clinic, role))
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _claims(s: Setup, patients: int) -> list[Claim]:
    for _ in range(patients):
        _patient(s)
    return services.claims_build(
        clinic=s.clinic, actor=s.admin.user, start=datetime.date(2026, 11, 1), end=NOW_DAY
    )


NOW_DAY = datetime.date(2026, 11, 20)


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_build_from_ready_days_then_list_and_read_a_claim_with_its_lines() -> None:
    s = _setup()
    ready = _patient(s)
    _patient(s, verified=False)  # held back: no claim
    api = _api(s)
    built = api.post("/api/v1/claims/build", {}, content_type="application/json")
    assert built.status_code == 201, built.content
    body = built.json()
    assert (body["start"], body["end"]) == ("2026-11-01", "2026-11-20")
    assert [(c["patient"], c["status"], c["line_count"], c["total"]) for c in body["claims"]] == [
        (ready.pk, "draft", 3, "750.00")
    ]
    # The same service as the page: building again adds nothing.
    again = api.post("/api/v1/claims/build", {}, content_type="application/json")
    assert again.json()["claims"] == []
    claim_id = body["claims"][0]["id"]
    detail = api.get(f"/api/v1/claims/{claim_id}/").json()
    assert detail["allowed_moves"] == ["ready"]
    assert detail["diagnosis_codes"] == ["F10.20"]
    assert [(line["service_date"], line["units"], line["authorization_number"])
            for line in detail["lines"]] == [
        (d.isoformat(), 1, f"AU{ready.pk}") for d in (MON, TUE, THU)
    ]  # fmt: skip
    assert all(line["authorization"] is not None for line in detail["lines"])
    listed = api.get("/api/v1/claims/").json()
    assert [c["id"] for c in listed["results"]] == [claim_id]
    with clinic_context(s.clinic.pk):
        viewed = AuditEvent.objects.filter(
            clinic=s.clinic, action=AuditAction.VIEW, object_type="billing.claim"
        )
        assert viewed.count() == 2  # the detail and the list each record the read
        assert set(viewed.values_list("patient_id", flat=True)) == {ready.pk}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_list_filters_by_status_payer_patient_and_service_period() -> None:
    s = _setup()
    first, second = _claims(s, 2)
    services.claim_set_status(second, actor=s.admin.user, status=ClaimStatus.READY)
    api = _api(s)

    def ids(**query: object) -> list[int]:
        response = api.get("/api/v1/claims/", query)
        assert response.status_code == 200, response.content
        return sorted(c["id"] for c in response.json()["results"])

    assert ids() == sorted([first.pk, second.pk])
    assert ids(status="ready") == [second.pk]
    assert ids(status="draft") == [first.pk]
    assert ids(patient=first.patient_id) == [first.pk]
    assert ids(payer=s.payer.pk) == sorted([first.pk, second.pk])
    other = make_payer(s.clinic, actor=s.admin.user, name="Other Health", payer_id="OTH1")
    assert ids(payer=other.pk) == []
    # November's period overlaps the last day of November; it does not reach into December.
    assert ids(start="2026-11-30", end="2026-12-31") == sorted([first.pk, second.pk])
    assert ids(start="2026-12-01") == []
    assert ids(end="2026-10-31") == []
    bad = api.get(
        "/api/v1/claims/",
        {"status": "lost\x00", "payer": "x", "start": "0001-01-01", "end": "2026-13-40"},
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"status", "payer", "start", "end"}
    backwards = api.get("/api/v1/claims/", {"start": "2026-11-20", "end": "2026-11-01"})
    assert backwards.status_code == 400
    assert "end" in backwards.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_transition_the_table_refuses_is_a_400_that_says_why() -> None:
    s = _setup()
    (claim,) = _claims(s, 1)
    api = _api(s)
    url = f"/api/v1/claims/{claim.pk}/transition"
    refused = api.post(url, {"status": "paid"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["status"] == [
        "Cannot move from draft to paid. Allowed: ready."
    ]
    moved = api.post(url, {"status": "ready"}, content_type="application/json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "ready"
    assert moved.json()["allowed_moves"] == ["draft", "submitted"]
    api.post(url, {"status": "submitted"}, content_type="application/json")
    locked = api.post(url, {"status": "draft"}, content_type="application/json")
    assert locked.status_code == 400
    assert "Allowed: paid, denied, adjusted" in locked.json()["error"]["fields"]["status"][0]
    unknown = api.post(url, {"status": "x" * 10_000}, content_type="application/json")
    assert unknown.status_code == 400
    with clinic_context(s.clinic.pk):
        assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_claim_files_list_detail_and_download_once_written() -> None:
    s = _setup()
    (claim,) = _claims(s, 1)
    services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.READY)
    claim_file = services.claim_file_request(
        clinic=s.clinic, actor=s.admin.user, claim_format=claim.claim_format, claim_ids=[claim.pk]
    )
    api = _api(s)
    queued = api.get(f"/api/v1/claim-files/{claim_file.pk}/").json()
    assert (queued["status"], queued["download"], queued["claim_ids"]) == (
        "queued",
        None,
        [claim.pk],
    )
    early = api.get(f"/api/v1/claim-files/{claim_file.pk}/837")
    assert early.status_code == 409
    # The worker's step, run here directly: the job itself is tested with the worker.
    services.claim_file_write(clinic_id=s.clinic.pk, claim_file_id=claim_file.pk)
    listed = api.get("/api/v1/claim-files/").json()["results"]
    assert [(f["id"], f["status"], f["total"]) for f in listed] == [(claim_file.pk, "done", 1)]
    written = api.get(f"/api/v1/claim-files/{claim_file.pk}/").json()
    assert written["download"] == f"/api/v1/claim-files/{claim_file.pk}/837"
    assert len(written["sha256"]) == 64
    x12 = api.get(written["download"])
    assert x12.status_code == 200
    assert x12["Content-Type"].startswith("application/edi-x12")
    assert x12.content.decode().startswith("ISA*")
    csv = api.get(written["csv_download"])
    assert csv.content.decode().splitlines()[0].startswith("claim,frequency")
    with clinic_context(s.clinic.pk):
        exports = AuditEvent.objects.filter(clinic=s.clinic, action=AuditAction.EXPORT)
        assert list(exports.values_list("patient_id", flat=True)) == [claim.patient_id] * 2


CLAIM_ROUTES = (
    ("get", "/api/v1/claims/{claim}/"),
    ("post", "/api/v1/claims/{claim}/transition"),
    ("get", "/api/v1/claim-files/{file}/"),
    ("get", "/api/v1/claim-files/{file}/837"),
    ("get", "/api/v1/claim-files/{file}/csv"),
)


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_another_clinics_claims_and_files_are_404_and_its_lists_stay_out() -> None:
    s = _setup()
    (claim,) = _claims(s, 1)
    services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.READY)
    claim_file = services.claim_file_request(
        clinic=s.clinic, actor=s.admin.user, claim_format=claim.claim_format, claim_ids=[claim.pk]
    )
    services.claim_file_write(clinic_id=s.clinic.pk, claim_file_id=claim_file.pk)
    other = _setup("elsewhere")
    stranger = _api(other)
    for method, template in CLAIM_ROUTES:
        path = template.format(claim=claim.pk, file=claim_file.pk)
        response = getattr(stranger, method)(
            path, {"status": "ready"}, content_type="application/json"
        )
        assert response.status_code == 404, f"{method} {path}"
    assert stranger.get("/api/v1/claims/").json()["results"] == []
    assert stranger.get("/api/v1/claim-files/").json()["results"] == []
    assert (
        stranger.post("/api/v1/claims/build", {}, content_type="application/json").json()["claims"]
        == []
    )
    with clinic_context(s.clinic.pk):
        assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.READY


@pytest.mark.django_db
@pytest.mark.instant(NOW)
@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [(Role.BILLING, True, True), (Role.ADMIN, True, True), (Role.AUDITOR, True, False),
     (Role.THERAPIST, False, False), (Role.FRONT_DESK, False, False)],
)  # fmt: skip
def test_billers_and_admins_may_therapists_may_not(role: str, reads: bool, writes: bool) -> None:
    s = _setup()
    (claim,) = _claims(s, 1)
    api = _api(s, role)
    for path in ("/api/v1/claims/", f"/api/v1/claims/{claim.pk}/", "/api/v1/claim-files/"):
        assert api.get(path).status_code == (200 if reads else 403), f"{role} {path}"
    moved = api.post(
        f"/api/v1/claims/{claim.pk}/transition", {"status": "ready"},
        content_type="application/json",
    )  # fmt: skip
    assert moved.status_code == (200 if writes else 403)
    built = api.post("/api/v1/claims/build", {}, content_type="application/json")
    assert built.status_code == (201 if writes else 403)


def _queries(api: Client, method: str, path: str, **data: object) -> int:
    with CaptureQueriesContext(connection) as ran:
        response = getattr(api, method)(path, data, content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return len(ran)


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_claim_endpoints_cost_the_same_queries_for_one_claim_and_for_six() -> None:
    s = _setup()
    api = _api(s)
    (first,) = _claims(s, 1)
    api.get("/api/v1/claims/")  # settles the token's first use before measuring
    one = {
        "list": _queries(api, "get", "/api/v1/claims/"),
        "detail": _queries(api, "get", f"/api/v1/claims/{first.pk}/"),
        "files": _queries(api, "get", "/api/v1/claim-files/"),
    }
    claims = _claims(s, 5)
    services.claim_set_status(claims[0], actor=s.admin.user, status=ClaimStatus.READY)
    six = {
        "list": _queries(api, "get", "/api/v1/claims/"),
        "detail": _queries(api, "get", f"/api/v1/claims/{claims[0].pk}/"),
        "files": _queries(api, "get", "/api/v1/claim-files/"),
    }
    assert one == six
    assert six["list"] <= 9
    assert six["detail"] <= 9
    # Building six patients' claims: per claim, one insert of the claim, one of its lines
    # and one audit event, besides readiness's flat twelve.
    for _ in range(6):
        _patient(s)
    built = _queries(api, "post", "/api/v1/claims/build")
    assert built <= 12 + 3 * 6 + 10
