"""seed_demo leaves a sample 835, written from the demo's own submitted claims, that passes
pyx12 and, imported, partly pays one claim and denies one (any others are paid)."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from billing import services
from billing.models import Claim, ClaimStatus, SampleRemittance
from iop.models import Clinic
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.billing.test_claims import _validate
from tests.iop.test_seed_demo import SUNDAY_NIGHT


@pytest.mark.django_db
def test_the_demo_sample_835_imports_as_paid_adjusted_and_denied() -> None:
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        call_command("seed_demo", patients=12, stdout=StringIO())
        clinic = Clinic.objects.get(slug="demo")
        with clinic_context(clinic.pk):
            sample = SampleRemittance.objects.get()
            admin = next(
                m.user for m in clinic.memberships.select_related("user") if m.role == Role.ADMIN
            )
        ok, report = _validate(sample.content)
        assert ok, report
        remittance = services.remittance_import(
            clinic=clinic, actor=admin, content=sample.content.encode()
        )
        with clinic_context(clinic.pk):
            statuses = list(
                Claim.objects.filter(remittance_lines__remittance=remittance)
                .distinct()
                .order_by("id")
                .values_list("status", flat=True)
            )
    # One partly paid and one denied; any before them paid in full.
    assert statuses[-2:] == [ClaimStatus.ADJUSTED, ClaimStatus.DENIED]
    assert set(statuses[:-2]) <= {ClaimStatus.PAID}
