"""What therapy adds to the core through its hooks (iop/hooks.py)."""

import datetime
from typing import Any

from django.http import HttpRequest

from iop import clock, hooks
from iop.models import Clinic, Membership
from iop.roles import Capability
from iop.selectors import Chart
from scheduling import hooks as calendar

from . import selectors
from .demo import seed_therapy
from .models import Availability, AvailabilityBlock


def _chart_section(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    """The treatment plan in force and the progress notes (the treating team only)."""
    membership = request.membership  # type: ignore[attr-defined]
    patient = chart.patient
    if not selectors.can_read_patient(membership, patient):
        return {"hidden": True}
    summary = selectors.chart_summary(clinic=patient.clinic, membership=membership, patient=patient)
    plan = summary["plan"]
    return summary | {
        "review": selectors.review_state(plan, clock.today(patient.clinic)) if plan else "",
        "can_write": membership.can(Capability.NOTES_WRITE),
        "has_open_enrollment": chart.current_enrollment is not None,
    }


hooks.chart_sections.register(
    hooks.ChartSection(
        "therapy",
        "Therapy",
        "therapy/_chart_section.html",
        Capability.NOTES_READ,
        context=_chart_section,
    ),
    order=70,
)


def _demo(demo: hooks.DemoClinic) -> None:
    """Availability, weekly individual sessions, treatment plans, signed notes."""
    seed_therapy(demo.clinic, demo.rng)


hooks.demo_seeders.register(_demo, order=70)


def _staff_hours(
    clinic: Clinic, member: Membership, first: datetime.date, last: datetime.date
) -> calendar.StaffHours:
    """The therapist's recorded weekly availability and their time away between the dates."""
    hours = calendar.StaffHours()
    for weekday, t0, t1 in Availability.objects.filter(clinic=clinic, therapist=member).values_list(
        "weekday", "starts_at", "ends_at"
    ):
        hours.weekly.setdefault(weekday, []).append((t0, t1))
    hours.away = list(
        AvailabilityBlock.objects.filter(
            clinic=clinic, therapist=member, starts_at__date__lte=last, ends_at__date__gte=first
        ).values_list("starts_at", "ends_at")
    )
    return hours


calendar.staff_hours.register(_staff_hours)
