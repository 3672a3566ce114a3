"""A worker's heap at start: a Celery child's (iop/celery.py) with the job's heavy modules
imported, a web worker's (iop/wsgi.py) with every view; everything alive then frozen out of
the garbage collector."""

import gc
import sys
from collections.abc import Iterator

import pytest

from iop.celery import _settle_heap_in_child, settle_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def test_a_worker_child_imports_weasyprint_then_freezes_its_heap(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0
    settle_heap()
    assert "aftercare.pdf" in sys.modules
    assert "weasyprint" in sys.modules
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Django and WeasyPrint, not a handful of objects


def test_the_child_start_signal_settles_the_heap(unfrozen: None) -> None:
    from celery.signals import worker_process_init

    assert _settle_heap_in_child in [r() for _, r in worker_process_init.receivers]


def test_a_web_worker_loads_every_view_then_freezes_its_heap(unfrozen: None) -> None:
    """iop/wsgi.py, as gunicorn imports it in each worker: the URL conf with every view is
    loaded before the first request, then the heap is frozen (no PDF modules for it)."""
    import importlib

    sys.modules.pop("iop.wsgi", None)
    importlib.import_module("iop.wsgi")
    assert "iop.urls" in sys.modules
    assert "scheduling.views" in sys.modules
    assert gc.get_freeze_count() > 10_000
