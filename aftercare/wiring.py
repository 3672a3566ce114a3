"""What aftercare adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest

from iop import clock, hooks
from iop.models import Enrollment, User
from iop.roles import Capability, Role
from iop.selectors import Chart

from .demo import seed_aftercare
from .models import AftercarePdf
from .selectors import FollowUpFilters, follow_up_queue, plans_for_patient
from .services import LEAVING_STATUSES, follow_ups_schedule


def _schedule_follow_ups(enrollment: Enrollment, actor: User | None) -> None:
    """Leaving the program schedules the alumni follow-up calls (idempotent)."""
    if enrollment.status in LEAVING_STATUSES:
        follow_ups_schedule(enrollment=enrollment, actor=actor)


def _chart_section(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    """The patient's plans, each with the clinic's own copy of its signed PDF (one query)."""
    patient = chart.patient
    plans = plans_for_patient(clinic=patient.clinic, patient=patient)
    copies = {
        pdf.plan_id: pdf
        for pdf in AftercarePdf.objects.filter(
            clinic=patient.clinic, plan__in=[p for p in plans if p.is_signed], released_to=""
        ).defer("content")
    }
    planned = {p.enrollment_id for p in plans}
    return {
        "plans": [(plan, copies.get(plan.pk)) for plan in plans],
        "can_write": request.membership.can(Capability.AFTERCARE_WRITE),  # type: ignore[attr-defined]
        "can_start": any(e.pk not in planned for e in chart.enrollments),
    }


hooks.enrollment_changed.register(_schedule_follow_ups, order=50)
hooks.chart_sections.register(
    hooks.ChartSection(
        "aftercare",
        "Aftercare",
        "aftercare/_chart_section.html",
        Capability.AFTERCARE_READ,
        context=_chart_section,
    ),
    order=50,
)


def _demo(demo: hooks.DemoClinic) -> None:
    """Plans in every state; the follow-up calls came with the discharges."""
    seed_aftercare(demo.clinic, demo.rng)


hooks.demo_seeders.register(_demo, order=40)


# --- A case manager's first screen ------------------------------------------------------------
def _follow_ups_due(request: HttpRequest) -> dict[str, Any]:
    """Their alumni calls due today or overdue (later ones are not today's work)."""
    clinic = request.clinic  # type: ignore[attr-defined]
    mine = FollowUpFilters(mine=request.membership)  # type: ignore[attr-defined]
    due = follow_up_queue(clinic=clinic, filters=mine).filter(due_on__lte=clock.today(clinic))
    return {"calls": list(due[:10])}


hooks.day_panels.register(
    hooks.DayPanel("follow-ups", "Follow-up calls due", "aftercare/_day_follow_ups.html",
                   _follow_ups_due, frozenset({Role.CASE_MANAGER})),
    order=40,
)  # fmt: skip
