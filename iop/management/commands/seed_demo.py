"""Demo data: two clinics (`demo`, `second`), one person per role in each, sites, patients.

Passwords come from DEMO_PASSWORD (README documents the local default). The demo clinics do
not require two-factor sign-in so the logins work at once; real clinics created with
`create_clinic` do.
"""

import datetime
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from iop import services
from iop.models import Clinic, Membership, User
from iop.roles import Role
from iop.tenancy import clinic_context

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


class Command(BaseCommand):
    help = "Create the demo clinics, staff and patients (idempotent with --if-empty)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the demo clinic exists already (used by `make run`).",
        )
        parser.add_argument("--patients", type=int, default=12, help="Patients per clinic.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Clinic.objects.filter(slug="demo").exists():
            self.stdout.write("Demo data present.")
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
        rng = random.Random(seed)  # noqa: S311 - demo names, not security
        with clinic_context(clinic.pk):
            for site in sites:
                services.site_create(clinic=clinic, actor=admin, name=site)
            for number in range(1, patients + 1):
                first = rng.choice(FIRST)
                age_days = rng.randint(16 * 365, 64 * 365)
                services.patient_create(
                    clinic=clinic,
                    actor=admin,
                    record_number=f"{slug[:1].upper()}{1000 + number}",
                    legal_first_name=first,
                    legal_last_name=rng.choice(LAST),
                    preferred_name=PREFERRED.get(first, ""),
                    pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
                    date_of_birth=datetime.date(2026, 6, 1) - datetime.timedelta(days=age_days),
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
