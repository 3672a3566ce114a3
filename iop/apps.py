from django.apps import AppConfig


class IopConfig(AppConfig):
    name = "iop"
    verbose_name = "Clinics, staff and patients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401, PLC0415 - connects the login/MFA audit receivers
        from .api import schema  # noqa: F401, PLC0415 - registers the OpenAPI auth descriptions
