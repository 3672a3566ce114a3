"""Family test data, built through the real services."""

import datetime
from typing import Any

from family import services
from family.models import FamilyConsent, FamilyMember
from iop import clock
from iop.models import Clinic, Membership, Patient, User
from iop.tenancy import clinic_context
from scheduling.models import GroupType
from scheduling.services import session_create

ALL_CATEGORIES = ["attendance", "progress", "diagnoses", "medications", "drug_tests", "aftercare"]


def family_member(patient: Patient, *, actor: User, **fields: Any) -> FamilyMember:
    values = {
        "first_name": "Dana",
        "last_name": "Rivera",
        "relationship": "spouse",
        "phone": "555-0170",
        "email": "dana@example.org",
        **fields,
    }
    return services.family_member_create(patient=patient, actor=actor, **values)


def consent(member: FamilyMember, *, actor: User, **fields: Any) -> FamilyConsent:
    values: dict[str, Any] = {
        "categories": ["attendance", "progress"],
        "purpose": "To support the patient's recovery",
        "patient_signature": member.patient.legal_name,
        "expires_on": clock.today(member.clinic) + datetime.timedelta(days=180),
        **fields,
    }
    return services.consent_grant(member=member, actor=actor, **values)


def family_session(
    patient: Patient,
    *,
    actor: User,
    lead: Membership,
    members: list[FamilyMember],
    days_ahead: int = 1,
    hours: tuple[int, int] = (17, 18),
) -> Any:
    tz = clock.zone(patient.clinic)
    day = clock.today(patient.clinic) + datetime.timedelta(days=days_ahead)
    return services.family_session_schedule(
        patient=patient, actor=actor, lead=lead, members=members,
        starts_at=clock.at(tz, day, datetime.time(hours[0])),
        ends_at=clock.at(tz, day, datetime.time(hours[1])),
    )  # fmt: skip


def education_group(clinic: Clinic, *, actor: User, days_ahead: int = 45, **fields: Any) -> Any:
    """A family education group session (no patients on its list: families attend)."""
    tz = clock.zone(clinic)
    day = clock.today(clinic) + datetime.timedelta(days=days_ahead)
    with clinic_context(clinic.pk):
        kind = GroupType.objects.get(clinic=clinic, kind="family_education")
        return session_create(
            clinic=clinic, actor=actor, kind="group", group_type=kind, day=day,
            starts_at=clock.at(tz, day, datetime.time(18)),
            ends_at=clock.at(tz, day, datetime.time(19, 30)),
            **fields,
        )  # fmt: skip


def family_records(patient: Patient, *, actor: User) -> dict[str, Any]:
    """One of each family record, keyed by the id names URLs use. The session is a family
    education group well after the calendar's horizon, with no staff, room or patient on
    it: the tenant's own calendar (which other apps' tests count) is left as it was."""
    with clinic_context(patient.clinic_id):
        member = family_member(patient, actor=actor, last_name=f"Rivera-{patient.clinic.slug}")
        member.clinic = patient.clinic
        granted = consent(member, actor=actor)
        session = education_group(patient.clinic, actor=actor)
        participant = services.participant_add(session=session, member=member, actor=actor)
    return {
        "family_member_id": member,
        "family_consent_id": granted,
        "family_session_id": session,
        "family_participant_id": participant,
    }
