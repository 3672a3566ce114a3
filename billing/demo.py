"""Demo billing for `seed_demo`: the clinic's billing provider, a payer for each of the demo
coverages' payers (each with its own format, code, rate and rules, DOMAIN.md), the Part 2
consents to bill them, three submitted claims with a sample 835 remittance for them (one
paid, one partly paid, one denied) that the import page offers for download, and a month of
claims in every state, all through the services."""

import datetime
from decimal import Decimal

from groups import services as groups
from iop import clock
from iop.models import Clinic, Coverage, Diagnosis, Enrollment, Patient, User
from iop.models.care import DiagnosisCategory
from iop.tenancy import clinic_context
from scheduling import ledger
from scheduling.models import Attendance, Session

from . import remit, selectors, services
from .models import (
    BillingProvider,
    Claim,
    ClaimFormat,
    ClaimLine,
    ClaimStatus,
    Payer,
    SampleRemittance,
)

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


def seed_submitted_claims(clinic: Clinic, actor: User) -> list[Claim]:
    """Up to three claims of the last two weeks' ready days, built and submitted through the
    services, for the patients of the payer with most of them: what the sample 835 pays,
    partly pays and denies."""
    today = clock.today(clinic)
    built = services.claims_build(
        clinic=clinic, actor=actor, start=today - datetime.timedelta(days=14),
        end=today - datetime.timedelta(days=1),
    )  # fmt: skip
    by_payer: dict[int, list[Claim]] = {}
    for claim in built:
        by_payer.setdefault(claim.payer_id, []).append(claim)
    if not by_payer:
        return []
    chosen = max(by_payer.values(), key=lambda claims: (len(claims), -claims[0].payer_id))[:3]
    for claim in chosen:
        services.claim_set_status(claim, actor=actor, status=ClaimStatus.READY)
        services.claim_set_status(claim, actor=actor, status=ClaimStatus.SUBMITTED)
    return chosen


def sample_835(clinic: Clinic, claims: list[Claim]) -> str:
    """An 835 for these submitted claims: the last denied (no authorization), the one before
    it partly paid (the contractual write-down and the patient's coinsurance on its first
    day), any others paid in full; valid under pyx12."""
    provider = BillingProvider.objects.get(clinic=clinic, site__isnull=True)
    lines: dict[int, list[ClaimLine]] = {}
    for line in ClaimLine.objects.filter(clinic=clinic, claim__in=claims).order_by("service_date"):
        lines.setdefault(line.claim_id, []).append(line)
    patients = {
        p.pk: p
        for p in Patient.objects.filter(clinic=clinic, pk__in=[c.patient_id for c in claims])
    }
    outcomes = []
    for index, claim in enumerate(claims):
        denial, partial = index == len(claims) - 1, index == len(claims) - 2
        services_ = []
        for number, line in enumerate(lines[claim.pk]):
            charge = line.charge * line.units
            if denial:
                adjustments = [remit.Adjustment("CO", "197", charge)]
                services_.append(remit.ServicePayment(
                    line.procedure_code, charge, Decimal("0"), line.service_date, adjustments,
                    ["N54"],
                ))  # fmt: skip
            elif partial and number == 0:
                write_down = (charge * Decimal("0.10")).quantize(Decimal("0.01"))
                coinsurance = (charge * Decimal("0.20")).quantize(Decimal("0.01"))
                services_.append(remit.ServicePayment(
                    line.procedure_code, charge, charge - write_down - coinsurance,
                    line.service_date,
                    [remit.Adjustment("CO", "45", write_down),
                     remit.Adjustment("PR", "2", coinsurance)],
                ))  # fmt: skip
            else:
                services_.append(
                    remit.ServicePayment(line.procedure_code, charge, charge, line.service_date)
                )
        patient = patients[claim.patient_id]
        facility = (
            claim.payer.bill_type[:2]
            if claim.claim_format == ClaimFormat.INSTITUTIONAL
            else lines[claim.pk][0].place_of_service
        )
        outcomes.append(remit.ClaimToPay(
            control_number=f"C{claim.pk}", status_code="4" if denial else "1",
            member_last=patient.legal_last_name, member_first=patient.legal_first_name,
            member_id=claim.member_id, payer_claim_number=f"PCN{claim.pk:08d}",
            facility_code=facility, frequency_code=claim.frequency_code, services=services_,
        ))  # fmt: skip
    payer = claims[0].payer
    now = clock.local_now(clinic)
    return remit.render(
        payer=remit.PayerParty(name=payer.name, payer_id=payer.payer_id),
        payee=remit.PayeeParty(name=provider.name, npi=provider.npi),
        claims=outcomes, trace_number=f"DEMO{now:%Y%m%d}{claims[0].pk}",
        paid_on=clock.today(clinic), control_number=claims[0].pk, created=now,
        sender_id=payer.payer_id, receiver_id=provider.tax_id.replace("-", ""),
    )  # fmt: skip


def seed_sample_remittance(clinic: Clinic, actor: User) -> SampleRemittance | None:
    with clinic_context(clinic.pk):
        claims = seed_submitted_claims(clinic, actor)
        if not claims:
            return None
        return SampleRemittance.objects.create(clinic=clinic, content=sample_835(clinic, claims))


# The moves that take a new draft to each state (CLAIM_TRANSITIONS), dealt out in turn;
# "submitted" last, since the sample 835's claims already show it.
PATHS: tuple[tuple[str, ...], ...] = (
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.PAID),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.DENIED),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED, ClaimStatus.ADJUSTED),
    (ClaimStatus.READY,),
    (),
    (ClaimStatus.READY, ClaimStatus.SUBMITTED),
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
    """Claims of last month's ready days and this month's so far, billed week by week as an
    IOP biller does, moved along the transition table so every state shows."""
    today = clock.today(clinic)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    claims: list[Claim] = []
    week = last_month - datetime.timedelta(days=last_month.weekday())
    while week <= today:
        start, end = selectors.readiness_range(
            clinic, max(week, last_month), min(week + datetime.timedelta(days=6), today)
        )
        claims += services.claims_build(clinic=clinic, actor=actor, start=start, end=end)
        week += datetime.timedelta(days=7)
    for number, claim in enumerate(claims):
        for status in PATHS[number % len(PATHS)]:
            services.claim_set_status(claim, actor=actor, status=status)
    return claims
