from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = "Individual therapy and treatment plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when this module is.
        from . import wiring  # noqa: F401, PLC0415 - fills the core's hooks
