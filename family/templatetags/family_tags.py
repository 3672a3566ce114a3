"""`{% family_section patient %}`: the chart's Family section (family readers only)."""

from typing import Any

from django import template

from family.selectors import family_chart
from iop.models import Patient
from iop.roles import Capability

register = template.Library()


@register.inclusion_tag("family/_chart_section.html", takes_context=True)
def family_section(context: Any, patient: Patient) -> dict[str, Any]:
    request = context["request"]
    clinic, membership = request.clinic, request.membership
    with_consents = membership.can(Capability.CONSENTS_READ)
    return {
        "clinic": clinic,
        "patient": patient,
        "family": family_chart(clinic=clinic, patient=patient, with_consents=with_consents),
        "with_consents": with_consents,
        "can_manage": membership.can(Capability.FAMILY_MANAGE),
        "can_consent": membership.can(Capability.CONSENTS_MANAGE),
    }
