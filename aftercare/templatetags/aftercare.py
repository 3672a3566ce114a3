"""`{% aftercare_section patient %}`: the chart's Aftercare section (readers only)."""

from typing import Any

from django import template

from aftercare.models import AftercarePdf
from aftercare.selectors import plans_for_patient
from iop.models import Patient
from iop.roles import Capability

register = template.Library()


@register.inclusion_tag("aftercare/_chart_section.html", takes_context=True)
def aftercare_section(context: Any, patient: Patient) -> dict[str, Any]:
    request = context["request"]
    clinic, membership = request.clinic, request.membership
    plans = plans_for_patient(clinic=clinic, patient=patient)
    # The clinic's own copy of each signed version, in one query.
    copies = {
        pdf.plan_id: pdf
        for pdf in AftercarePdf.objects.filter(
            clinic=clinic, plan__in=[p for p in plans if p.is_signed], released_to=""
        ).defer("content")
    }
    enrollments = {p.enrollment_id for p in plans}
    return {
        "clinic": clinic,
        "patient": patient,
        "plans": [(plan, copies.get(plan.pk)) for plan in plans],
        "can_write": membership.can(Capability.AFTERCARE_WRITE),
        "can_start": patient.enrollments.exclude(pk__in=enrollments).exists(),
        "csrf_token": context.get("csrf_token"),
    }
