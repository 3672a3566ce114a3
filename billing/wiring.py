"""What the billing app adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.roles import Role

from .demo import seed_billing


def _demo(demo: hooks.DemoClinic) -> None:
    """The billing provider and the payers of the demo coverages."""
    seed_billing(demo.clinic, demo.staff[Role.ADMIN])


hooks.demo_seeders.register(_demo, order=90)
