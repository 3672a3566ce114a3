from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "therapy"
    verbose_name = "Individual therapy and treatment plans"
    default_auto_field = "django.db.models.BigAutoField"
