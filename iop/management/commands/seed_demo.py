"""Demo data: two clinics (`demo`, `second`), one person per role in each, sites, patients.

Passwords come from DEMO_PASSWORD (README documents the local default). The demo clinics do
not require two-factor sign-in so the logins work at once; real clinics created with
`create_clinic` do.

Every date and time comes from the clinic's own clock (`iop.clock`): its today, and
wall-clock times inside its working day turned into instants in its zone, so a New York
demo seeded at 23:30 local time (04:30 UTC the next day) books nothing at 3 AM and records
nothing that has not happened yet.
"""

import datetime
import random
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from groups.services import group_types_create_defaults
from iop import clock, services
from iop.models import (
    Authorization,
    Clinic,
    Coverage,
    Diagnosis,
    Enrollment,
    Medication,
    Membership,
    PaymentPlan,
    Track,
    User,
)
from iop.roles import Role
from iop.tenancy import clinic_context
from progress.demo import seed_progress
from scheduling import makeups
from scheduling import services as scheduling
from scheduling.models import Attendance, MissedSession, Session

CLINICS = [
    ("demo", "Riverbend Recovery (demo)", "America/Chicago", ["Main campus", "Eastside"]),
    ("second", "Harbor Light Behavioral Health", "America/New_York", ["Downtown"]),
]
STAFF_NAMES = {
    Role.ADMIN: ("Alex", "Morgan"),
    Role.THERAPIST: ("Jordan", "Reyes"),
    Role.CASE_MANAGER: ("Sam", "Okafor"),
    Role.FRONT_DESK: ("Riley", "Chen"),
    Role.NURSE: ("Casey", "Novak"),
    Role.AUDITOR: ("Taylor", "Brooks"),
}
EMAIL_LOCAL = {
    Role.ADMIN: "admin",
    Role.THERAPIST: "therapist",
    Role.CASE_MANAGER: "casemanager",
    Role.FRONT_DESK: "frontdesk",
    Role.NURSE: "nurse",
    Role.AUDITOR: "auditor",
}
FIRST = ["Maria", "James", "Aisha", "Daniel", "Priya", "Marcus", "Elena", "Tyler", "Grace",
         "Andre", "Hannah", "Luis", "Noah", "Keisha", "Owen", "Sofia"]  # fmt: skip
LAST = ["Garcia", "Walker", "Nguyen", "Patel", "Johnson", "Kim", "Lopez", "Bennett", "Diaz",
        "Foster", "Hughes", "Ramirez", "Sullivan", "Ward", "Price", "Coleman"]  # fmt: skip
PREFERRED = {"James": "Jim", "Daniel": "Danny", "Elena": "Lena", "Andre": "Dre"}
TRACK_SPECS = [
    ("Morning IOP", "morning", datetime.time(9)),
    ("Afternoon IOP", "afternoon", datetime.time(13)),
    ("Evening IOP", "evening", datetime.time(18)),
]
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
CONCERNS = [
    "Drinking daily after a job loss; two DUIs; wants to keep working.",
    "Stepping down from 28-day residential; needs structure in the evenings.",
    "Opioid use after surgery; on buprenorphine; anxiety and poor sleep.",
    "Family asked for help; cocaine use on weekends; panic attacks.",
]
INQUIRIES = 10
PAST_STATUSES = ["present", "late", "left_early", "absent", "excused"]
PAST_WEIGHTS = [80, 6, 4, 7, 3]
REFERRALS = ["residential", "self", "family", "court", "employer", "provider"]
INQUIRY_STAGES = ["new", "scheduled", "scheduled", "assessed", "new", "referred"]
# Intake assessments, on the clinic's wall clock: after the group their assessor leads (9:00).
ASSESSMENT_TIMES = [datetime.time(11), datetime.time(14), datetime.time(15, 30), datetime.time(16)]
PAST_WEEKS = 12


def _later(start: datetime.time, *, minutes: int) -> datetime.time:
    """A wall-clock time `minutes` after `start` on the same day (template times, no date)."""
    hours, minutes = divmod(start.hour * 60 + start.minute + minutes, 60)
    return datetime.time(hours, minutes)


def _weekdays(day: datetime.date, *, step: int) -> Iterator[datetime.date]:
    """Monday-to-Friday dates after `day` (step 1) or before it (step -1), nearest first."""
    while True:
        day += datetime.timedelta(days=step)
        if day.weekday() < 5:
            yield day


class Command(BaseCommand):
    help = "Create the demo clinics, staff and patients; does nothing if they exist already."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Kept for `make run` and scripts: every run leaves an existing demo alone.",
        )
        parser.add_argument("--patients", type=int, default=40, help="Patients per clinic.")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [slug for slug, *_ in CLINICS]
        existing = sorted(Clinic.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if existing:
            # Never rebuilt in place: people change the demo by using it, and half a second
            # demo would collide with the first on every unique constraint.
            self.stdout.write(
                f"The demo exists already (clinics: {', '.join(existing)}); nothing changed."
            )
        else:
            with transaction.atomic():
                for index, spec in enumerate(CLINICS):
                    self._clinic(spec, patients=options["patients"], seed=index)
                self._shared_clinician()
            self.stdout.write(self.style.SUCCESS("Demo clinics created."))
        self._print_logins()

    def _clinic(self, spec: tuple[str, str, str, list[str]], *, patients: int, seed: int) -> None:
        slug, name, tz, sites = spec
        clinic = Clinic.objects.create(
            name=name, slug=slug, timezone=tz, require_mfa=False,
            address="100 Main Street\nSpringfield", phone="(555) 010-0100",
        )  # fmt: skip
        users = {
            role: self._user(f"{EMAIL_LOCAL[role]}@{slug}.example", first, last)
            for role, (first, last) in STAFF_NAMES.items()
        }
        admin = users[Role.ADMIN]
        for role, user in users.items():
            Membership.objects.create(user=user, clinic=clinic, role=role, invited_by=admin)
        rng = random.Random(seed)  # noqa: S311 - demo data, not security
        with clinic_context(clinic.pk):
            for site in sites:
                services.site_create(clinic=clinic, actor=admin, name=site)
            team = {
                "primary_therapist": Membership.objects.get(clinic=clinic, role=Role.THERAPIST),
                "case_manager": Membership.objects.get(clinic=clinic, role=Role.CASE_MANAGER),
            }
            self.tracks = self._calendar(clinic, admin, team["primary_therapist"])
            for number in range(1, patients + 1):
                self._patient(clinic, admin, rng, number, team)
            for number in range(1, INQUIRIES + 1):
                self._inquiry(clinic, admin, rng, number, team["primary_therapist"])
            self._past_attendance(clinic, rng)
            # --- aftercare: plans in every state; follow-up calls came with the discharges ---
            from aftercare.demo import seed_aftercare  # noqa: PLC0415 - upward import, to become a registered hook (see docs/architecture.md)

            seed_aftercare(clinic, rng)
            # --- progress app: 12 weeks of measures, check-ins, ratings and drug tests
            seed_progress(clinic=clinic, admin=admin, nurse=users[Role.NURSE], rng=rng)
            # --- family app: family members, consents in each state, family sessions ---
            from family.demo import seed_family  # noqa: PLC0415 - upward import, to become a registered hook (see docs/architecture.md)

            seed_family(clinic, rng)
            # --- therapy: availability, weekly individual sessions, plans, signed notes
            from therapy.demo import seed_therapy  # noqa: PLC0415 - upward import, to become a registered hook (see docs/architecture.md)

            seed_therapy(clinic, rng)

    def _past_attendance(self, clinic: Clinic, rng: random.Random) -> None:
        """Twelve weeks of held groups with believable attendance (mostly present): the
        progress charts show a quarter."""
        today = clock.today(clinic)
        start = today - datetime.timedelta(weeks=PAST_WEEKS)
        for weeks_ago in range(PAST_WEEKS, 0, -clinic.generate_weeks_ahead):
            scheduling.sessions_generate(
                clinic=clinic, today=today - datetime.timedelta(weeks=weeks_ago)
            )
        enrollments = list(Enrollment.objects.filter(clinic=clinic, status="active"))
        rows = []
        for session in Session.objects.filter(clinic=clinic, day__gte=start, day__lt=today):
            if session.track_id is None:
                continue
            for enrollment in enrollments:
                if (
                    enrollment.track_id != session.track_id
                    or enrollment.admission_date > session.day
                ):
                    continue
                status = rng.choices(PAST_STATUSES, weights=PAST_WEIGHTS)[0]
                arrived = (
                    session.starts_at + datetime.timedelta(minutes=35) if status == "late" else None
                )
                left = (
                    session.ends_at - datetime.timedelta(minutes=60)
                    if status == "left_early"
                    else None
                )
                rows.append(
                    Attendance(
                        clinic=clinic, session=session, patient_id=enrollment.patient_id,
                        starts_at=session.starts_at, ends_at=session.ends_at, status=status,
                        arrived_at=arrived, left_at=left,
                        minutes_attended=scheduling.minutes_for(session, status, arrived, left),
                    )
                )  # fmt: skip
        Session.objects.filter(clinic=clinic, day__gte=start, day__lt=today).update(status="held")
        Attendance.objects.bulk_create(rows, ignore_conflicts=True)
        # Yesterday's (or the last) evening list was never marked: a to-do for the front desk.
        last = Session.objects.filter(clinic=clinic, day__lt=today).order_by("-starts_at").first()
        if last is not None:
            Attendance.objects.filter(session=last).update(
                status="expected", arrived_at=None, left_at=None, minutes_attended=None
            )
        self._makeups(clinic, rng)

    def _makeups(self, clinic: Clinic, rng: random.Random) -> None:
        """The sweep finds the misses; a few are already decided, most wait in the queue."""
        makeups.missed_sweep(clinic=clinic)
        case_manager = Membership.objects.get(clinic=clinic, role=Role.CASE_MANAGER).user
        open_misses = list(
            MissedSession.objects.filter(clinic=clinic, status="open")
            .select_related("session")
            .order_by("detected_at", "id")
        )
        # The weeks before the make-up window were dealt with at the time; of the recent
        # ones, three are booked and one waived, the rest wait in the queue.
        window = clock.today(clinic) - datetime.timedelta(days=clinic.makeup_window_days)
        recent = [m for m in open_misses if m.session.day >= window]
        for missed in open_misses:
            if missed.session.day < window:
                makeups.makeup_waive(
                    missed, actor=case_manager, reason="Discussed at the weekly check-in."
                )
        bookable = [m for m in recent if m.proposals.exists()]
        booked: set[int] = set()
        for missed in bookable:
            if len(booked) == 3:
                break
            try:  # two misses of one patient may propose the same session
                makeups.makeup_accept(missed, actor=case_manager, proposal=missed.proposals.first())
            except ValidationError:
                continue
            booked.add(missed.pk)
        for missed in [m for m in bookable if m.pk not in booked][:1]:
            reason = rng.choice(["Covered in the individual session.", "Medical appointment."])
            makeups.makeup_waive(missed, actor=case_manager, reason=reason)

    def _patient(
        self, clinic: Clinic, admin: User, rng: random.Random, number: int, team: dict[str, Any]
    ) -> None:
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
        if stage == "waiting":
            return
        admitted = today - datetime.timedelta(
            days=rng.randint(3, 60) if stage in OPEN else rng.randint(90, 200)
        )
        enrollment = services.enrollment_create(
            patient=patient, actor=admin, track=self.tracks[number % 3], admission_date=admitted,
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
            Coverage, patient=patient, actor=admin, payer=rng.choice(PAYERS), plan="PPO",
            member_id=f"XZ{rng.randint(10**7, 10**8 - 1)}",
            verification_status="verified" if number % 5 else "unverified",
            # Checked at admission (the service would stamp its own idea of today).
            verified_on=admitted,
        )  # fmt: skip
        units = 40
        services.record_create(
            Authorization, patient=patient, actor=admin, coverage=coverage,
            number=f"PA-{rng.randint(100000, 999999)}", service_code="H0015",
            units_authorized=units, units_used=min(units, (today - admitted).days * 4 // 7),
            start_date=admitted, end_date=admitted + datetime.timedelta(days=60),
        )  # fmt: skip

    def _calendar(self, clinic: Clinic, admin: User, therapist: Membership) -> list[Track]:
        """Three tracks (Mon/Tue/Thu) with a realistic day each, rooms, the curriculum, and
        the sessions of the coming weeks."""
        group_types = group_types_create_defaults(clinic=clinic, actor=admin)
        rooms = [
            scheduling.room_create(clinic=clinic, actor=admin, name=name, capacity=14)
            for name in ("Group room A", "Group room B", "Group room C")
        ]
        tracks = []
        for index, (name, slot, start) in enumerate(TRACK_SPECS):
            # Two 90-minute groups around a 15-minute break: three hours of service a day.
            half = [_later(start, minutes=m) for m in (0, 90, 105, 195)]
            blocks: list[dict[str, Any]] = []
            for weekday in (0, 1, 3):
                blocks += [
                    {
                        "weekday": weekday,
                        "starts_at": half[0],
                        "ends_at": half[1],
                        "kind": "group",
                        "group_type": group_types["process"],
                        "room": rooms[index],
                    },
                    {"weekday": weekday, "starts_at": half[1], "ends_at": half[2], "kind": "break"},
                    {
                        "weekday": weekday,
                        "starts_at": half[2],
                        "ends_at": half[3],
                        "kind": "group",
                        "group_type": group_types["skills" if weekday else "education"],
                        "room": rooms[index],
                    },
                ]
            blocks[0]["lead"] = therapist if index == 0 else None
            tracks.append(
                scheduling.track_create(
                    clinic=clinic,
                    actor=admin,
                    name=name,
                    slot=slot,
                    weekdays=[0, 1, 3],
                    starts_at=half[0],
                    ends_at=half[3],
                    capacity=14,
                    active_from=clock.today(clinic) - datetime.timedelta(days=365),
                    blocks=blocks,
                )
            )
        scheduling.sessions_generate(clinic=clinic, today=clock.today(clinic))
        return tracks

    def _inquiry(
        self, clinic: Clinic, admin: User, rng: random.Random, number: int, assessor: Membership
    ) -> None:
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

    def _user(self, email: str, first: str, last: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, settings.DEMO_PASSWORD, first_name=first, last_name=last
            )
        return user

    def _shared_clinician(self) -> None:
        """One person in both clinics, to show the clinic chooser."""
        user = self._user("multi@demo.example", "Jamie", "Ellis")
        for slug in ("demo", "second"):
            Membership.objects.get_or_create(
                user=user, clinic=Clinic.objects.get(slug=slug), defaults={"role": Role.THERAPIST}
            )

    def _print_logins(self) -> None:
        self.stdout.write("Demo logins (password from DEMO_PASSWORD):")
        for slug, name, *_ in CLINICS:
            self.stdout.write(f"  {name}:")
            for role, local in EMAIL_LOCAL.items():
                self.stdout.write(f"    {local}@{slug}.example  ({role.label})")
        self.stdout.write("  multi@demo.example  (therapist in both clinics: the chooser)")
