"""What the billing app adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.roles import Role

from .demo import seed_billing, seed_sample_remittance


def _demo(demo: hooks.DemoClinic) -> None:
    """The billing provider and the payers of the demo coverages; submitted claims and a
    sample 835 for them."""
    seed_billing(demo.clinic, demo.staff[Role.ADMIN])
    seed_sample_remittance(demo.clinic, demo.staff[Role.ADMIN])


hooks.demo_seeders.register(_demo, order=90)
