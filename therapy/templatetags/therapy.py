"""`{% therapy_section patient %}`: the chart's Therapy section (the treating team only)."""

from typing import Any

from django import template

from iop import clock
from iop.models import Patient
from iop.roles import Capability
from therapy import selectors

register = template.Library()


@register.inclusion_tag("therapy/_chart_section.html", takes_context=True)
def therapy_section(context: Any, patient: Patient) -> dict[str, Any]:
    request = context["request"]
    clinic, membership = request.clinic, request.membership
    if not selectors.can_read_patient(membership, patient):
        return {"hidden": True}
    summary = selectors.chart_summary(clinic=clinic, membership=membership, patient=patient)
    today = clock.today(clinic)
    plan = summary["plan"]
    return summary | {
        "clinic": clinic,
        "patient": patient,
        "review": selectors.review_state(plan, today) if plan else "",
        "can_write": membership.can(Capability.NOTES_WRITE),
        "has_open_enrollment": context.get("chart") is not None
        and context["chart"].current_enrollment is not None,
        "csrf_token": context.get("csrf_token"),
    }
