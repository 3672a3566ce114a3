"""Writes for family involvement. Each service is one transaction with its audit event.

Nothing here is required for treatment: a patient without family members is complete."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iop import clock, part2
from iop.models import Membership, Patient, User
from iop.models.audit import AuditAction
from iop.roles import Role
from iop.services import DomainError, audit_record
from iop.services.core import apply_changes, validate_and_save
from iop.tenancy import clinic_context
from scheduling.models import Room, Session, SessionKind
from scheduling.services import attendance_add, session_create

from .models import (
    ConsentRevocation,
    FamilyConsent,
    FamilyDisclosure,
    FamilyMember,
    FamilySessionParticipant,
    ParticipantStatus,
    ShareCategory,
)
from .selectors import is_family_education, may_share

MEMBER_FIELDS = (
    "first_name",
    "last_name",
    "relationship",
    "phone",
    "email",
    "preferred_language",
    "may_contact",
    "is_active",
)


# --- Family members ---------------------------------------------------------------------------


def family_member_create(*, patient: Patient, actor: User, **fields: Any) -> FamilyMember:
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not a family member field: {', '.join(sorted(unknown))}")
    with clinic_context(patient.clinic_id):
        member = FamilyMember(
            clinic_id=patient.clinic_id, patient=patient, created_by=actor, **fields
        )
        validate_and_save(member)
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=member,
            patient_id=patient.pk, changed_fields=fields.keys(),
        )  # fmt: skip
    return member


def family_member_update(member: FamilyMember, *, actor: User, **fields: Any) -> FamilyMember:
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not a family member field: {', '.join(sorted(unknown))}")
    with clinic_context(member.clinic_id):
        changed = apply_changes(member, fields)
        if changed:
            validate_and_save(member)
            audit_record(
                clinic=member.clinic, actor=actor, action=AuditAction.CHANGE, obj=member,
                patient_id=member.patient_id, changed_fields=changed,
            )  # fmt: skip
    return member


# --- Consents ---------------------------------------------------------------------------------


def _normalized(name: str) -> str:
    return " ".join(name.lower().split())


def consent_grant(
    *,
    member: FamilyMember,
    actor: User,
    categories: list[str],
    purpose: str,
    patient_signature: str,
    signed_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    expiry_event: str = "",
    authorized_signature: str = "",
    authorized_signer_relationship: str = "",
) -> FamilyConsent:
    """Record a consent the patient signed (42 CFR §2.31): who may disclose (the clinic), to
    whom (this family member), what, why, until when, the right to revoke in writing and how
    (§2.31(a)(6), the words of `iop.part2` copied onto the record), the patient's signature
    and its date, and for a patient under 18 on that date the signature of a parent or other
    authorized person (§2.14). The names are copied onto the consent as signed. A signed
    consent is never changed: a different scope is a new consent (and the old one revoked if
    it should end)."""
    with clinic_context(member.clinic_id):
        return _consent_grant(
            member=member, actor=actor, categories=categories, purpose=purpose,
            patient_signature=patient_signature, signed_on=signed_on, expires_on=expires_on,
            expiry_event=expiry_event, authorized_signature=authorized_signature,
            authorized_signer_relationship=authorized_signer_relationship,
        )  # fmt: skip


def _consent_grant(
    *,
    member: FamilyMember,
    actor: User,
    categories: list[str],
    purpose: str,
    patient_signature: str,
    signed_on: datetime.date | None,
    expires_on: datetime.date | None,
    expiry_event: str,
    authorized_signature: str,
    authorized_signer_relationship: str,
) -> FamilyConsent:
    clinic, patient = member.clinic, member.patient
    today = clock.today(clinic)
    signed_on = signed_on or today
    problems: dict[str, str] = {}
    chosen = [c for c in ShareCategory.values if c in set(categories)]
    if not chosen or len(chosen) != len(set(categories)):
        problems["categories"] = "Choose at least one kind of information from the list."
    if not purpose.strip():
        problems["purpose"] = "Say why the information is shared."
    if signed_on > today:
        problems["signed_on"] = "The signing date cannot be in the future."
    if expires_on is None and not expiry_event.strip():
        problems["expires_on"] = "Give an expiry date or an expiry event."
    elif expires_on is not None and expires_on < signed_on:
        problems["expires_on"] = "The expiry date must be on or after the signing date."
    if not patient_signature.strip():
        problems["patient_signature"] = "The patient types their full name to sign."
    elif _normalized(patient_signature) not in {
        _normalized(patient.legal_name),
        _normalized(patient.display_name),
    }:
        problems["patient_signature"] = "The signature must be the patient's full name."
    authorized_signature = authorized_signature.strip()
    authorized_signer_relationship = authorized_signer_relationship.strip()
    if part2.is_minor(patient.date_of_birth, signed_on):
        if not authorized_signature:
            problems["authorized_signature"] = (
                "The patient is under 18 on the signing date: a parent or other authorized "
                "person signs too (type their full name)."
            )
        elif _normalized(authorized_signature) in {
            _normalized(patient.legal_name),
            _normalized(patient.display_name),
        }:
            problems["authorized_signature"] = (
                "This is the patient's name: the parent or other authorized person signs here."
            )
        if not authorized_signer_relationship:
            problems["authorized_signer_relationship"] = (
                "Say how they are authorized, e.g. “mother” or “legal guardian”."
            )
    if problems:
        raise ValidationError(problems)
    with clinic_context(member.clinic_id):
        consent = FamilyConsent(
            clinic_id=member.clinic_id,
            family_member=member,
            patient=patient,
            patient_name=patient.legal_name,
            discloser=clinic.name,
            recipient=f"{member.name} ({member.get_relationship_display()})",
            categories=chosen,
            purpose=purpose.strip(),
            expires_on=expires_on,
            expiry_event=expiry_event.strip(),
            patient_signature=patient_signature.strip(),
            signed_on=signed_on,
            authorized_signature=authorized_signature,
            authorized_signer_relationship=authorized_signer_relationship,
            revocation_statement=part2.revocation_statement(clinic.name),
            recorded_by=actor,
        )
        validate_and_save(consent)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=consent,
            patient_id=patient.pk,
            changed_fields=[
                "categories", "purpose", "expires_on", "expiry_event", "signed_on",
                "authorized_signature", "revocation_statement",
            ],
        )  # fmt: skip
    return consent


def _lock_member(clinic_id: int, member_id: int) -> None:
    """Revoking and disclosing for one family member take turns: a disclosure never slips
    through under a consent revoked at the same moment."""
    FamilyMember.objects.select_for_update().filter(clinic_id=clinic_id, pk=member_id).exists()


def consent_revoke(consent: FamilyConsent, *, actor: User, reason: str = "") -> ConsentRevocation:
    """The patient takes the consent back (any time, §2.31(a)(6)), or its expiry event
    happened. Recorded with who and when; the consent itself stays as signed."""
    with clinic_context(consent.clinic_id):
        _lock_member(consent.clinic_id, consent.family_member_id)
        done = ConsentRevocation.objects.filter(
            clinic_id=consent.clinic_id, consent=consent
        ).first()
        if done is not None:
            when = clock.local_date(consent.clinic, done.revoked_at)
            raise DomainError(f"This consent was already revoked on {when:%Y-%m-%d}.")
        revocation = ConsentRevocation(
            clinic_id=consent.clinic_id,
            consent=consent,
            revoked_at=clock.now(),
            revoked_by=actor,
            reason=reason.strip(),
        )
        validate_and_save(revocation)
        consent.revocation = revocation  # type: ignore[attr-defined]
        audit_record(
            clinic=consent.clinic, actor=actor, action=AuditAction.CHANGE, obj=consent,
            patient_id=consent.patient_id, changed_fields=["revoked_at", "revoked_by"],
        )  # fmt: skip
    return revocation


# --- Disclosures ------------------------------------------------------------------------------


def disclosure_record(
    *,
    member: FamilyMember,
    actor: User,
    category: str,
    method: str = "in_person",
    summary: str = "",
) -> FamilyDisclosure:
    """Share information of one kind with a family member: allowed only when `may_share`
    says so (DomainError with its reason otherwise), then logged (§2.25) and audited."""
    with clinic_context(member.clinic_id):
        _lock_member(member.clinic_id, member.pk)
        decision = may_share(member, category)
        if not decision.allowed or decision.consent is None:
            raise DomainError(decision.reason)
        disclosure = FamilyDisclosure(
            clinic_id=member.clinic_id,
            consent=decision.consent,
            family_member=member,
            patient_id=member.patient_id,
            category=category,
            method=method,
            summary=summary.strip(),
            disclosed_by=actor,
        )
        validate_and_save(disclosure)
        audit_record(
            clinic=member.clinic, actor=actor, action=AuditAction.EXPORT, obj=disclosure,
            patient_id=member.patient_id, changed_fields=["category"],
        )  # fmt: skip
    return disclosure


# --- Family sessions and family education attendance ------------------------------------------


def family_session_schedule(
    *,
    patient: Patient,
    actor: User,
    lead: Membership,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    members: list[FamilyMember],
    room: Room | None = None,
) -> Session:
    """A family session on the one calendar: the patient on its list, their therapist
    leading, the family members attending. A clash of the therapist, the room or the
    patient is refused with the calendar's own words, and nothing is left half-made."""
    problems: dict[str, str] = {}
    if lead.clinic_id != patient.clinic_id or not lead.is_active or lead.role != Role.THERAPIST:
        problems["lead"] = "Choose an active therapist of this clinic."
    if room is not None and room.clinic_id != patient.clinic_id:
        problems["room"] = "Choose a room of this clinic."
    if ends_at <= starts_at:
        problems["ends_at"] = "The session must end after it starts."
    if not members:
        problems["members"] = "Choose the family members who will attend."
    elif any(m.patient_id != patient.pk or not m.is_active for m in members):
        problems["members"] = "Choose family members of this patient who are still involved."
    if problems:
        raise ValidationError(problems)
    tz = clock.zone(patient.clinic)
    with clinic_context(patient.clinic_id), transaction.atomic():
        session = session_create(
            clinic=patient.clinic, actor=actor, kind=SessionKind.FAMILY,
            day=starts_at.astimezone(tz).date(), starts_at=starts_at, ends_at=ends_at,
            lead=lead, room=room,
        )  # fmt: skip
        attendance_add(session=session, patient=patient, actor=actor)
        for member in members:
            participant_add(session=session, member=member, actor=actor)
    return session


def participant_add(
    *, session: Session, member: FamilyMember, actor: User, status: str = "expected"
) -> FamilySessionParticipant:
    """A family member on a family session of their patient, or on a family education
    group (open to the family of any patient of the clinic)."""
    if member.clinic_id != session.clinic_id:
        raise ValidationError({"family_member": "Choose a family member of this clinic."})
    with clinic_context(session.clinic_id):
        if session.kind == SessionKind.FAMILY:
            on_list = session.attendance.filter(patient_id=member.patient_id).exists()
            if not on_list:
                raise ValidationError(
                    {"family_member": "This family session is for another patient's family."}
                )
        elif not is_family_education(session):
            raise ValidationError(
                {"session": "Family members attend family sessions and family education groups."}
            )
        if session.status == "cancelled":
            raise ValidationError({"session": "This session is cancelled."})
        row = FamilySessionParticipant(
            clinic_id=session.clinic_id, session=session, family_member=member
        )
        _apply_status(row, status, actor)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError(
                {"family_member": "This family member is already on this session's list."}
            ) from None
        audit_record(
            clinic=member.clinic, actor=actor, action=AuditAction.CREATE, obj=row,
            patient_id=member.patient_id,
        )  # fmt: skip
    return row


def _apply_status(row: FamilySessionParticipant, status: str, actor: User) -> None:
    if status not in ParticipantStatus.values:
        raise ValidationError({"status": "Choose expected, present or absent."})
    row.status = status
    if status == ParticipantStatus.EXPECTED:
        row.marked_by, row.marked_at = None, None
    else:
        row.marked_by, row.marked_at = actor, clock.now()


def participant_mark(
    row: FamilySessionParticipant, *, actor: User, status: str
) -> FamilySessionParticipant:
    """Present or absent (or back to expected when marked by mistake)."""
    with clinic_context(row.clinic_id):
        _apply_status(row, status, actor)
        row.save(update_fields=["status", "marked_by", "marked_at"])
        audit_record(
            clinic=row.session.clinic, actor=actor, action=AuditAction.CHANGE, obj=row,
            patient_id=row.family_member.patient_id, changed_fields=["status"],
        )  # fmt: skip
    return row
