"""Demo billing set-up for `seed_demo`: the clinic's billing provider and a payer for each of
the demo coverages' payers, each with its own format, code, rate and rules (DOMAIN.md)."""

from decimal import Decimal

from iop.models import Clinic, User

from . import services
from .models import ClaimFormat

# name → (payer id, format, program code, revenue code, rate, authorization required)
DEMO_PAYERS = {
    "Blue Cross Blue Shield": ("00590", ClaimFormat.INSTITUTIONAL, "H0015", "0906", "310.00", True),
    "Aetna": ("60054", ClaimFormat.INSTITUTIONAL, "S9480", "0905", "295.00", True),
    "UnitedHealthcare": ("87726", ClaimFormat.PROFESSIONAL, "H0015", "0906", "280.00", True),
    "Cigna": ("62308", ClaimFormat.PROFESSIONAL, "S9480", "0905", "300.00", True),
    "State Medicaid": ("SKMD0", ClaimFormat.PROFESSIONAL, "H0015", "0906", "165.00", False),
}


def seed_billing(clinic: Clinic, actor: User) -> None:
    services.provider_create(
        clinic=clinic, actor=actor, name=clinic.name[:60], npi="1234567893", tax_id="12-3456789",
        taxonomy="261QR0405X", address="100 Main Street", city="Portland", state="OR",
        zip_code="972011234",
    )  # fmt: skip
    for name, (payer_id, claim_format, code, revenue, rate, auth) in DEMO_PAYERS.items():
        services.payer_create(
            clinic=clinic, actor=actor, name=name, payer_id=payer_id, claim_format=claim_format,
            program_code=code, revenue_code=revenue, place_of_service="57", bill_type="131",
            rate_per_unit=Decimal(rate), authorization_required=auth, timely_filing_days=90,
        )  # fmt: skip
