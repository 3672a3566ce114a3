from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Group therapy and curriculum"
    default_auto_field = "django.db.models.BigAutoField"
