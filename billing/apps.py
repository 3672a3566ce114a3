from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: payers, claim readiness, claims, 837 and 835"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when this module is.
        from . import wiring  # noqa: F401, PLC0415 - fills the core's hooks
