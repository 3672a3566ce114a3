"""The Celery app. Settings come from Django's `CELERY_*` settings (see settings/base.py)."""

import os

from celery import Celery

from iop.heartbeat import WorkerHeartbeat

# As in wsgi.py: without settings, the worker and beat run the production ones. Importing
# the `iop` package runs this too, so manage.py sets its own default before it.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.production")

app = Celery("iop")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every worker keeps the heartbeat /readyz reads fresh (iop/heartbeat.py).
app.steps["consumer"].add(WorkerHeartbeat)
app.autodiscover_tasks()
