"""Roles and what each may do (DESIGN.md §4). Least privilege: a role gets a capability only
when its job needs it. Views and API endpoints name the capability they require; a matrix
test pins who can reach what."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Clinic admin")
    THERAPIST = "therapist", _("Therapist")
    CASE_MANAGER = "case_manager", _("Case manager")
    FRONT_DESK = "front_desk", _("Front desk")
    NURSE = "nurse", _("Nurse / tech")
    AUDITOR = "auditor", _("Auditor (read-only)")
    BILLING = "billing", _("Biller")


class Capability:
    CLINIC_CONFIGURE = "clinic.configure"  # settings, sites, tracks, templates, rooms
    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"  # invite, change roles, deactivate
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_READ = "audit.read"
    PATIENTS_READ = "patients.read"  # demographics, identity
    PATIENTS_WRITE = "patients.write"
    SCHEDULE_MANAGE = "schedule.manage"  # roster, attendance, make-ups
    CLINICAL_READ = "clinical.read"  # diagnoses, progress, measures
    CLINICAL_WRITE = "clinical.write"
    NOTES_READ = "notes.read"  # therapy and group notes (Part 2: treating team only)
    NOTES_WRITE = "notes.write"
    TESTS_READ = "tests.read"  # drug and alcohol test results
    TESTS_RECORD = "tests.record"
    MEDICATIONS_READ = "medications.read"  # clinicians, and nurses judging drug tests
    ENROLLMENT_MANAGE = "enrollment.manage"  # admit, extend, hold, step down, discharge
    INTAKE_READ = "intake.read"
    INTAKE_MANAGE = "intake.manage"
    AFTERCARE_READ = "aftercare.read"  # aftercare plans, their PDFs, alumni follow-ups
    AFTERCARE_WRITE = "aftercare.write"  # write and sign plans, release PDFs, record calls
    # --- progress app ---
    TESTS_REVIEW = "tests.review"  # a clinician's review of a drug test's results
    # --- family app ---
    FAMILY_READ = "family.read"  # family members' names and contact, family sessions
    FAMILY_MANAGE = "family.manage"  # add/edit family members, schedule, mark attendance
    CONSENTS_READ = "consents.read"  # Part 2 consents (what may be shared) and disclosures
    CONSENTS_MANAGE = "consents.manage"  # record and revoke consents, share with family
    # --- billing app ---
    BILLING_READ = "billing.read"  # claim readiness, diagnosis codes on claims, payers
    BILLING_MANAGE = "billing.manage"  # payers, billing provider, payer consents


C = Capability
_READ_CLINICAL = {
    C.STAFF_READ,
    C.PATIENTS_READ,
    C.CLINICAL_READ,
    C.NOTES_READ,
    C.TESTS_READ,
    C.MEDICATIONS_READ,
    C.INTAKE_READ,
    C.AFTERCARE_READ,
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        _READ_CLINICAL
        | {
            C.CLINIC_CONFIGURE,
            C.STAFF_MANAGE,
            C.TOKENS_MANAGE,
            C.AUDIT_READ,
            C.PATIENTS_WRITE,
            C.SCHEDULE_MANAGE,
            C.ENROLLMENT_MANAGE,
            C.INTAKE_MANAGE,
        }
    ),
    Role.THERAPIST: frozenset(
        _READ_CLINICAL
        | {C.CLINICAL_WRITE, C.NOTES_WRITE, C.SCHEDULE_MANAGE, C.INTAKE_MANAGE, C.AFTERCARE_WRITE}
    ),
    Role.CASE_MANAGER: frozenset(
        _READ_CLINICAL
        | {
            C.PATIENTS_WRITE,
            C.CLINICAL_WRITE,
            C.SCHEDULE_MANAGE,
            C.ENROLLMENT_MANAGE,
            C.INTAKE_MANAGE,
            C.AFTERCARE_WRITE,
        }
    ),
    # Front desk: roster, attendance, scheduling, demographics. No notes, no test results.
    Role.FRONT_DESK: frozenset(
        {
            C.STAFF_READ,
            C.PATIENTS_READ,
            C.PATIENTS_WRITE,
            C.SCHEDULE_MANAGE,
            C.INTAKE_READ,
            C.INTAKE_MANAGE,
        }
    ),
    # Nurse / tech: record drug tests and vitals; no therapy notes.
    Role.NURSE: frozenset(
        {C.STAFF_READ, C.PATIENTS_READ, C.TESTS_READ, C.TESTS_RECORD, C.MEDICATIONS_READ}
    ),
    # Auditor: reads clinical records and the audit trail, never changes anything.
    Role.AUDITOR: frozenset(_READ_CLINICAL | {C.AUDIT_READ}),
}


# --- progress app: clinicians (therapists, case managers) review drug test results ---------
for _role in (Role.THERAPIST, Role.CASE_MANAGER):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {C.TESTS_REVIEW}

# --- family app: family members are demographics (the front desk greets and calls them);
# what a consent allows and what was disclosed is clinical (the treating team and auditors).
# Nurses/techs have no part in family involvement.
for _role in (Role.ADMIN, Role.THERAPIST, Role.CASE_MANAGER):
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | {
        C.FAMILY_READ,
        C.FAMILY_MANAGE,
        C.CONSENTS_READ,
        C.CONSENTS_MANAGE,
    }
ROLE_CAPABILITIES[Role.FRONT_DESK] = ROLE_CAPABILITIES[Role.FRONT_DESK] | {C.FAMILY_READ}
ROLE_CAPABILITIES[Role.AUDITOR] = ROLE_CAPABILITIES[Role.AUDITOR] | {
    C.FAMILY_READ,
    C.CONSENTS_READ,
}
# --- end family app

# --- billing app: the biller sees coverage, authorizations, billable days, diagnosis codes
# (on billing's own pages) and claims; never note contents, measures or drug-test results,
# so no CLINICAL_READ, NOTES_READ or TESTS_READ. Admins set billing up; auditors read it.
ROLE_CAPABILITIES[Role.BILLING] = frozenset(
    {C.STAFF_READ, C.PATIENTS_READ, C.BILLING_READ, C.BILLING_MANAGE}
)
ROLE_CAPABILITIES[Role.ADMIN] = ROLE_CAPABILITIES[Role.ADMIN] | {C.BILLING_READ, C.BILLING_MANAGE}
ROLE_CAPABILITIES[Role.AUDITOR] = ROLE_CAPABILITIES[Role.AUDITOR] | {C.BILLING_READ}
# --- end billing app


def role_can(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
