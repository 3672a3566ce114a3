"""The chart's safety flag: an open safety task shows on every page of the patient until it
is closed (one query; only for readers of clinical records)."""

from typing import Any

from django import template

from progress.models import SafetyTask

register = template.Library()


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
