"""The demo clinic has a month of claims in every state, built from its ready days."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from billing.models import Claim, ClaimLine, ClaimStatus
from iop.models import Clinic
from iop.tenancy import clinic_context


@pytest.mark.parametrize(
    "instant",
    [
        datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.UTC),  # this month barely begun
        datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC),  # Sunday night in New York
        datetime.datetime(2026, 12, 18, 20, 0, tzinfo=datetime.UTC),
    ],
)
def test_seed_demo_has_claims_in_every_state(db: None, instant: datetime.datetime) -> None:
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", patients=12, stdout=StringIO())
    clinic = Clinic.objects.get(slug="demo")
    with clinic_context(clinic.pk):
        states = set(Claim.objects.filter(clinic=clinic).values_list("status", flat=True))
        assert states == set(ClaimStatus.values)
        lines = ClaimLine.objects.filter(clinic=clinic)
        assert lines.exists()
        # Built by claims_build: every line cites its authorization or its payer needs none.
        assert not lines.filter(
            authorization__isnull=True, claim__payer__authorization_required=True
        ).exists()
