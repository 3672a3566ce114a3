"""Demo family involvement for `seed_demo`: family members with consents in each state
(active, expired, revoked), a disclosure, family sessions (one held, one coming) and family
education groups with family attendance. Dates are the clinic's (`clock.today`), times its
wall clock: the Wednesday-evening meetings are at 17:00 and 18:30 where the clinic is."""

import datetime
import random
from typing import Any

from iop import clock, part2
from iop.models import Clinic, Enrollment, Membership, Patient
from iop.roles import Role
from scheduling.models import GroupKind, GroupType
from scheduling.services import attendance_mark, session_create

from . import services
from .models import FamilyMember

WEDNESDAY = 2  # the demo tracks meet Mon/Tue/Thu: Wednesday evenings are free


def _wednesday(today: datetime.date, weeks: int) -> datetime.date:
    """The Wednesday `weeks` away (-1: the last one before today, 1: the next one)."""
    if weeks < 0:
        return today - datetime.timedelta(days=(today.weekday() - WEDNESDAY) % 7 or 7)
    return today + datetime.timedelta(days=(WEDNESDAY - today.weekday()) % 7 or 7)


def seed_family(clinic: Clinic, rng: random.Random) -> None:
    therapist = Membership.objects.filter(clinic=clinic, role=Role.THERAPIST).order_by("id").first()
    if therapist is None:
        return
    actor = therapist.user
    today = clock.today(clinic)
    enrollments = (
        Enrollment.objects.filter(clinic=clinic, status="active")
        .select_related("patient")
        .order_by("patient__record_number")[:3]
    )
    patients = [e.patient for e in enrollments]
    if len(patients) < 2:
        return
    first, second = patients[0], patients[1]

    def member(patient: Patient, first_name: str, relationship: str, **fields: Any) -> FamilyMember:
        made = services.family_member_create(
            patient=patient, actor=actor, first_name=first_name,
            last_name=patient.legal_last_name, relationship=relationship,
            phone=f"(555) 017-{rng.randint(1000, 9999)}", **fields,
        )  # fmt: skip
        made.clinic = clinic
        return made

    def parent_signs(patient: Patient, signed_on: datetime.date, name: str) -> dict[str, Any]:
        """A demo patient under 18 on the signing date has a parent sign too (§2.14)."""
        if not part2.is_minor(patient.date_of_birth, signed_on):
            return {}
        return {
            "authorized_signature": f"{name} {patient.legal_last_name}",
            "authorized_signer_relationship": "parent",
        }

    # Active consent, and one disclosure under it.
    mother = member(
        first, "Maria", "parent", email="maria@example.org", preferred_language="Spanish"
    )
    services.consent_grant(
        member=mother, actor=actor, categories=["attendance", "progress", "aftercare"],
        purpose="To support the patient's recovery and plan aftercare together",
        expires_on=today + datetime.timedelta(days=180),
        patient_signature=first.legal_name, signed_on=today - datetime.timedelta(days=14),
        **parent_signs(first, today - datetime.timedelta(days=14), "Maria"),
    )  # fmt: skip
    services.disclosure_record(
        member=mother, actor=actor, category="attendance", method="phone",
        summary="Attended every group this week.",
    )  # fmt: skip
    # Expired consent.
    partner = member(first, "Chris", "spouse")
    services.consent_grant(
        member=partner, actor=actor, categories=["attendance"],
        purpose="Attendance updates while the patient is in the program",
        signed_on=today - datetime.timedelta(days=90),
        expires_on=today - datetime.timedelta(days=10),
        patient_signature=first.legal_name,
        **parent_signs(first, today - datetime.timedelta(days=90), "Maria"),
    )  # fmt: skip
    # Revoked consent.
    brother = member(second, "Sam", "sibling", may_contact=False)
    revoked = services.consent_grant(
        member=brother, actor=actor, categories=["attendance", "progress"],
        purpose="Family support", expiry_event="Discharge from the program",
        signed_on=today - datetime.timedelta(days=30), patient_signature=second.legal_name,
        **parent_signs(second, today - datetime.timedelta(days=30), "Jordan"),
    )  # fmt: skip
    services.consent_revoke(revoked, actor=actor, reason="Revoked by the patient in session")
    aunt = member(second, "Grace", "other_family")

    # Family sessions: one held last Wednesday (everyone came), one next Wednesday.
    for weeks in (-1, 1):
        day = _wednesday(today, weeks)
        session = services.family_session_schedule(
            patient=first, actor=actor, lead=therapist, members=[mother, partner],
            starts_at=clock.at(clinic, day, datetime.time(17)),
            ends_at=clock.at(clinic, day, datetime.time(18)),
        )  # fmt: skip
        if weeks < 0:
            for row in session.family_participants.select_related("family_member", "session"):
                services.participant_mark(row, actor=actor, status="present")
            attendance = session.attendance.get()
            attendance.session = session
            attendance_mark(attendance, actor=actor, status="present")

    # Family education groups on the same evenings, for every patient's family.
    education = GroupType.objects.filter(clinic=clinic, kind=GroupKind.FAMILY_EDUCATION).first()
    if education is None:
        return
    topics = list(education.topics.all()[:2])
    for index, weeks in enumerate((-1, 1)):
        day = _wednesday(today, weeks)
        group = session_create(
            clinic=clinic, actor=actor, kind="group", group_type=education, lead=therapist,
            day=day, starts_at=clock.at(clinic, day, datetime.time(18, 30)),
            ends_at=clock.at(clinic, day, datetime.time(20)),
            topic=topics[index] if index < len(topics) else None,
        )  # fmt: skip
        for person, mark in ((mother, "present"), (aunt, "absent"), (partner, "present")):
            services.participant_add(
                session=group, member=person, actor=actor,
                status=mark if weeks < 0 else "expected",
            )  # fmt: skip
