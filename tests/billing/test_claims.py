"""Claims from ready days, the claim workflow, and the 837I / 837P files validated by pyx12 (an
independent X12 validator): zero errors, with several lines, several diagnoses and a
replacement claim."""

import datetime
import io

import pytest
import pyx12.error_handler
import pyx12.params
import pyx12.x12n_document
from django.core.exceptions import ValidationError

from billing import services, x12
from billing.models import Claim, ClaimFormat, ClaimLine, ClaimStatus
from iop import services as core
from iop.models import Diagnosis
from iop.services import DomainError
from iop.tenancy import clinic_context
from tests.billing.test_readiness import MON, NOW, THU, TUE, Setup, _day, _patient, _setup

NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 20))


def _validate(text: str) -> tuple[bool, str]:
    """pyx12's verdict on the file, and its report of what it found."""
    param = pyx12.params.params()
    report = io.StringIO()
    ack = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=param, src_file=io.StringIO(text), fd_997=ack, fd_html=report
    )
    return bool(ok), report.getvalue()


def _build(s: Setup) -> list[Claim]:
    return services.claims_build(
        clinic=s.clinic, actor=s.admin.user, start=NOVEMBER[0], end=NOVEMBER[1]
    )


def _file(s: Setup, claims: list[Claim], claim_format: str) -> str:
    with clinic_context(s.clinic.pk):
        provider = s.clinic_provider()
        pairs = [
            (Claim.objects.select_related("patient", "payer", "replaces").get(pk=c.pk),
             list(ClaimLine.objects.filter(claim=c).order_by("service_date")))
            for c in claims
        ]  # fmt: skip
    interchange = x12.Interchange(
        sender_id="123456789", receiver_id="ACME1", control_number=42,
        created=datetime.datetime(2026, 11, 20, 17, 0, tzinfo=datetime.UTC),
    )  # fmt: skip
    return x12.render_837(
        claim_format=claim_format, provider=provider, claims=pairs, interchange=interchange,
        contact="Billing office", phone="(503) 555-0100",
    )  # fmt: skip


def _two_diagnoses(s: Setup, patient: object) -> None:
    core.record_create(
        Diagnosis, patient=patient, actor=s.admin.user, icd10_code="F33.1",
        description="Major depressive disorder, recurrent, moderate", category="mental_health",
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_ready_days_become_one_claim_per_patient_payer_and_month() -> None:
    s = _setup()
    ready = _patient(s)
    held = _patient(s, verified=False)
    claims = _build(s)
    assert [c.patient_id for c in claims] == [ready.pk]
    with clinic_context(s.clinic.pk):
        lines = list(ClaimLine.objects.filter(claim=claims[0]).order_by("service_date"))
    assert [(line.service_date, line.units, line.procedure_code) for line in lines] == [
        (MON, 1, "H0015"), (TUE, 1, "H0015"), (THU, 1, "H0015"),
    ]  # fmt: skip
    assert {line.authorization_number for line in lines} == {f"AU{ready.pk}"}
    assert claims[0].period_start == datetime.date(2026, 11, 1)
    assert claims[0].period_end == datetime.date(2026, 11, 30)
    assert _build(s) == []  # building again adds nothing
    assert held.pk not in {c.patient_id for c in claims}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_claim_moves_only_through_its_transition_table_and_locks_when_submitted() -> None:
    s = _setup()
    _patient(s)
    (claim,) = _build(s)
    with pytest.raises(DomainError):
        services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.PAID)
    services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.READY)
    services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.SUBMITTED)
    assert claim.is_locked
    assert claim.submitted_at is not None
    with pytest.raises(DomainError):
        services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.DRAFT)
    replacement = services.claim_replace(claim, actor=s.admin.user)
    assert replacement.frequency_code == "7"
    assert replacement.replaces_id == claim.pk
    assert replacement.status == ClaimStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_draft_is_not_replaced() -> None:
    s = _setup()
    _patient(s)
    (claim,) = _build(s)
    with pytest.raises((DomainError, ValidationError)):
        services.claim_replace(claim, actor=s.admin.user)


@pytest.mark.django_db
@pytest.mark.instant(NOW)
@pytest.mark.parametrize("claim_format", [ClaimFormat.INSTITUTIONAL, ClaimFormat.PROFESSIONAL])
def test_837_files_pass_pyx12_with_several_lines_diagnoses_and_a_replacement(
    claim_format: str,
) -> None:
    s = _setup()
    services.payer_update(s.payer, actor=s.admin.user, claim_format=claim_format)
    first = _patient(s)
    _two_diagnoses(s, first)
    second = _patient(s, days=(MON, TUE))
    _day(s, second, THU)
    claims = _build(s)
    assert len(claims) == 2
    services.claim_set_status(claims[0], actor=s.admin.user, status=ClaimStatus.READY)
    services.claim_set_status(claims[0], actor=s.admin.user, status=ClaimStatus.SUBMITTED)
    replacement = services.claim_replace(claims[0], actor=s.admin.user)
    text = _file(s, [*claims, replacement], claim_format)
    ok, report = _validate(text)
    assert ok, report
    assert f"*{x12.VERSIONS[claim_format]}~" in text  # type: ignore[index]
    assert text.count("LX*") == 9  # three days on each of the three claims
    assert "ABF:F331" in text  # the second diagnosis
    assert f"REF*F8*C{claims[0].pk}~" in text  # the replacement points at the original
    assert "REF*G1*" in text  # the authorization number, loop 2300


def test_a_broken_file_fails_pyx12() -> None:
    """The validator is not a rubber stamp: a file with a segment dropped fails."""
    ok, _ = _validate("ISA*00*garbage~")
    assert not ok
