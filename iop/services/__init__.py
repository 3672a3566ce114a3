"""Writes. Each service is one transaction that records its audit event in that transaction
and sends jobs only once it commits (STYLE.md). Names are `<entity>_<action>`."""

from .core import (
    api_token_create,
    api_token_revoke,
    api_token_touch,
    audit_for_user_clinics,
    audit_idle_logoff,
    audit_record,
    clinic_create,
    clinic_update,
    membership_invite,
    membership_update,
    patient_chart_viewed,
    patient_create,
    patient_update,
    site_create,
    site_update,
)
from .errors import DomainError, TransitionRefusedError
from .intake import (
    inquiry_admit,
    inquiry_create,
    inquiry_schedule_assessment,
    inquiry_set_status,
    inquiry_update,
)
from .records import (
    RECORD_FIELDS,
    enrollment_create,
    enrollment_extend,
    enrollment_transition,
    enrollment_update,
    record_create,
    record_update,
)

__all__ = [
    "RECORD_FIELDS",
    "DomainError",
    "TransitionRefusedError",
    "api_token_create",
    "api_token_revoke",
    "api_token_touch",
    "audit_for_user_clinics",
    "audit_idle_logoff",
    "audit_record",
    "clinic_create",
    "clinic_update",
    "enrollment_create",
    "enrollment_extend",
    "enrollment_transition",
    "enrollment_update",
    "inquiry_admit",
    "inquiry_create",
    "inquiry_schedule_assessment",
    "inquiry_set_status",
    "inquiry_update",
    "membership_invite",
    "membership_update",
    "patient_chart_viewed",
    "patient_create",
    "patient_update",
    "record_create",
    "record_update",
    "site_create",
    "site_update",
]
