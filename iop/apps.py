from django.apps import AppConfig

from . import bounds


class IopConfig(AppConfig):
    name = "iop"
    verbose_name = "Clinics, staff and patients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        bounds.install()  # every form and serializer date bounded, every text field clean
        # The chart's own sections, the demo's patients, the login/MFA audit receivers, the
        # OpenAPI auth texts.
        from . import chart, demo, signals  # noqa: F401, PLC0415 - registered on import
        from .api import schema  # noqa: F401, PLC0415 - registered on import
