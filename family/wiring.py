"""What the family app adds to the core through its hooks (iop/hooks.py)."""

from typing import Any

from django.http import HttpRequest

from iop import hooks
from iop.roles import Capability
from iop.selectors import Chart

from .demo import seed_family
from .selectors import family_chart


def _chart_section(request: HttpRequest, chart: Chart) -> dict[str, Any]:
    """Family members, their consents (for consent readers) and family sessions."""
    membership = request.membership  # type: ignore[attr-defined]
    patient = chart.patient
    with_consents = membership.can(Capability.CONSENTS_READ)
    return {
        "family": family_chart(clinic=patient.clinic, patient=patient, with_consents=with_consents),
        "with_consents": with_consents,
        "can_manage": membership.can(Capability.FAMILY_MANAGE),
        "can_consent": membership.can(Capability.CONSENTS_MANAGE),
    }


hooks.chart_sections.register(
    hooks.ChartSection(
        "family",
        "Family",
        "family/_chart_section.html",
        Capability.FAMILY_READ,
        context=_chart_section,
    ),
    order=60,
)


def _demo(demo: hooks.DemoClinic) -> None:
    """Family members, consents in each state, family sessions."""
    seed_family(demo.clinic, demo.rng)


hooks.demo_seeders.register(_demo, order=60)
