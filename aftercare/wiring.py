"""What aftercare adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.models import Enrollment, User

from .services import LEAVING_STATUSES, follow_ups_schedule


def _schedule_follow_ups(enrollment: Enrollment, actor: User | None) -> None:
    """Leaving the program schedules the alumni follow-up calls (idempotent)."""
    if enrollment.status in LEAVING_STATUSES:
        follow_ups_schedule(enrollment=enrollment, actor=actor)


hooks.enrollment_changed.register(_schedule_follow_ups, order=50)
