from typing import Any

from django.http import HttpRequest

from iop import selectors
from iop.middleware import SESSION_CLINIC_COUNT
from iop.roles import Capability


def clinic(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    capabilities = {
        name.lower(): membership.can(value)
        for name, value in vars(Capability).items()
        if not name.startswith("_")
    }
    return {
        "clinic": request.clinic,  # type: ignore[attr-defined]
        "membership": membership,
        "can": capabilities,
        "idle_seconds": request.clinic.idle_timeout_minutes * 60,  # type: ignore[attr-defined]
        "several_clinics": request.session.get(SESSION_CLINIC_COUNT, 1) > 1,
        # The header's bell: from Redis, so no page pays a query for it (budgets are pinned).
        "unread_notifications": selectors.notification_unread_count(
            clinic=request.clinic,  # type: ignore[attr-defined]
            membership=membership,
        ),
    }
