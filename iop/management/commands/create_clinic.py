from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from iop.services import clinic_create


class Command(BaseCommand):
    help = "Create a clinic and invite its first admin by email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Used in web addresses: /c/<slug>/")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--no-mfa", action="store_true", help="Do not require two-factor sign-in."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            clinic = clinic_create(
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                require_mfa=not options["no_mfa"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(
            f"Created {clinic.name} at /c/{clinic.slug}/; an invitation went to "
            f"{options['admin_email']}."
        )
