"""What therapy adds to the core through its hooks (iop/hooks.py)."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from iop import clock, hooks
from iop.models import Clinic, Membership
from iop.roles import Capability, Role
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


# --- A therapist's first screen ----------------------------------------------------------------
def _notes_to_sign(request: HttpRequest) -> dict[str, Any]:
    return {
        "todo": selectors.notes_todo(
            clinic=request.clinic,  # type: ignore[attr-defined]
            membership=request.membership,  # type: ignore[attr-defined]
        )
    }


def _therapists_without_hours(request: HttpRequest) -> list[hooks.SetupGap]:
    """A therapist with no working hours gets no individual sessions from the scheduler."""
    clinic = request.clinic  # type: ignore[attr-defined]
    working = Availability.objects.filter(clinic=clinic).values("therapist_id")
    idle = Membership.objects.filter(
        clinic=clinic, role=Role.THERAPIST, is_active=True, accepted_at__isnull=False
    ).exclude(pk__in=working)
    url = reverse("therapy-availability", kwargs={"clinic_slug": clinic.slug})
    return [
        hooks.SetupGap(f"{m.user.display_name} has no working hours: no individual sessions.", url)
        for m in idle.select_related("user").order_by("user__last_name")
    ]


hooks.day_panels.register(
    hooks.DayPanel("notes", "Notes to sign", "therapy/_day_notes.html", _notes_to_sign,
                   frozenset({Role.THERAPIST})),
    order=20,
)  # fmt: skip
hooks.setup_gaps.register(_therapists_without_hours, order=40)
