"""What the progress app adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest

from iop import clock, hooks
from iop.roles import Capability, Role

from . import selectors
from .demo import seed_progress

S = hooks.ChartSection
# An open safety task flags the chart above everything else, for readers of clinical records.
hooks.chart_sections.register(
    S(
        "safety",
        template="progress/_chart_safety.html",
        capability=Capability.CLINICAL_READ,
        banner=True,
    ),
    order=0,
)
hooks.chart_sections.register(
    S(
        "progress",
        "Progress and measures →",
        url_name="patient-progress",
        capability=Capability.CLINICAL_READ,
    ),
    order=110,
)


def _safety_today(request: HttpRequest) -> dict[str, Any] | None:
    """Open safety tasks first on the person's Today page, until they are closed."""
    membership = request.membership  # type: ignore[attr-defined]
    tasks = selectors.safety_tasks_for(clinic=request.clinic, membership=membership)  # type: ignore[attr-defined]
    return {"tasks": tasks, "today": clock.today(request.clinic)} if tasks else None  # type: ignore[attr-defined]


hooks.today_panels.register(
    hooks.TodayPanel(
        "safety",
        template="progress/_today_safety.html",
        context=_safety_today,
        capability=Capability.CLINICAL_READ,
    ),
    order=0,
)


def _demo(demo: hooks.DemoClinic) -> None:
    """Twelve weeks of measures, check-ins, daily ratings and drug tests."""
    seed_progress(
        clinic=demo.clinic, admin=demo.staff[Role.ADMIN], nurse=demo.staff[Role.NURSE],
        rng=demo.rng,
    )  # fmt: skip


hooks.demo_seeders.register(_demo, order=50)
