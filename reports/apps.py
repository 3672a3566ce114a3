from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports: census, stays, attendance and outcomes"
    default_auto_field = "django.db.models.BigAutoField"
