"""The Celery app. Settings come from Django's `CELERY_*` settings (see settings/base.py)."""

import gc
import importlib
import os
from collections.abc import Iterable
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from django.conf import settings

from iop.heartbeat import WorkerHeartbeat

# As in wsgi.py: without settings, the worker and beat run the production ones. Importing
# the `iop` package runs this too, so manage.py sets its own default before it.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.production")

app = Celery("iop")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every worker keeps the heartbeat /readyz reads fresh (iop/heartbeat.py).
app.steps["consumer"].add(WorkerHeartbeat)
app.autodiscover_tasks()


def settle_heap(modules: Iterable[str] | None = None) -> None:
    """A warm worker's heap: the modules a job needs are imported (by default
    WORKER_WARM_MODULES: WeasyPrint, with its fonts and tables) and everything alive now is
    frozen out of the garbage collector. Without this, every full collection during a
    render walks the whole of Django and WeasyPrint again: half the time of a plan PDF was
    the collector. Frozen objects are never freed, and they are the ones that live as long
    as the process anyway; a child is recycled after CELERY_WORKER_MAX_TASKS_PER_CHILD
    jobs. A web worker settles its heap the same way once its app is loaded (iop/wsgi.py)."""
    if modules is None:
        modules = getattr(settings, "WORKER_WARM_MODULES", ())
    for name in modules:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


@worker_process_init.connect
def _settle_heap_in_child(**_kwargs: Any) -> None:
    settle_heap()
