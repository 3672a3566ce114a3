"""The chart's safety flag: an open safety task shows on every page of the patient until it
is closed (one query; only for readers of clinical records). And `cutoff`, the one way a
cutoff is written on a page ("1,000 ng/mL", never "1E+3")."""

from typing import Any

from django import template

from progress.models import SafetyTask
from progress.validity import cutoff_display

register = template.Library()


@register.filter
def cutoff(value: Any, unit: str = "") -> str:
    """{{ row.cutoff|cutoff:row.unit }}"""
    return cutoff_display(value, unit)


@register.inclusion_tag("progress/_safety_alerts.html", takes_context=True)
def safety_alerts(context: Any, patient: Any) -> dict[str, Any]:
    can = context.get("can") or {}
    tasks = []
    if can.get("clinical_read"):
        tasks = list(
            SafetyTask.objects.filter(
                clinic_id=patient.clinic_id, patient_id=patient.pk, closed_at__isnull=True
            )
            .select_related("assigned_to__user")
            .order_by("due_on", "id")
        )
    return {"tasks": tasks, "patient": patient, "clinic": context.get("clinic"), "can": can}
