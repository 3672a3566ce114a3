"""835 remittances: payments and adjustments post to claim lines and move each claim through
its transition table; the same file twice, an unknown claim, another payer's file, a
malformed or non-835 file change nothing; the 835s the tests build pass pyx12 with zero
errors; the denials worklist names the reason and the blocker that would have caught it."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billing import codes, demo, remit, selectors, services
from billing.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    LineOutcome,
    Remittance,
    RemittanceLine,
)
from iop.models import AuditEvent
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.tenancy import clinic_context
from tests import factories
from tests.billing.remittances import denied, file_835, partial
from tests.billing.test_claims import NOVEMBER, _file, _validate
from tests.billing.test_readiness import MON, NOW, TUE, Setup, _patient, _setup
from tests.conftest import settle_session

RATE = Decimal("250.00")


def _submitted(s: Setup, patients: int = 1) -> list[Claim]:
    for _ in range(patients):
        _patient(s)
    claims = services.claims_build(
        clinic=s.clinic, actor=s.admin.user, start=NOVEMBER[0], end=NOVEMBER[1]
    )
    for claim in claims:
        services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.READY)
        services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.SUBMITTED)
    return claims


def _import(s: Setup, text: str) -> Remittance:
    return services.remittance_import(clinic=s.clinic, actor=s.admin.user, content=text.encode())


def _status(claim: Claim) -> str:
    with clinic_context(claim.clinic_id):
        return Claim.objects.get(pk=claim.pk).status


def _lines(remittance: Remittance) -> list[RemittanceLine]:
    with clinic_context(remittance.clinic_id):
        return list(RemittanceLine.objects.filter(remittance=remittance).order_by("service_date"))


def _passes_pyx12(text: str) -> None:
    ok, report = _validate(text)
    assert ok, report
    assert remit.validate(text) == []


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_full_payment_posts_every_line_and_the_claim_is_paid() -> None:
    s = _setup()
    (claim,) = _submitted(s)
    text = file_835([claim])
    _passes_pyx12(text)
    remittance = _import(s, text)
    assert _status(claim) == ClaimStatus.PAID
    assert remittance.trace_number == "CHK1001"
    assert remittance.paid_on == datetime.date(2026, 11, 25)
    assert remittance.payment_amount == remittance.total_paid == RATE * 3
    assert remittance.total_charge == RATE * 3
    assert len(remittance.sha256) == 64
    lines = _lines(remittance)
    assert [line.outcome for line in lines] == [LineOutcome.PAID] * 3
    assert {line.claim_id for line in lines} == {claim.pk}
    assert all(line.paid == RATE and line.adjustments == [] for line in lines)
    with clinic_context(s.clinic.pk):
        assert Claim.objects.get(pk=claim.pk).payer_claim_number == f"PCN{claim.pk}"
        assert AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type__endswith="remittance"
        ).exists()


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_partial_payment_stores_its_adjustments_and_the_claim_is_adjusted() -> None:
    s = _setup()
    (claim,) = _submitted(s)
    text = file_835([claim], outcomes={(0, 0): partial(RATE)})
    _passes_pyx12(text)
    remittance = _import(s, text)
    assert _status(claim) == ClaimStatus.ADJUSTED
    first, *rest = _lines(remittance)
    assert first.outcome == LineOutcome.PARTIAL
    assert first.paid == Decimal("200.00")
    assert first.adjustments == [
        {"group": "CO", "reason": "45", "amount": "30.00"},
        {"group": "PR", "reason": "2", "amount": "20.00"},
    ]
    # The fee-schedule write-down and the coinsurance are no denial.
    assert first.denied_amount == 0
    assert [line.outcome for line in rest] == [LineOutcome.PAID] * 2
    assert remittance.total_paid == RATE * 3 - 50
    with clinic_context(s.clinic.pk):
        assert selectors.denials(clinic=s.clinic).count == 0


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_denial_lands_on_the_worklist_with_its_reason_and_blocker() -> None:
    s = _setup()
    first, second = _submitted(s, patients=2)
    outcomes = {(0, i): denied(RATE, "197", ("N54",)) for i in range(3)}
    outcomes[(1, 1)] = denied(RATE, "16", ("MA130",))
    text = file_835([first, second], outcomes=outcomes)
    _passes_pyx12(text)
    _import(s, text)
    assert _status(first) == ClaimStatus.DENIED
    assert _status(second) == ClaimStatus.ADJUSTED  # two days paid, one denied
    with clinic_context(s.clinic.pk):
        found = selectors.denials(clinic=s.clinic)
    assert found.count == 4
    assert found.amount == RATE * 4
    assert [r.line.service_date for r in found.rows] == sorted(
        r.line.service_date for r in found.rows
    )
    by_claim = {r.line.claim_id: r for r in found.rows}
    assert by_claim[first.pk].blocker == "no_authorization"
    assert by_claim[first.pk].reasons == [("CO", "197", codes.CARC["197"])]
    assert by_claim[second.pk].blocker == "provider_incomplete"  # MA130: missing data
    assert by_claim[second.pk].remarks == [("MA130", codes.RARC["MA130"])]
    assert {h.blocker: h.days for h in found.held} == {
        "no_authorization": 3, "provider_incomplete": 1,
    }  # fmt: skip
    with clinic_context(s.clinic.pk):
        assert selectors.denials(clinic=s.clinic, reason="16").count == 1
        assert selectors.denials(clinic=s.clinic, payer_id=s.payer.pk + 999).count == 0


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_the_same_file_or_the_same_payment_twice_is_refused_and_posts_nothing_again() -> None:
    s = _setup()
    (claim,) = _submitted(s)
    text = file_835([claim])
    first = _import(s, text)
    with pytest.raises(ValidationError, match="already imported") as refused:
        _import(s, text)
    assert f"remittance {first.pk}" in str(refused.value)
    # The same check in a file that differs (a re-sent file with another date stamp).
    with pytest.raises(ValidationError, match="payment CHK1001 was already imported"):
        _import(s, file_835([claim], paid_on=datetime.date(2026, 11, 26)))
    with clinic_context(s.clinic.pk):
        assert Remittance.objects.count() == 1
        assert RemittanceLine.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_replacement_claim_takes_its_own_remittance_and_a_paid_claim_is_adjusted() -> None:
    s = _setup()
    (original,) = _submitted(s)
    _import(s, file_835([original], outcomes={(0, 2): denied(RATE, "16")}))
    assert _status(original) == ClaimStatus.ADJUSTED
    replacement = services.claim_replace(original, actor=s.admin.user)
    services.claim_set_status(replacement, actor=s.admin.user, status=ClaimStatus.READY)
    services.claim_set_status(replacement, actor=s.admin.user, status=ClaimStatus.SUBMITTED)
    text = file_835([replacement], trace="CHK2002")
    _passes_pyx12(text)
    _import(s, text)
    assert _status(replacement) == ClaimStatus.PAID
    # A later payment on a paid claim (a correction by the payer) adjusts it.
    _import(s, file_835([replacement], trace="CHK3003", outcomes={(0, 0): partial(RATE)}))
    assert _status(replacement) == ClaimStatus.ADJUSTED
    with clinic_context(s.clinic.pk):
        assert RemittanceLine.objects.filter(claim=replacement).count() == 6


def _other_clinic_claim(_: Setup) -> Claim:
    other = _setup("other")
    (claim,) = _submitted(other)
    return claim


# Each bad file, and words its refusal must carry.
BAD_FILES: dict[str, tuple[Callable[[Setup, Claim], str], str]] = {
    "not x12": (lambda s, c: "claim,paid\nC1,250\n", "not an X12 file"),
    "binary": (lambda s, c: "ISA\x00\x01PDF", "binary data"),
    "an 837": (lambda s, c: _file(s, [c], "837I"), "837 file, not an 835"),
    "malformed": (
        lambda s, c: file_835([c]).replace("N3*PO BOX 1~\n", ""),
        "N3 segment at line 8: required segment missing",
    ),
    "bad amount": (
        lambda s, c: file_835([c]).replace("BPR*I*750*", "BPR*I*7X0*"),
        "fails X12 835 validation",
    ),
    "unknown claim": (
        lambda s, c: file_835([c], control_numbers={0: "C987654"}),
        "Claim numbers not found in this clinic: C987654",
    ),
    "not our number": (
        lambda s, c: file_835([c], control_numbers={0: "PATIENT42"}),
        "not found in this clinic: PATIENT42",
    ),
    "another clinic's claim": (
        lambda s, c: file_835([_other_clinic_claim(s)]),
        "not found in this clinic",
    ),
    "another payer": (
        lambda s, c: file_835([c], payer_id="ZZZ99", payer_name="Other Health"),
        "payer (payer id ZZZ99) is not one of this clinic's payers",
    ),
    "unbalanced line": (
        lambda s, c: file_835([c], outcomes={(0, 0): (RATE, [("CO", "45", Decimal("10"))], [])}),
        "the charge less its adjustments is not the amount paid",
    ),
    "unknown date": (
        lambda s, c: file_835([c]).replace(f"DTM*472*{MON:%Y%m%d}", "DTM*472*20261101"),
        "matches no line of the claim by its date of service",
    ),
}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_by_name_and_changes_nothing(case: str) -> None:
    s = _setup()
    patient_claims = _submitted(s)
    (claim,) = patient_claims
    make, words = BAD_FILES[case]
    text = make(s, claim)
    with clinic_context(s.clinic.pk):
        before = (Claim.objects.get(pk=claim.pk).status, ClaimLine.objects.count())
        names = [claim.patient.legal_last_name, claim.patient.legal_first_name, claim.member_id]
    with pytest.raises(ValidationError) as refused:
        _import(s, text)
    message = " ".join(refused.value.messages)
    assert words in message
    assert not any(name in message for name in names)  # no patient data in the refusal
    with clinic_context(s.clinic.pk):
        assert Remittance.objects.count() == 0
        assert RemittanceLine.objects.count() == 0
        assert (Claim.objects.get(pk=claim.pk).status, ClaimLine.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_draft_claim_takes_no_remittance() -> None:
    s = _setup()
    _patient(s)
    (claim,) = services.claims_build(
        clinic=s.clinic, actor=s.admin.user, start=NOVEMBER[0], end=NOVEMBER[1]
    )
    with pytest.raises(ValidationError, match=f"Claim C{claim.pk} is draft"):
        _import(s, file_835([claim]))
    assert _status(claim) == ClaimStatus.DRAFT


def test_codes_in_words_and_unknown_codes() -> None:
    for code in ("1", "2", "3", "4", "5", "11", "15", "16", "18", "22", "23", "27", "29", "45",
                 "50", "96", "97", "109", "119", "167", "170", "181", "182", "197", "198", "204",
                 "242", "252"):  # fmt: skip
        assert codes.carc_text(code) != codes.unknown(code)
    for code in ("N4", "N30", "N290", "M15", "M51", "M76", "MA04", "MA130", "N362", "N479"):
        assert codes.rarc_text(code) != codes.unknown(code)
    assert codes.carc_text("999") == "999: unknown code"
    assert codes.rarc_text("ZZ1") == "ZZ1: unknown code"
    known = set(selectors.BLOCKERS) | set(codes.CAUSE_LABELS)
    assert set(codes.CARC_BLOCKER.values()) | set(codes.RARC_BLOCKER.values()) <= known
    assert codes.blocker_for(["27"], []) == "no_coverage"  # coverage ended
    assert codes.blocker_for(["50"], []) == "note_unsigned"
    assert codes.blocker_for(["11"], []) == "no_primary_diagnosis"
    assert codes.blocker_for(["119"], []) == "units_used_up"
    assert codes.blocker_for(["18"], []) == codes.DUPLICATE
    assert codes.blocker_for(["16"], ["MA130"]) == "provider_incomplete"
    assert codes.blocker_for(["96"], []) is None


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_the_demo_sample_pays_one_partly_pays_one_and_denies_one() -> None:
    s = _setup()
    for _ in range(3):
        _patient(s)
    sample = demo.seed_sample_remittance(s.clinic, s.admin.user)
    assert sample is not None
    _passes_pyx12(sample.content)
    remittance = _import(s, sample.content)
    with clinic_context(s.clinic.pk):
        statuses = [c.status for c in Claim.objects.filter(
            pk__in=RemittanceLine.objects.filter(remittance=remittance).values("claim_id")
        ).order_by("id")]  # fmt: skip
    assert statuses == [ClaimStatus.PAID, ClaimStatus.ADJUSTED, ClaimStatus.DENIED]
    with clinic_context(s.clinic.pk):
        denied = Claim.objects.get(status=ClaimStatus.DENIED)
        assert selectors.denials(clinic=s.clinic).count == denied.lines.count() == 3


def _biller(s: Setup) -> Client:
    client = Client()
    client.force_login(factories.member(s.clinic, Role.BILLING).user)
    return client


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_import_page_posts_and_shows_what_posted_and_the_denials(
    django_assert_max_num_queries: Any,
) -> None:
    s = _setup()
    claims = _submitted(s, patients=2)
    client = _biller(s)
    base = f"/c/{s.clinic.slug}/billing"
    page = client.get(f"{base}/remittances/")
    assert "Import an 835" in page.content.decode()
    text = file_835(claims, outcomes={(0, 0): denied(RATE, "50"), (1, 1): partial(RATE)})
    upload = _upload(text)
    posted = client.post(f"{base}/remittances/import/", {"file": upload})
    assert posted.status_code == 302
    with clinic_context(s.clinic.pk):
        remittance = Remittance.objects.get()
    assert posted["Location"] == f"{base}/remittances/{remittance.pk}/"
    # The first look shows (and so removes) the "Posted …" message: a session write.
    assert "Posted 2 claims" in client.get(posted["Location"]).content.decode()
    settle_session(client)
    with django_assert_max_num_queries(9):
        detail = client.get(posted["Location"]).content.decode()
    assert "CHK1001" in detail
    assert "Not deemed a medical necessity" in detail
    assert "Coinsurance amount" in detail
    assert claims[0].patient.record_number in detail
    settle_session(client)
    with django_assert_max_num_queries(12):
        denials = client.get(f"{base}/denials/").content.decode()
    assert "No signed note for a service that day" in denials  # 50 → the note blocker
    assert claims[0].patient.record_number in denials
    assert f"#claim-{claims[0].pk}" in denials
    assert "$250.00" in denials
    settle_session(client)
    with django_assert_max_num_queries(8):
        listed = client.get(f"{base}/remittances/").content.decode()
    assert "CHK1001" in listed
    again = client.post(f"{base}/remittances/import/", {"file": _upload(text)})
    assert again.status_code == 200
    assert "already imported" in again.content.decode()
    bad = client.post(f"{base}/remittances/import/", {"file": _upload("hello")})
    assert "not an X12 file" in bad.content.decode()
    with clinic_context(s.clinic.pk):
        assert Remittance.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_denials_page_query_count_does_not_grow_with_lines(
    django_assert_max_num_queries: Any,
) -> None:
    """The page reads its lines in one query: four claims' lines cost what one's do."""
    s = _setup()
    claims = _submitted(s, patients=4)
    outcomes = {(c, i): denied(RATE, "197") for c in range(4) for i in range(3)}
    _import(s, file_835(claims, outcomes=outcomes))
    client = _biller(s)
    client.get(f"/c/{s.clinic.slug}/billing/denials/")
    settle_session(client)
    with CaptureQueriesContext(connection) as ran:
        page = client.get(f"/c/{s.clinic.slug}/billing/denials/")
    assert page.content.decode().count("CO-197") == 12
    settle_session(client)
    with django_assert_max_num_queries(len(ran)):
        client.get(f"/c/{s.clinic.slug}/billing/denials/", {"reason": "197"})
    assert len(ran) <= 12


@pytest.mark.django_db
@pytest.mark.instant(NOW)
@pytest.mark.parametrize("patients", [1, 4])
def test_import_query_budget(patients: int) -> None:
    """Posting reads the claims and lines in one query each; each claim's move through the
    transition table (lock, save, audit) and its payer claim number cost nine."""
    s = _setup()
    claims = _submitted(s, patients=patients)
    text = file_835(claims, outcomes={(c, 0): denied(RATE) for c in range(patients)})
    with CaptureQueriesContext(connection) as ran:
        _import(s, text)
    assert len(ran) <= 21 + 9 * patients


def _upload(text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("remit.835", text.encode(), content_type="application/edi-x12")


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_api_imports_a_file_and_answers_a_bad_upload_with_field_messages() -> None:
    s = _setup()
    (claim,) = _submitted(s)
    biller = factories.member(s.clinic, Role.BILLING)
    _, secret = factories.api_token(biller)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    missing = api.post("/api/v1/remittances/", {})
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"file"}
    for bad in ("hello\x00", "ISA*00*garbage~", file_835([claim], control_numbers={0: "C0"})):
        response = api.post("/api/v1/remittances/", {"file": _upload(bad)})
        assert response.status_code == 400, response.content
        assert set(response.json()["error"]["fields"]) == {"file"}
    text = file_835([claim], outcomes={(0, 1): denied(RATE, "119", ("N362",))})
    created = api.post("/api/v1/remittances/", {"file": _upload(text)})
    assert created.status_code == 201, created.content
    assert created.json()["total_paid"] == "500.00"
    assert created.json()["trace_number"] == "CHK1001"
    listed = api.get("/api/v1/remittances/").json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]
    body = api.get("/api/v1/denials/").json()
    assert body["count"] == 1
    assert body["rows"][0]["blocker"] == "units_used_up"
    assert body["rows"][0]["date"] == f"{TUE:%Y-%m-%d}"
    assert body["rows"][0]["remarks"][0]["code"] == "N362"
    assert api.get("/api/v1/denials/", {"reason": "x y"}).status_code == 400


def test_835_is_read_back_as_written() -> None:
    """The writer and the reader agree, so the tests' files say what they mean."""
    service = remit.ServicePayment(
        "H0015", RATE, Decimal("200"), MON,
        [remit.Adjustment("CO", "45", Decimal("30")), remit.Adjustment("PR", "2", Decimal("20"))],
        ["N362"],
    )  # fmt: skip
    text = remit.render(
        payer=remit.PayerParty("ACME HEALTH", "ACME1"), payee=remit.PayeeParty("X", "1234567893"),
        claims=[remit.ClaimToPay("C5", "1", "DOE", "JANE", "M1", "P1", "13", "1", [service])],
        trace_number="T1", paid_on=TUE, control_number=1,
        created=datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC),
        sender_id="ACME1", receiver_id="123456789",
    )  # fmt: skip
    _passes_pyx12(text)
    advice = remit.parse(text)
    assert (advice.payer_id, advice.trace_number, advice.paid_on) == ("ACME1", "T1", TUE)
    assert advice.payment_amount == Decimal("200.00")
    (claim,) = advice.claims
    assert claim.control_number == "C5"
    assert claim.services[0].adjustments == service.adjustments
    assert claim.services[0].remarks == ["N362"]
    assert claim.services[0].service_date == MON
