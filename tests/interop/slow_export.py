"""A pause after each patient of a bulk export, for a test to SIGKILL the worker process in
the middle of one (tests/interop/test_bulk_export.py). The test starts a real `celery
worker` with `--include tests.interop.slow_export`: importing it is the patch, in that worker
only (interop.services looks `export.resources` up at each call)."""

import time
from typing import Any
from unittest import mock

from interop import export

PAUSE_SECONDS = 1.5
resources = export.resources


def resources_then_pause(*args: Any, **kwargs: Any) -> Any:
    built = resources(*args, **kwargs)
    time.sleep(PAUSE_SECONDS)
    return built


mock.patch.object(export, "resources", resources_then_pause).start()
