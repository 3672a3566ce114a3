"""What the calendar adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.urls import reverse

from iop import clock, hooks
from iop.models import Clinic, Enrollment, Membership, User
from iop.models.care import OPEN_STATUSES
from iop.roles import Role
from iop.selectors import Chart

from . import demo, ledger, selectors
from .services import attendance_follow_enrollment


def _follow_enrollment(enrollment: Enrollment, actor: User | None) -> None:
    """Rolling admission: the patient's future track attendance follows the enrollment."""
    attendance_follow_enrollment(patient=enrollment.patient)


def _unexcused_misses(clinic: Clinic) -> dict[str, Any]:
    return {
        "unexcused_misses": ledger.unexcused_misses_of_outer_patient(clinic=clinic, now=clock.now())
    }


def _miss_alert(chart: Chart) -> list[tuple[str, str]]:
    """The one misses rule's flag in the chart's header."""
    misses = getattr(chart.patient, "unexcused_misses", 0)
    return [("danger", f"{misses} unexcused misses in 14 days")] if ledger.miss_risk(misses) else []


def _hours(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    return {"weeks": ledger.patient_weeks(clinic=chart.patient.clinic, patient=chart.patient)}


def _missed(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    patient = chart.patient
    return {
        "missed_sessions": selectors.missed_sessions_recent(
            clinic=patient.clinic, patient_id=patient.pk
        )
    }


hooks.enrollment_changed.register(_follow_enrollment, order=10)
hooks.chart_patient_annotations.register(_unexcused_misses)
hooks.chart_alerts.register(_miss_alert)
S = hooks.ChartSection
hooks.chart_sections.register(
    S("hours", "Hours", "scheduling/chart/_hours.html", context=_hours), order=20
)
hooks.chart_sections.register(
    S("missed", "Missed sessions", "scheduling/chart/_missed.html", context=_missed), order=30
)
# The demo: the tracks before the patients exist, their attendance after.
hooks.demo_seeders.register(demo.seed_calendar, order=10)
hooks.demo_seeders.register(demo.seed_attendance, order=30)


# --- Each role's first screen (scheduling/day_views.py) --------------------------------------
def _my_sessions(request: HttpRequest) -> dict[str, Any]:
    clinic = request.clinic  # type: ignore[attr-defined]
    return {
        "sessions": selectors.sessions_of(
            clinic=clinic,
            day=clock.today(clinic),
            membership=request.membership,  # type: ignore[attr-defined]
        )
    }


def _clinic_day(request: HttpRequest) -> dict[str, Any]:
    clinic = request.clinic  # type: ignore[attr-defined]
    return {"day": selectors.clinic_day(clinic=clinic, day=clock.today(clinic))}


def _makeups_due(request: HttpRequest) -> dict[str, Any]:
    return {
        "missed": selectors.makeups_due(
            clinic=request.clinic,  # type: ignore[attr-defined]
            membership=request.membership,  # type: ignore[attr-defined]
        )
    }


def _calendar_gaps(request: HttpRequest) -> list[hooks.SetupGap]:
    clinic = request.clinic  # type: ignore[attr-defined]
    gaps = [
        hooks.SetupGap(text, reverse(name, kwargs={"clinic_slug": clinic.slug}))
        for text, name in selectors.setup_gaps(clinic=clinic)
    ]
    pending = Membership.objects.filter(clinic=clinic, is_active=True, accepted_at__isnull=True)
    if n := pending.count():
        staff = reverse("staff-list", kwargs={"clinic_slug": clinic.slug})
        gaps.append(hooks.SetupGap(f"{n} staff invitation{pluralize(n)} not yet accepted.", staff))
    unassigned = Enrollment.objects.filter(
        clinic=clinic, status__in=OPEN_STATUSES, patient__case_manager__isnull=True
    )
    if n := unassigned.values("patient_id").distinct().count():
        patients = reverse("caseload", kwargs={"clinic_slug": clinic.slug})
        gaps.append(
            hooks.SetupGap(
                f"{n} patient{pluralize(n)} in treatment without a case manager.", patients
            )
        )
    return gaps


def _setup_gaps(request: HttpRequest) -> dict[str, Any]:
    return {"gaps": [gap for found in hooks.setup_gaps for gap in found(request)]}


D = hooks.DayPanel
hooks.day_panels.register(
    D("my-sessions", "Your sessions today", "scheduling/day/_my_sessions.html", _my_sessions,
      frozenset({Role.THERAPIST})),
    order=10,
)  # fmt: skip
hooks.day_panels.register(
    D("clinic-day", "The clinic's day", "scheduling/day/_clinic_day.html", _clinic_day,
      frozenset({Role.ADMIN})),
    order=10,
)  # fmt: skip
hooks.day_panels.register(
    D("makeups", "Make-ups due for your patients", "scheduling/day/_makeups.html", _makeups_due,
      frozenset({Role.CASE_MANAGER})),
    order=30,
)  # fmt: skip
hooks.day_panels.register(
    D("setup", "Set-up gaps", "scheduling/day/_setup_gaps.html", _setup_gaps,
      frozenset({Role.ADMIN})),
    order=90,
)  # fmt: skip
hooks.setup_gaps.register(_calendar_gaps, order=10)
