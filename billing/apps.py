from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: payers, claim readiness, claims, 837 and 835"
    default_auto_field = "django.db.models.BigAutoField"
