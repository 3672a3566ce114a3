from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = "Aftercare plans and step-down"
    default_auto_field = "django.db.models.BigAutoField"
