"""What the progress app adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from iop import clock, hooks
from iop.models import Clinic
from iop.roles import Capability, Role
from iop.selectors import Chart

from . import selectors
from .demo import seed_progress
from .models import MedicationFinding, RecollectionTask
from .services import expectations_create_defaults


def _default_expectations(clinic: Clinic) -> None:
    """Every clinic starts with the medication-assisted treatment expectations, its to edit."""
    expectations_create_defaults(clinic=clinic)


def _count_of_outer_patient(queryset: Any) -> Coalesce:
    counted = (
        queryset.filter(patient=OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _open_test_work(clinic: Clinic) -> dict[str, Any]:
    """Open observed recollections and medication findings of unreviewed tests, counted in
    the chart's one patient query (no query of their own)."""
    return {
        "open_recollections": _count_of_outer_patient(
            RecollectionTask.objects.filter(clinic=clinic, closed_at__isnull=True)
        ),
        "open_medication_findings": _count_of_outer_patient(
            MedicationFinding.objects.filter(clinic=clinic, test__reviewed_at__isnull=True)
        ),
    }


def _test_alerts(chart: Chart) -> list[tuple[str, str]]:
    """Header chips for readers of test results only (never the front desk)."""
    if "tests" not in chart.sections:
        return []
    found = []
    if getattr(chart.patient, "open_recollections", 0):
        found.append(("danger", "Observed recollection needed"))
    if getattr(chart.patient, "open_medication_findings", 0):
        found.append(("warn", "Medication-assisted treatment: result to review"))
    return found


hooks.clinic_created.register(_default_expectations)
hooks.chart_patient_annotations.register(_open_test_work)
hooks.chart_alerts.register(_test_alerts)

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


# --- A case manager's first screen ------------------------------------------------------------
def _caseload_alerts(request: HttpRequest) -> dict[str, Any]:
    """Their own patients with a flag, highest risk first (the caseload's one ranking)."""
    rows = selectors.caseload(
        clinic=request.clinic,  # type: ignore[attr-defined]
        case_manager_id=request.membership.pk,  # type: ignore[attr-defined]
        flag="any",
    )
    return {"rows": rows[:10], "more": max(0, len(rows) - 10)}


hooks.day_panels.register(
    hooks.DayPanel("caseload", "Your caseload's alerts", "progress/_day_caseload.html",
                   _caseload_alerts, frozenset({Role.CASE_MANAGER})),
    order=20,
)  # fmt: skip
