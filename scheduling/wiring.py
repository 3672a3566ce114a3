"""What the calendar adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest

from iop import clock, hooks
from iop.models import Authorization, Clinic, Enrollment, User
from iop.selectors import Chart

from . import demo, ledger, selectors
from .services import attendance_follow_enrollment


def _follow_enrollment(enrollment: Enrollment, actor: User | None) -> None:
    """Rolling admission: the patient's future track attendance follows the enrollment."""
    attendance_follow_enrollment(patient=enrollment.patient)


def _count_billed_days(clinic: Clinic, authorizations: list[Authorization]) -> None:
    ledger.count_billed_units(clinic=clinic, authorizations=authorizations)


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
hooks.authorizations_shown.register(_count_billed_days)
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
