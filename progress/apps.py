from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Check-ins, drug tests and measures"
    default_auto_field = "django.db.models.BigAutoField"
