"""Demo data: two clinics (`demo`, `second`), one person per role in each, sites, patients.

Passwords come from DEMO_PASSWORD (README documents the local default). The demo clinics do
not require two-factor sign-in so the logins work at once; real clinics created with
`create_clinic` do.

What each clinic holds comes from the demo seeders the core and each app registered
(iop/hooks.py): the calendar's tracks, the core's patients and inquiries, then attendance,
aftercare, progress, family and therapy. Every date and time comes from the clinic's own
clock (`iop.clock`): its today, and wall-clock times inside its working day turned into
instants in its zone, so a New York demo seeded at 23:30 local time (04:30 UTC the next
day) books nothing at 3 AM and records nothing that has not happened yet.
"""

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from iop import hooks, services
from iop.hooks import DemoClinic
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
    Role.BILLING: ("Drew", "Patel"),
}
# One person in both clinics, to show the clinic chooser: a therapist in each.
SHARED_CLINICIAN = ("multi@demo.example", "Jamie", "Ellis")
EMAIL_LOCAL = {
    Role.ADMIN: "admin",
    Role.THERAPIST: "therapist",
    Role.CASE_MANAGER: "casemanager",
    Role.FRONT_DESK: "frontdesk",
    Role.NURSE: "nurse",
    Role.AUDITOR: "auditor",
    Role.BILLING: "billing",
}


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
        rng = random.Random(seed)  # noqa: S311 - demo data, not security
        with clinic_context(clinic.pk):
            for role, user in users.items():
                Membership.objects.create(user=user, clinic=clinic, role=role, invited_by=admin)
            # The shared clinician is on staff before the seeders run, so the therapy seeder
            # gives them working hours like every therapist (one without hours is never
            # offered a slot by the weekly scheduler).
            Membership.objects.create(
                user=self._user(*SHARED_CLINICIAN), clinic=clinic, role=Role.THERAPIST,
                invited_by=admin,
            )  # fmt: skip
            for created in hooks.clinic_created:  # as for any new clinic: the curriculum
                created(clinic)
            for site in sites:
                services.site_create(clinic=clinic, actor=admin, name=site)
            demo = DemoClinic(
                clinic=clinic, staff={str(role): u for role, u in users.items()},
                patients=patients, rng=rng,
            )  # fmt: skip
            for seed_part in hooks.demo_seeders:
                seed_part(demo)

    def _user(self, email: str, first: str, last: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, settings.DEMO_PASSWORD, first_name=first, last_name=last
            )
        return user

    def _print_logins(self) -> None:
        # devservers.seed_demo finds the logins by this heading for `make run`'s ready box.
        self.stdout.write(f"Demo logins, password {settings.DEMO_PASSWORD} (DEMO_PASSWORD):")
        for slug, name, *_ in CLINICS:
            self.stdout.write(f"  {name}:")
            for role, local in EMAIL_LOCAL.items():
                self.stdout.write(f"    {local}@{slug}.example  ({role.label})")
        self.stdout.write("  multi@demo.example  (therapist in both clinics: the chooser)")
