"""What the billing app adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.models import Authorization, Clinic
from iop.roles import Role

from . import selectors
from .demo import seed_billing


def _demo(demo: hooks.DemoClinic) -> None:
    """The billing provider and the payers of the demo coverages."""
    seed_billing(demo.clinic, demo.staff[Role.ADMIN])


def _count_units(clinic: Clinic, authorizations: list[Authorization]) -> None:
    """An authorization's units: the days on claims citing it, then the days not yet claimed."""
    selectors.count_authorization_units(clinic=clinic, authorizations=authorizations)


hooks.demo_seeders.register(_demo, order=90)
hooks.authorizations_shown.register(_count_units)
