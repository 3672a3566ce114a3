"""Writes for the parts of a patient's record: diagnoses, medications, coverage, payment
plans, authorizations, and episodes of care (enrollments) with their status workflow."""

import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from iop import clock, hooks
from iop.models import (
    Authorization,
    Coverage,
    Diagnosis,
    Enrollment,
    EnrollmentExtension,
    Medication,
    Patient,
    PaymentPlan,
    Track,
    User,
)
from iop.models.audit import AuditAction
from iop.models.care import ENROLLMENT_TRANSITIONS, DischargeType, EnrollmentStatus
from iop.tenancy import clinic_context

from .core import apply_changes, audit_record, validate_and_save
from .errors import DomainError, TransitionRefusedError

Record = TypeVar("Record", Diagnosis, Medication, Coverage, PaymentPlan, Authorization)

# What each part of the record lets a person set (the patient and clinic come from the URL).
RECORD_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Diagnosis: ("icd10_code", "description", "category", "is_primary", "is_active", "diagnosed_on"),
    Medication: ("name", "dose", "frequency", "prescriber", "started_on", "stopped_on"),
    Coverage: (
        "payer", "plan", "member_id", "group_number", "subscriber_name",
        "subscriber_relationship", "priority", "verification_status", "verified_on",
        "verification_notes", "is_active",
    ),
    PaymentPlan: (
        "total_amount", "installment_amount", "schedule", "first_payment_on", "notes", "is_active",
    ),
    Authorization: (
        "coverage", "number", "service_code", "custom_code", "units_authorized", "units_used",
        "start_date", "end_date",
    ),
}  # fmt: skip


def _check_fields(model: type[models.Model], fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(RECORD_FIELDS[model])
    if unknown:
        raise ValueError(f"Not a {model._meta.verbose_name} field: {', '.join(sorted(unknown))}")


def _stamp_verification(record: Any, actor: User, changed: list[str]) -> None:
    """Whoever marks a coverage verified (or denied) is recorded as the verifier."""
    if isinstance(record, Coverage) and "verification_status" in changed:
        record.verified_by = actor
        record.verified_on = record.verified_on or clock.today(record.clinic)


def record_create(model: type[Record], *, patient: Patient, actor: User, **fields: Any) -> Record:
    _check_fields(model, fields)
    with clinic_context(patient.clinic_id):
        record = model(clinic_id=patient.clinic_id, patient=patient, **fields)
        _stamp_verification(record, actor, list(fields))
        validate_and_save(record)
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=record,
            patient_id=patient.pk, changed_fields=fields.keys(),
        )  # fmt: skip
    return record


def record_update(record: Record, *, actor: User, **fields: Any) -> Record:
    _check_fields(type(record), fields)
    with clinic_context(record.clinic_id):
        changed = apply_changes(record, fields)
        if changed:
            _stamp_verification(record, actor, changed)
            validate_and_save(record)
            audit_record(
                clinic=record.patient.clinic, actor=actor, action=AuditAction.CHANGE, obj=record,
                patient_id=record.patient_id, changed_fields=changed,
            )  # fmt: skip
    return record


# --- Enrollments ------------------------------------------------------------------------------


def _enrollment_changed(enrollment: Enrollment, actor: User | None) -> None:
    """The calendar follows the enrollment (rolling admission); leaving schedules aftercare's
    follow-up calls: whatever the features registered."""
    for changed in hooks.enrollment_changed:
        changed(enrollment, actor)


def enrollment_create(
    *,
    patient: Patient,
    actor: User,
    track: Track,
    admission_date: datetime.date,
    planned_weeks: int | None = None,
    level_of_care: str = Enrollment._meta.get_field("level_of_care").default,
) -> Enrollment:
    weeks = planned_weeks or patient.clinic.default_program_weeks
    with clinic_context(patient.clinic_id):
        enrollment = Enrollment(
            clinic_id=patient.clinic_id,
            patient=patient,
            track=track,
            level_of_care=level_of_care,
            admission_date=admission_date,
            planned_weeks=weeks,
            planned_end_date=admission_date + datetime.timedelta(weeks=weeks),
        )
        validate_and_save(enrollment)
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=enrollment,
            patient_id=patient.pk,
            changed_fields=["track", "level_of_care", "admission_date", "planned_weeks"],
        )  # fmt: skip
        _enrollment_changed(enrollment, actor)
    return enrollment


def enrollment_update(enrollment: Enrollment, *, actor: User, **fields: Any) -> Enrollment:
    """Track and level of care of an open episode (a step-down is a transition instead)."""
    allowed = {"track", "level_of_care", "status_note"}
    if set(fields) - allowed:
        raise ValueError(f"Not editable here: {', '.join(sorted(set(fields) - allowed))}")
    if not enrollment.is_open:
        raise DomainError("This enrollment has ended; it can no longer be changed.")
    with clinic_context(enrollment.clinic_id):
        changed = apply_changes(enrollment, fields)
        if changed:
            validate_and_save(enrollment)
            audit_record(
                clinic=enrollment.patient.clinic, actor=actor, action=AuditAction.CHANGE,
                obj=enrollment, patient_id=enrollment.patient_id, changed_fields=changed,
            )  # fmt: skip
            _enrollment_changed(enrollment, actor)
    return enrollment


def enrollment_transition(
    enrollment: Enrollment,
    *,
    actor: User,
    status: str,
    discharge_type: str = "",
    note: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    """The one way an enrollment changes status (the transition table in models.care)."""
    allowed = ENROLLMENT_TRANSITIONS[enrollment.status]
    if status not in allowed:
        raise TransitionRefusedError(current=enrollment.status, requested=status, allowed=allowed)
    if status == EnrollmentStatus.DISCHARGED and not discharge_type:
        raise ValidationError({"discharge_type": "Say how the patient was discharged."})
    if status == EnrollmentStatus.COMPLETED and discharge_type == DischargeType.COMPLETED:
        discharge_type = ""  # "Completed" is the completed treatment; only a discharge has a type
    if status != EnrollmentStatus.DISCHARGED and discharge_type:
        chosen = dict(DischargeType.choices).get(discharge_type, discharge_type)
        if status == EnrollmentStatus.COMPLETED:
            message = (
                f"“Completed” means the patient completed treatment. To record “{chosen}”, "
                "choose the status Discharged."
            )
        else:
            current = EnrollmentStatus(status).label
            message = f"Leave the discharge type empty: the status is {current}, not Discharged."
        raise ValidationError({"discharge_type": message})
    with clinic_context(enrollment.clinic_id):
        enrollment.status = status
        enrollment.discharge_type = discharge_type
        enrollment.status_note = note
        enrollment.ended_on = None if enrollment.is_open else (on or clock.today(enrollment.clinic))
        if enrollment.ended_on and enrollment.ended_on < enrollment.admission_date:
            raise ValidationError({"on": "The end date cannot be before the admission date."})
        validate_and_save(enrollment)
        audit_record(
            clinic=enrollment.patient.clinic, actor=actor, action=AuditAction.CHANGE,
            obj=enrollment, patient_id=enrollment.patient_id,
            changed_fields=["status", "discharge_type", "ended_on", "status_note"],
        )  # fmt: skip
        _enrollment_changed(enrollment, actor)
    return enrollment


def enrollment_extend(
    enrollment: Enrollment, *, actor: User, new_end_date: datetime.date, reason: str
) -> EnrollmentExtension:
    if not enrollment.is_open:
        raise DomainError("Only an active or on-hold enrollment can be extended.")
    if new_end_date <= enrollment.planned_end_date:
        current_end = f"{enrollment.planned_end_date:%b %-d, %Y}"
        raise ValidationError({"new_end_date": f"Must be after the current end, {current_end}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the program is extended (payers ask)."})
    with clinic_context(enrollment.clinic_id):
        extension = EnrollmentExtension(
            clinic_id=enrollment.clinic_id,
            enrollment=enrollment,
            previous_end_date=enrollment.planned_end_date,
            new_end_date=new_end_date,
            reason=reason.strip(),
            created_by=actor,
        )
        validate_and_save(extension)
        enrollment.planned_end_date = new_end_date
        validate_and_save(enrollment)
        audit_record(
            clinic=enrollment.patient.clinic, actor=actor, action=AuditAction.CHANGE,
            obj=enrollment, patient_id=enrollment.patient_id, changed_fields=["planned_end_date"],
        )  # fmt: skip
    return extension
