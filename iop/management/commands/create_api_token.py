from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iop.models import Clinic, Membership
from iop.services import api_token_create
from iop.tenancy import clinic_context


class Command(BaseCommand):
    help = "Create an API token for a staff member's membership; prints the token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument("--name", default="Command-line token")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = f"{options['email']} is not an active member of clinic {options['clinic']!r}."
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(problem)
        with clinic_context(clinic.pk):
            membership = (
                Membership.objects.select_related("clinic", "user")
                .filter(user__email__iexact=options["email"], clinic=clinic, is_active=True)
                .first()
            )
            if membership is None:
                raise CommandError(problem)
            _, raw = api_token_create(
                membership=membership, actor=membership.user, name=options["name"]
            )
        self.stdout.write(raw)
