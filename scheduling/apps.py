from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Tracks, calendar and attendance"
    default_auto_field = "django.db.models.BigAutoField"
