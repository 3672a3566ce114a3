from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "Interoperability: FHIR, bulk export, webhooks, import"
    default_auto_field = "django.db.models.BigAutoField"
