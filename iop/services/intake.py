"""Writes for the intake pipeline: inquiry → assessment → admission (or not)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from iop.models import Clinic, Enrollment, Inquiry, Membership, Patient, Track, User
from iop.models.audit import AuditAction
from iop.models.intake import INQUIRY_TRANSITIONS, InquiryStatus
from iop.tenancy import clinic_context

from .core import apply_changes, audit_record, patient_create, validate_and_save
from .errors import TransitionRefusedError
from .records import enrollment_create

INQUIRY_FIELDS = (
    "first_name", "last_name", "preferred_name", "pronouns", "date_of_birth", "phone", "email",
    "referral_source", "referral_detail", "presenting_concerns", "insurance_given", "notes",
)  # fmt: skip


def inquiry_create(*, clinic: Clinic, actor: User, **fields: Any) -> Inquiry:
    if set(fields) - set(INQUIRY_FIELDS):
        raise ValueError(f"Not an inquiry field: {sorted(set(fields) - set(INQUIRY_FIELDS))}")
    with clinic_context(clinic.pk):
        inquiry = Inquiry(clinic=clinic, **fields)
        validate_and_save(inquiry)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=inquiry,
            changed_fields=fields.keys(),
        )  # fmt: skip
    return inquiry


def inquiry_update(inquiry: Inquiry, *, actor: User, **fields: Any) -> Inquiry:
    if set(fields) - set(INQUIRY_FIELDS):
        raise ValueError(f"Not an inquiry field: {sorted(set(fields) - set(INQUIRY_FIELDS))}")
    with clinic_context(inquiry.clinic_id):
        changed = apply_changes(inquiry, fields)
        if changed:
            validate_and_save(inquiry)
            audit_record(
                clinic=inquiry.clinic, actor=actor, action=AuditAction.CHANGE, obj=inquiry,
                changed_fields=changed,
            )  # fmt: skip
    return inquiry


def _move(inquiry: Inquiry, status: str) -> None:
    allowed = INQUIRY_TRANSITIONS[inquiry.status]
    if status not in allowed:
        raise TransitionRefusedError(current=inquiry.status, requested=status, allowed=allowed)
    inquiry.status = status


def inquiry_schedule_assessment(
    inquiry: Inquiry, *, actor: User, at: datetime.datetime, assessor: Membership
) -> Inquiry:
    if assessor.clinic_id != inquiry.clinic_id or not assessor.is_active:
        raise ValidationError({"assessor": "Choose an active member of this clinic's staff."})
    with clinic_context(inquiry.clinic_id):
        _move(inquiry, InquiryStatus.ASSESSMENT_SCHEDULED)
        inquiry.assessment_at, inquiry.assessor = at, assessor
        validate_and_save(inquiry)
        audit_record(
            clinic=inquiry.clinic, actor=actor, action=AuditAction.CHANGE, obj=inquiry,
            changed_fields=["status", "assessment_at", "assessor"],
        )  # fmt: skip
    return inquiry


def inquiry_set_status(inquiry: Inquiry, *, actor: User, status: str, note: str = "") -> Inquiry:
    """Assessed, referred elsewhere, declined, lost contact, or picked up again."""
    if status in (InquiryStatus.ADMITTED, InquiryStatus.ASSESSMENT_SCHEDULED):
        raise ValueError("Admit with inquiry_admit; schedule with inquiry_schedule_assessment.")
    with clinic_context(inquiry.clinic_id):
        _move(inquiry, status)
        inquiry.outcome_note = note
        validate_and_save(inquiry)
        audit_record(
            clinic=inquiry.clinic, actor=actor, action=AuditAction.CHANGE, obj=inquiry,
            changed_fields=["status", "outcome_note"],
        )  # fmt: skip
    return inquiry


def inquiry_admit(
    inquiry: Inquiry,
    *,
    actor: User,
    record_number: str,
    admission_date: datetime.date,
    track: Track,
    level_of_care: str,
    planned_weeks: int,
    date_of_birth: datetime.date | None = None,
    primary_therapist: Membership | None = None,
    case_manager: Membership | None = None,
) -> tuple[Patient, Enrollment]:
    """Admission: the patient and their first enrollment, from what intake already knows."""
    birth = date_of_birth or inquiry.date_of_birth
    if birth is None:
        raise ValidationError({"date_of_birth": "Enter the date of birth to admit."})
    with clinic_context(inquiry.clinic_id):
        _move(inquiry, InquiryStatus.ADMITTED)
        patient = patient_create(
            clinic=inquiry.clinic,
            actor=actor,
            record_number=record_number,
            legal_first_name=inquiry.first_name,
            legal_last_name=inquiry.last_name,
            preferred_name=inquiry.preferred_name,
            pronouns=inquiry.pronouns,
            date_of_birth=birth,
            phone=inquiry.phone,
            email=inquiry.email,
            primary_therapist=primary_therapist,
            case_manager=case_manager,
        )
        enrollment = enrollment_create(
            patient=patient,
            actor=actor,
            track=track,
            admission_date=admission_date,
            planned_weeks=planned_weeks,
            level_of_care=level_of_care,
        )
        inquiry.patient = patient
        validate_and_save(inquiry)
        audit_record(
            clinic=inquiry.clinic, actor=actor, action=AuditAction.CHANGE, obj=inquiry,
            patient_id=patient.pk, changed_fields=["status", "patient"],
        )  # fmt: skip
    return patient, enrollment
