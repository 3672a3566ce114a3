"""The core's part of the demo (`seed_demo`): patients with their records and enrollments,
and the intake board's inquiries. Registered as demo seeders (iop/hooks.py) between the
calendar's tracks, which patients enrol in, and the features' history, which needs patients.

Every date and time comes from the clinic's own clock (`iop.clock`)."""

import datetime
from collections.abc import Iterator
from typing import Any

from iop import clock, hooks, services
from iop.hooks import DemoClinic
from iop.models import (
    Authorization,
    Coverage,
    Diagnosis,
    Medication,
    Membership,
    PaymentPlan,
    Track,
)
from iop.roles import Role

FIRST = ["Maria", "James", "Aisha", "Daniel", "Priya", "Marcus", "Elena", "Tyler", "Grace",
         "Andre", "Hannah", "Luis", "Noah", "Keisha", "Owen", "Sofia"]  # fmt: skip
LAST = ["Garcia", "Walker", "Nguyen", "Patel", "Johnson", "Kim", "Lopez", "Bennett", "Diaz",
        "Foster", "Hughes", "Ramirez", "Sullivan", "Ward", "Price", "Coleman"]  # fmt: skip
PREFERRED = {"James": "Jim", "Daniel": "Danny", "Elena": "Lena", "Andre": "Dre"}
OPEN = ("active", "on_hold")
# Where each demo patient stands: mostly in the program, some finished or gone.
STAGES = ["active"] * 7 + ["on_hold", "completed", "discharged", "stepped_down", "waiting"]
SUBSTANCE_USE = [
    ("F10.20", "Alcohol use disorder, moderate"),
    ("F11.20", "Opioid use disorder, moderate"),
    ("F14.20", "Cocaine use disorder, moderate"),
    ("F12.20", "Cannabis use disorder, moderate"),
    ("F15.20", "Stimulant use disorder, moderate"),
]
MENTAL_HEALTH = [
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder"),
    ("F31.81", "Bipolar II disorder"),
]
MEDICATIONS = [
    {"name": "buprenorphine/naloxone", "dose": "8 mg/2 mg", "frequency": "daily"},
    {"name": "naltrexone", "dose": "50 mg", "frequency": "daily"},
    {"name": "sertraline", "dose": "100 mg", "frequency": "daily"},
    {"name": "gabapentin", "dose": "300 mg", "frequency": "three times a day"},
]
PAYERS = ["Blue Cross Blue Shield", "Aetna", "UnitedHealthcare", "Cigna", "State Medicaid"]
# The payers the demo bills for psychiatric IOP (S9480, billing/demo.py): their
# authorizations are for S9480, the others' for H0015.
S9480_PAYERS = {"Aetna", "Cigna"}
CONCERNS = [
    "Drinking daily after a job loss; two DUIs; wants to keep working.",
    "Stepping down from 28-day residential; needs structure in the evenings.",
    "Opioid use after surgery; on buprenorphine; anxiety and poor sleep.",
    "Family asked for help; cocaine use on weekends; panic attacks.",
]
INQUIRIES = 10
REFERRALS = ["residential", "self", "family", "court", "employer", "provider"]
INQUIRY_STAGES = ["new", "scheduled", "scheduled", "assessed", "new", "referred"]
# Intake assessments, on the clinic's wall clock: after the group their assessor leads (9:00).
ASSESSMENT_TIMES = [datetime.time(11), datetime.time(14), datetime.time(15, 30), datetime.time(16)]


def _weekdays(day: datetime.date, *, step: int) -> Iterator[datetime.date]:
    """Monday-to-Friday dates after `day` (step 1) or before it (step -1), nearest first."""
    while True:
        day += datetime.timedelta(days=step)
        if day.weekday() < 5:
            yield day


def seed_patients(demo: DemoClinic) -> None:
    """`demo.patients` patients, each with the clinic's therapist and case manager; most are
    enrolled in one of the clinic's tracks, some finished or left."""
    team = {
        "primary_therapist": Membership.objects.get(
            clinic=demo.clinic, user=demo.staff[Role.THERAPIST]
        ),
        "case_manager": Membership.objects.get(clinic=demo.clinic, role=Role.CASE_MANAGER),
    }
    tracks = list(Track.objects.filter(clinic=demo.clinic).order_by("starts_at"))
    for number in range(1, demo.patients + 1):
        _patient(demo, number, team, tracks)


def seed_inquiries(demo: DemoClinic) -> None:
    """The intake board: new calls, booked and past assessments, a referral elsewhere."""
    assessor = Membership.objects.get(clinic=demo.clinic, user=demo.staff[Role.THERAPIST])
    for number in range(1, INQUIRIES + 1):
        _inquiry(demo, number, assessor)


def _patient(demo: DemoClinic, number: int, team: dict[str, Any], tracks: list[Track]) -> None:
    clinic, admin, rng = demo.clinic, demo.staff[Role.ADMIN], demo.rng
    first = rng.choice(FIRST)
    today = clock.today(clinic)
    patient = services.patient_create(
        clinic=clinic,
        actor=admin,
        record_number=f"{clinic.slug[:1].upper()}{1000 + number}",
        legal_first_name=first,
        legal_last_name=rng.choice(LAST),
        preferred_name=PREFERRED.get(first, ""),
        pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
        date_of_birth=today - datetime.timedelta(days=rng.randint(16 * 365, 64 * 365)),
        phone=f"(555) {100 + number:03d}-{rng.randint(1000, 9999)}",
        language=rng.choice(["English"] * 5 + ["Spanish"]),
        emergency_contact_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        emergency_contact_relationship=rng.choice(["parent", "spouse", "sibling", "friend"]),
        emergency_contact_phone="(555) 010-9999",
        **team,
    )
    stage = STAGES[number % len(STAGES)]
    if stage == "waiting" or not tracks:
        return
    admitted = today - datetime.timedelta(
        days=rng.randint(3, 60) if stage in OPEN else rng.randint(90, 200)
    )
    enrollment = services.enrollment_create(
        patient=patient, actor=admin, track=tracks[number % len(tracks)], admission_date=admitted,
        planned_weeks=rng.choice([8, 10, 10, 12]),
    )  # fmt: skip
    if stage == "on_hold":
        services.enrollment_transition(
            enrollment, actor=admin, status="on_hold", note="Medical leave"
        )
    elif stage == "discharged":
        services.enrollment_transition(
            enrollment, actor=admin, status="discharged", discharge_type="against_advice",
            on=admitted + datetime.timedelta(days=30),
        )  # fmt: skip
    elif stage in ("completed", "stepped_down"):
        services.enrollment_transition(
            enrollment, actor=admin, status=stage, on=enrollment.planned_end_date,
        )  # fmt: skip
    substance = rng.choice(SUBSTANCE_USE)
    services.record_create(
        Diagnosis, patient=patient, actor=admin, icd10_code=substance[0],
        description=substance[1], category="substance_use", is_primary=True,
    )  # fmt: skip
    if number % 2:
        mood = rng.choice(MENTAL_HEALTH)
        services.record_create(
            Diagnosis, patient=patient, actor=admin, icd10_code=mood[0],
            description=mood[1], category="mental_health",
        )  # fmt: skip
    if number % 3 == 0:
        services.record_create(
            Medication, patient=patient, actor=admin, **rng.choice(MEDICATIONS),
            started_on=admitted - datetime.timedelta(days=30),
        )  # fmt: skip
    if number % 7 == 0:
        services.record_create(
            PaymentPlan, patient=patient, actor=admin, total_amount="3600.00",
            installment_amount="300.00", schedule="monthly", first_payment_on=admitted,
        )  # fmt: skip
        return
    coverage = services.record_create(
        Coverage, patient=patient, actor=admin, payer=(payer := rng.choice(PAYERS)), plan="PPO",
        member_id=f"XZ{rng.randint(10**7, 10**8 - 1)}",
        verification_status="verified" if number % 5 else "unverified",
        # Checked at admission (the service would stamp its own idea of today).
        verified_on=admitted,
    )  # fmt: skip
    units = 40
    services.record_create(
        Authorization, patient=patient, actor=admin, coverage=coverage,
        number=f"PA-{rng.randint(100000, 999999)}",
        service_code="S9480" if payer in S9480_PAYERS else "H0015",
        units_authorized=units, units_used=min(units, (today - admitted).days * 4 // 7),
        start_date=admitted, end_date=admitted + datetime.timedelta(days=60),
    )  # fmt: skip


def _inquiry(demo: DemoClinic, number: int, assessor: Membership) -> None:
    clinic, admin, rng = demo.clinic, demo.staff[Role.ADMIN], demo.rng
    inquiry = services.inquiry_create(
        clinic=clinic, actor=admin, first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
        phone=f"(555) {200 + number:03d}-{rng.randint(1000, 9999)}",
        referral_source=rng.choice(REFERRALS),
        presenting_concerns=rng.choice(CONCERNS),
        insurance_given=rng.choice(PAYERS),
        date_of_birth=clock.today(clinic) - datetime.timedelta(days=rng.randint(6600, 22000)),
    )  # fmt: skip
    stage = INQUIRY_STAGES[number % len(INQUIRY_STAGES)]
    if stage == "new":
        return
    # Booked assessments are on the coming weekdays; ones already assessed (or referred)
    # were on the past ones. Neither is today, so the hour of seeding never matters.
    weekdays = _weekdays(clock.today(clinic), step=1 if stage == "scheduled" else -1)
    day = [next(weekdays) for _ in range(1 + number % 3)][-1]
    when = clock.at(clinic, day, ASSESSMENT_TIMES[number % len(ASSESSMENT_TIMES)])
    services.inquiry_schedule_assessment(inquiry, actor=admin, at=when, assessor=assessor)
    if stage in ("assessed", "referred"):
        services.inquiry_set_status(inquiry, actor=admin, status="assessed")
    if stage == "referred":
        services.inquiry_set_status(
            inquiry, actor=admin, status="referred", note="Needs residential level of care"
        )


hooks.demo_seeders.register(seed_patients, order=20)
hooks.demo_seeders.register(seed_inquiries, order=25)
