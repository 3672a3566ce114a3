from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Group therapy and curriculum"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded when this module is.
        from . import wiring  # noqa: F401, PLC0415 - fills the core's hooks
