"""A pause between rendering an aftercare PDF and storing it, for a test to SIGKILL the
worker process inside it (tests/aftercare/test_pdf_jobs.py).

The test starts a real `celery worker` process and hands it this module with `--include`:
the worker imports it once Django is set up and before it forks its pool processes, so
every pool process, the one started after the kill too, renders through the pause.
Importing it is the patch: only that worker imports it.
"""

import time
from unittest import mock

from aftercare import pdf
from aftercare.models import AftercarePdf

PAUSE_SECONDS = 3
render_plan_pdf = pdf.render_plan_pdf


def render_then_pause(job: AftercarePdf) -> bytes:
    content = render_plan_pdf(job)
    time.sleep(PAUSE_SECONDS)
    return content


# aftercare.services looks the renderer up in aftercare.pdf at each render.
mock.patch.object(pdf, "render_plan_pdf", render_then_pause).start()
