from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interoperability: FHIR, bulk export, webhooks, import"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when this module is.
        from . import wiring  # noqa: F401, PLC0415 - fills the core's hooks
