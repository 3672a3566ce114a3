"""The events features announce to the clinic's other systems (webhooks). A feature's
service calls `emit` once where the thing happens; whoever registered in
`hooks.domain_events` (the interop app) hears it. Ids only, never patient details."""

from iop import hooks

ATTENDANCE_MARKED = "attendance.marked"
MISSED_SESSION_RECORDED = "missed_session.recorded"
MEASURE_SCORED = "measure.scored"
SAFETY_TASK_OPENED = "safety_task.opened"
AFTERCARE_PLAN_SIGNED = "aftercare_plan.signed"
ENROLLMENT_CHANGED = "enrollment.changed"

EVENT_TYPES = (
    ATTENDANCE_MARKED,
    MISSED_SESSION_RECORDED,
    MEASURE_SCORED,
    SAFETY_TASK_OPENED,
    AFTERCARE_PLAN_SIGNED,
    ENROLLMENT_CHANGED,
)


def emit(*, clinic_id: int, event: str, object_type: str, ids: list[int]) -> None:
    """`event` happened to these records (of `object_type`, e.g. "attendance")."""
    if event not in EVENT_TYPES:
        raise ValueError(f"Unknown event {event}")
    if not ids:
        return
    for listener in hooks.domain_events:
        listener(clinic_id, event, object_type, list(ids))
