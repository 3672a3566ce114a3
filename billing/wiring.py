"""What the billing app adds to the core through its hooks (iop/hooks.py)."""

import datetime

from iop import clock, hooks
from iop.models import Authorization, Clinic
from iop.roles import Role

from . import selectors
from .demo import seed_billing, seed_claims, seed_consents, seed_sample_remittance, sign_group_notes


def _demo(demo: hooks.DemoClinic) -> None:
    """The billing provider, the payers of the demo coverages, their Part 2 consents, three
    submitted claims of last week with a sample 835 for them, and a month of claims in every
    state from the ready days left."""
    seed_billing(demo.clinic, demo.staff[Role.ADMIN])
    biller = demo.staff.get(Role.BILLING, demo.staff[Role.ADMIN])
    seed_consents(demo.clinic, biller)
    last_month = (clock.today(demo.clinic).replace(day=1) - datetime.timedelta(days=1)).replace(
        day=1
    )
    sign_group_notes(demo.clinic, demo.staff[Role.THERAPIST], last_month)
    seed_sample_remittance(demo.clinic, biller)
    seed_claims(demo.clinic, biller)


def _count_units(clinic: Clinic, authorizations: list[Authorization]) -> None:
    """An authorization's units: the days on claims citing it, then the days not yet claimed."""
    selectors.count_authorization_units(clinic=clinic, authorizations=authorizations)


hooks.demo_seeders.register(_demo, order=90)
hooks.authorizations_shown.register(_count_units)
