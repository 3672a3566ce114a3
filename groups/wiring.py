"""What groups adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest

from iop import hooks
from iop.models import Clinic
from iop.roles import Capability
from iop.selectors import Chart

from . import selectors
from .services import group_types_create_defaults


def _default_curriculum(clinic: Clinic) -> None:
    """Every clinic starts with the usual group types and curriculum, theirs to change."""
    group_types_create_defaults(clinic=clinic, actor=None)


def _curriculum(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    patient = chart.patient
    return {"curriculum": selectors.curriculum_for(clinic=patient.clinic, patient_id=patient.pk)}


def _group_notes(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    patient = chart.patient
    notes = selectors.signed_group_notes(clinic=patient.clinic, patient_id=patient.pk)
    return {"group_notes": notes}


hooks.clinic_created.register(_default_curriculum)
S = hooks.ChartSection
hooks.chart_sections.register(
    S("curriculum", "", "groups/chart/_curriculum.html", context=_curriculum), order=32
)
hooks.chart_sections.register(
    S(
        "group-notes",
        "",
        "groups/chart/_group_notes.html",
        Capability.NOTES_READ,
        context=_group_notes,
    ),
    order=34,
)
