from .audit import AuditEvent
from .billing import Authorization, Coverage, PaymentPlan
from .care import Diagnosis, Enrollment, EnrollmentExtension, Medication
from .clinics import Clinic, Membership, Site
from .intake import Inquiry
from .notifications import Notification, NotificationKind
from .patients import Patient
from .tenancy import TenantModel
from .tokens import ApiToken
from .tracks import Track
from .users import User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Authorization",
    "Clinic",
    "Coverage",
    "Diagnosis",
    "Enrollment",
    "EnrollmentExtension",
    "Inquiry",
    "Medication",
    "Membership",
    "Notification",
    "NotificationKind",
    "Patient",
    "PaymentPlan",
    "Site",
    "TenantModel",
    "Track",
    "User",
]
