"""An authorization's used units are the days on live claim lines that cite it (not denied,
not replaced): readiness blocks a day once claims have used the units up, never offers a
claimed day again, and the chart and the API count the same way (one function)."""

import datetime

import pytest
from django.test import Client

from billing import services
from billing.models import Claim, ClaimLine, ClaimStatus
from billing.selectors import Blocker
from iop.models import Authorization, Patient
from iop.tenancy import clinic_context
from tests import factories
from tests.billing.test_readiness import (
    MON,
    NOW,
    THU,
    TUE,
    Setup,
    _day,
    _patient,
    _readiness,
    _setup,
)

FRI = datetime.date(2026, 11, 20)  # today at NOW (17:00): a 13:00–16:00 day is over


def _build(s: Setup) -> list[Claim]:
    return services.claims_build(
        clinic=s.clinic, actor=s.admin.user, start=datetime.date(2026, 11, 1), end=FRI
    )


def _dates(s: Setup, claim: Claim) -> list[datetime.date]:
    with clinic_context(s.clinic.pk):
        return list(
            ClaimLine.objects.filter(claim=claim)
            .order_by("service_date")
            .values_list("service_date", flat=True)
        )


def _authorization(s: Setup, patient: Patient) -> Authorization:
    with clinic_context(s.clinic.pk):
        return Authorization.objects.get(patient=patient)


def _units(s: Setup, patient: Patient) -> dict[str, int]:
    """The authorization as the API reports it."""
    _, secret = factories.api_token(s.admin)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    body = api.get(f"/api/v1/authorizations/{_authorization(s, patient).pk}/").json()
    return {name: body[name] for name in ("claimed_days", "billed_days", "units_left")}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_claimed_days_use_units_up_to_the_last_one_and_block_the_day_past_it() -> None:
    s = _setup()
    last_unit = _patient(s, units=4)
    one_past = _patient(s, units=3)
    assert {c.patient_id for c in _build(s)} == {last_unit.pk, one_past.pk}
    # The claimed days are not offered again.
    assert _readiness(s) == {}
    assert _units(s, one_past) == {"claimed_days": 3, "billed_days": 3, "units_left": 0}
    _day(s, last_unit, FRI)
    _day(s, one_past, FRI)
    found = _readiness(s)
    assert found == {(last_unit.pk, FRI): [], (one_past.pk, FRI): [Blocker.UNITS_USED_UP]}
    assert _units(s, last_unit) == {"claimed_days": 3, "billed_days": 4, "units_left": 0}
    assert _units(s, one_past) == {"claimed_days": 3, "billed_days": 4, "units_left": -1}
    assert _build(s)[0].patient_id == last_unit.pk
    assert _units(s, last_unit)["claimed_days"] == 4
    assert _readiness(s) == {(one_past.pk, FRI): [Blocker.UNITS_USED_UP]}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_units_on_claims_count_first_so_an_earlier_day_ready_later_is_over_them() -> None:
    s = _setup()
    patient = _patient(s, units=3, days=(TUE, THU, FRI))
    (claim,) = _build(s)  # Tuesday, Thursday and Friday: the three units
    assert _dates(s, claim) == [TUE, THU, FRI]
    # Monday's attendance recorded late: it came first, but every unit is on the claim.
    _day(s, patient, MON)
    assert _readiness(s) == {(patient.pk, MON): [Blocker.UNITS_USED_UP]}


@pytest.mark.django_db
@pytest.mark.instant(NOW)
def test_a_replaced_claims_days_count_once_and_a_denied_claims_days_come_back() -> None:
    s = _setup()
    patient = _patient(s, units=3)
    (claim,) = _build(s)
    for status in (ClaimStatus.READY, ClaimStatus.SUBMITTED):
        services.claim_set_status(claim, actor=s.admin.user, status=status)
    replacement = services.claim_replace(claim, actor=s.admin.user)
    # The original and its replacement carry the same three days: three units, not six.
    assert _units(s, patient) == {"claimed_days": 3, "billed_days": 3, "units_left": 0}
    assert _readiness(s) == {}
    assert _build(s) == []
    page = Client()
    page.force_login(s.admin.user)
    html = page.get(f"/c/{s.clinic.slug}/patients/{patient.pk}/").content.decode()
    assert '3 of 3 <span class="muted">(3 on claims)</span>' in " ".join(html.split())
    # The replacement denied: the original stands again, still three.
    for status in (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.DENIED):
        services.claim_set_status(replacement, actor=s.admin.user, status=status)
    assert _units(s, patient)["claimed_days"] == 3
    services.claim_set_status(claim, actor=s.admin.user, status=ClaimStatus.DENIED)
    # Both denied: no unit is used, and the days are offered for a new claim.
    assert _units(s, patient) == {"claimed_days": 0, "billed_days": 3, "units_left": 0}
    assert _readiness(s) == {(patient.pk, MON): [], (patient.pk, TUE): [], (patient.pk, THU): []}
    (again,) = _build(s)
    assert _dates(s, again) == [MON, TUE, THU]
