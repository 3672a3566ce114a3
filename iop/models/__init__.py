from .audit import AuditEvent
from .clinics import Clinic, Membership, Site
from .patients import Patient
from .tenancy import TenantModel
from .tokens import ApiToken
from .users import User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Clinic",
    "Membership",
    "Patient",
    "Site",
    "TenantModel",
    "User",
]
