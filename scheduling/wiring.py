"""What the calendar adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.models import Enrollment, User

from .services import attendance_follow_enrollment


def _follow_enrollment(enrollment: Enrollment, actor: User | None) -> None:
    """Rolling admission: the patient's future track attendance follows the enrollment."""
    attendance_follow_enrollment(patient=enrollment.patient)


hooks.enrollment_changed.register(_follow_enrollment, order=10)
