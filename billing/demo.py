"""Demo billing for `seed_demo`: the clinic's billing provider, a payer for each of the demo
coverages' payers (each with its own format, code, rate and rules, DOMAIN.md), the Part 2
consents to bill them, and a month of claims in every state, all through the services."""

import datetime
from decimal import Decimal

from groups import services as groups
from iop import clock
from iop.models import Clinic, Coverage, Diagnosis, Enrollment, User
from iop.models.care import DiagnosisCategory
from scheduling import ledger
from scheduling.models import Attendance, Session

from . import selectors, services
from .models import Claim, ClaimFormat, ClaimStatus, Payer

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


# The moves that take a new draft to each state (CLAIM_TRANSITIONS), dealt out in turn.
PATHS: tuple[tuple[str, ...], ...] = (
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.PAID),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.DENIED),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.ADJUSTED),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED),
    (ClaimStatus.READY,),
    (),
)


def seed_consents(clinic: Clinic, actor: User) -> None:
    """Each Part 2 patient's consent to disclose to their payer for payment, signed at
    admission (the usual intake paperwork)."""
    payers = {p.name.lower(): p for p in Payer.objects.filter(clinic=clinic)}
    part2 = set(
        Diagnosis.objects.filter(
            clinic=clinic, category=DiagnosisCategory.SUBSTANCE_USE, is_active=True
        ).values_list("patient_id", flat=True)
    )
    admitted = {
        e.patient_id: e.admission_date
        for e in Enrollment.objects.filter(clinic=clinic).order_by("-admission_date")
    }
    for coverage in Coverage.objects.filter(clinic=clinic, patient_id__in=part2, is_active=True):
        payer = payers.get(coverage.payer.strip().lower())
        if payer is not None and coverage.patient_id in admitted:
            services.payer_consent_record(
                patient=coverage.patient, payer=payer, actor=actor,
                signed_on=admitted[coverage.patient_id],
            )  # fmt: skip


def sign_group_notes(clinic: Clinic, therapist: User, start: datetime.date) -> None:
    """The group notes of the held groups since `start`, written and signed by the therapist
    as a clinic does each day (a day without its signed note is not billable)."""
    now = clock.now()
    sessions = (
        Session.objects.filter(
            clinic=clinic, kind__in=selectors.GROUP_NOTE_KINDS, day__gte=start, ends_at__lt=now
        )
        .exclude(status="cancelled")
        .exclude(group_note__signed_at__isnull=False)
        .order_by("starts_at")
    )
    for session in sessions:
        present = list(
            Attendance.objects.filter(
                clinic=clinic, session=session, is_active=True, status__in=ledger.ATTENDED
            ).values_list("patient_id", flat=True)
        )
        if not present:
            continue
        parts = {
            pid: f"Took part; practised the day's skill and set goal {n} for the week."
            for n, pid in enumerate(present, start=1)
        }
        note = groups.group_note_save(
            session=session, actor=therapist, summary="Skills practice and check-in.",
            parts=parts,
        )  # fmt: skip
        groups.group_note_sign(note, actor=therapist)


def seed_claims(clinic: Clinic, actor: User) -> list[Claim]:
    """Claims from last month's ready days and this month's so far, moved along the
    transition table so every state shows."""
    today = clock.today(clinic)
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    claims = services.claims_build(
        clinic=clinic, actor=actor, start=last_month, end=this_month - datetime.timedelta(days=1)
    )
    start, end = selectors.readiness_range(clinic, this_month, today)
    claims += services.claims_build(clinic=clinic, actor=actor, start=start, end=end)
    for number, claim in enumerate(claims):
        for status in PATHS[number % len(PATHS)]:
            services.claim_set_status(claim, actor=actor, status=status)
    return claims
