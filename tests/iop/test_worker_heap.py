"""A worker child's heap at start (iop/celery.py): the job's heavy modules imported, and
everything alive then frozen out of the garbage collector."""

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
