"""Benchmark, not a test: the aftercare PDF render in a warm process.

The task body (`aftercare_pdf_render`, exactly what the Celery worker runs inside its
clinic context) is called in this process after a warm-up render: no broker round trip, so
the numbers are the render + store cost a warm worker pays per PDF. Memory is this
process's peak RSS (`ru_maxrss`) and current RSS (psutil) after 200 renders.
"""

import gc
import resource
import statistics
import time

import psutil
from django.db import transaction
from weasyprint import HTML

from aftercare import services
from aftercare.models import AftercarePdf
from aftercare.pdf import _static_base_url, plan_html
from bench import floors
from iop.celery import settle_heap
from iop.roles import Role
from iop.tenancy import clinic_context
from tests.conftest import build_tenant


def _fresh_job(pdf: AftercarePdf) -> None:
    """Make the stored PDF a queued job again (bench only; the plan stays signed)."""
    AftercarePdf.objects.filter(pk=pdf.pk).update(
        status="queued", content=None, size=None, sha256="", rendered_at=None
    )


def test_pdf_render_seconds_and_worker_memory(db: None) -> None:
    tenant = build_tenant("bench-pdf")
    plan = tenant.records["aftercare_plan_id"]
    pdf, _ = services.aftercare_pdf_request(plan, actor=tenant.members[Role.THERAPIST].user)
    clinic_id = tenant.clinic.pk
    process = psutil.Process()

    def render_once() -> float:
        with transaction.atomic(), clinic_context(clinic_id):
            _fresh_job(pdf)
            started = time.perf_counter()
            services.aftercare_pdf_render(clinic_id=clinic_id, pdf_id=pdf.pk)
            return time.perf_counter() - started

    render_once()  # warm: fonts, templates, WeasyPrint's caches
    with clinic_context(clinic_id):
        html = plan_html(AftercarePdf.objects.select_related("plan").get(pk=pdf.pk).plan, pdf)

    def weasyprint_alone() -> None:
        HTML(string=html, base_url=floors_base()).write_pdf()

    def floors_base() -> str:

        return _static_base_url()

    floor_ms, cold_ms = floors.interleaved(weasyprint_alone, render_once)
    floors.record(
        floors.Row(
            "aftercare PDF, heap not frozen", "WeasyPrint on the same HTML", floor_ms, cold_ms,
            note=f"gc thresholds {gc.get_threshold()}",
        )
    )  # fmt: skip
    settle_heap()  # what each worker child does at start (iop/celery.py)
    floor_ms, warm_ms = floors.interleaved(weasyprint_alone, render_once)
    with clinic_context(clinic_id):
        pdf_size = AftercarePdf.objects.get(pk=pdf.pk).size
    floors.record(
        floors.Row(
            "aftercare PDF, warm worker", "WeasyPrint on the same HTML", floor_ms, warm_ms,
            size=f"{pdf_size} B", note=f"gc.freeze(): {gc.get_freeze_count()} objects frozen",
        )
    )  # fmt: skip
    rss_warm = process.memory_info().rss
    timings = [render_once() for _ in range(20)]
    for _ in range(180):
        render_once()
    rss_after = process.memory_info().rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with clinic_context(clinic_id):
        size = AftercarePdf.objects.get(pk=pdf.pk).size
    print(
        f"\naftercare PDF ({size} bytes, 2 pages): median {statistics.median(timings):.3f} s "
        f"per render over 20 (min {min(timings):.3f}, max {max(timings):.3f}); "
        f"RSS after warm-up {rss_warm / 2**20:.0f} MiB, after 200 renders "
        f"{rss_after / 2**20:.0f} MiB, peak {peak / 1024:.0f} MiB"
    )
