"""What interop adds to the core through its hooks (iop/hooks.py): the features' events go
to the webhook worker after their transaction commits; enrollment changes are events too."""

from iop import events, hooks
from iop.models import Enrollment, User

from .tasks import webhook_fanout


def _send_on(clinic_id: int, event: str, object_type: str, ids: list[int]) -> None:
    # No query here: the request that did the thing pays nothing; the worker finds who listens.
    webhook_fanout.delay_on_commit(
        clinic_id=clinic_id, event=event, object_type=object_type, ids=ids
    )


def _enrollment_changed(enrollment: Enrollment, actor: User | None) -> None:
    events.emit(
        clinic_id=enrollment.clinic_id, event=events.ENROLLMENT_CHANGED,
        object_type="enrollment", ids=[enrollment.pk],
    )  # fmt: skip


hooks.domain_events.register(_send_on)
hooks.enrollment_changed.register(_enrollment_changed, order=90)
