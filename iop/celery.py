"""The Celery app. Settings come from Django's `CELERY_*` settings (see settings/base.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.dev")

app = Celery("iop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
