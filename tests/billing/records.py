"""Billing test data, built through the real services."""

import datetime
from decimal import Decimal
from typing import Any

from billing import services
from billing.models import (
    BillingProvider,
    Claim,
    ClaimFormat,
    ClaimLine,
    ClaimStatus,
    Payer,
    SampleRemittance,
)
from iop import clock
from iop.models import Clinic, Enrollment, Patient, User
from iop.tenancy import clinic_context
from tests.billing.remittances import file_835


def payer(clinic: Clinic, *, actor: User, **fields: Any) -> Payer:
    values: dict[str, Any] = {
        "name": "Acme Health", "payer_id": "ACME1", "claim_format": ClaimFormat.INSTITUTIONAL,
        "program_code": "H0015", "revenue_code": "0906", "place_of_service": "57",
        "bill_type": "131", "rate_per_unit": Decimal("250.00"), "authorization_required": True,
        "timely_filing_days": 90, **fields,
    }  # fmt: skip
    return services.payer_create(clinic=clinic, actor=actor, **values)


def provider(clinic: Clinic, *, actor: User, **fields: Any) -> BillingProvider:
    values: dict[str, Any] = {
        "name": f"{clinic.name} IOP", "npi": "1234567893", "tax_id": "12-3456789",
        "taxonomy": "261QR0405X", "address": "100 Main Street", "city": "Portland",
        "state": "OR", "zip_code": "972011234", **fields,
    }  # fmt: skip
    return services.provider_create(clinic=clinic, actor=actor, **values)


def billing_records(patient: Patient, *, actor: User) -> dict[str, Any]:
    """One of each billing set-up record, by URL id name."""
    clinic = patient.clinic
    the_payer = payer(clinic, actor=actor, name=f"Payer of {clinic.slug}")
    the_provider = provider(clinic, actor=actor)
    consent = services.payer_consent_record(
        patient=patient, payer=the_payer, actor=actor,
        signed_on=clock.today(clinic) - datetime.timedelta(days=30),
    )  # fmt: skip
    with clinic_context(clinic.pk):
        enrollment = Enrollment.objects.filter(clinic=clinic, patient=patient).first()
        # A claim of one day, as claims_build makes them (the tenant's days are not all ready).
        claim = Claim.objects.create(
            clinic=clinic, patient=patient, payer=the_payer, enrollment=enrollment,
            member_id="M-1", claim_format=the_payer.claim_format, diagnosis_codes=["F10.20"],
            period_start=clock.today(clinic).replace(day=1),
            period_end=clock.today(clinic).replace(day=1) + datetime.timedelta(days=27),
        )  # fmt: skip
        ClaimLine.objects.create(
            clinic=clinic, claim=claim, patient=patient, service_date=claim.period_start,
            procedure_code="H0015", revenue_code="0906", place_of_service="57",
            charge=the_payer.rate_per_unit, diagnosis_pointers=[1],
        )  # fmt: skip
    services.claim_set_status(claim, actor=actor, status=ClaimStatus.READY)
    claim_file = services.claim_file_request(
        clinic=clinic, actor=actor, claim_format=claim.claim_format, claim_ids=[claim.pk]
    )
    # The claim goes out and the payer's 835 pays it; a sample 835 as seed_demo leaves one.
    services.claim_set_status(claim, actor=actor, status=ClaimStatus.SUBMITTED)
    remittance = services.remittance_import(
        clinic=clinic, actor=actor,
        content=file_835([claim], trace=f"CHK-{clinic.slug}").encode(),
    )  # fmt: skip
    with clinic_context(clinic.pk):
        SampleRemittance.objects.create(clinic=clinic, content=file_835([claim], trace="SAMPLE"))
    return {
        "payer_id": the_payer, "billing_provider_id": the_provider, "payer_consent": consent,
        "claim_id": claim, "claim_file_id": claim_file, "remittance_id": remittance,
    }  # fmt: skip
