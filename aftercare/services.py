"""Writes for aftercare. `aftercare_plan_update` is the one function that changes a plan's
content; it refuses anything but a draft. The database backs it up: a trigger refuses any
UPDATE of a signed version (migration 0001)."""

import calendar
import datetime
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Max, Q

from iop import clock, events
from iop.models import Enrollment, Medication, Membership, User
from iop.models.audit import AuditAction
from iop.models.care import EnrollmentStatus
from iop.roles import Role
from iop.services.core import audit_record
from iop.services.errors import DomainError, TransitionRefusedError
from iop.tenancy import clinic_context

from . import tasks
from .models import (
    FOLLOW_UP_MONTHS,
    OPEN_PLAN_STATUSES,
    PLAN_TRANSITIONS,
    AftercarePdf,
    AftercarePlan,
    FollowUp,
    FollowUpStatus,
    PdfStatus,
    PlanAppointment,
    PlanMedication,
    PlanStatus,
    SupportContact,
    SupportGroup,
)

# What a person may set on a plan (the enrollment, patient and clinic come from the URL).
PLAN_FIELDS = (
    "step_down_level", "step_down_provider", "step_down_provider_phone", "step_down_starts_on",
    "continued_therapy", "sober_living", "vocational_goals", "education_goals", "triggers",
    "warning_signs", "coping_strategies", "alumni_enrolled", "alumni_details",
    "local_crisis_resources", "follow_up_phone", "follow_up_consent",
)  # fmt: skip

# The plan's lists: name → (model, the fields a row has).
PLAN_LISTS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "support_groups": (
        SupportGroup, ("name", "kind", "meeting_day", "meeting_time", "location"),
    ),
    "contacts": (SupportContact, ("name", "relationship", "phone")),
    "medications": (PlanMedication, ("name", "dose", "frequency", "prescriber")),
    "appointments": (PlanAppointment, ("with_whom", "starts_at", "location")),
}  # fmt: skip

SIGNERS = (Role.THERAPIST, Role.CASE_MANAGER)
# An enrollment ending this way starts the alumni follow-up calls.
LEAVING_STATUSES = (
    EnrollmentStatus.DISCHARGED,
    EnrollmentStatus.STEPPED_DOWN,
    EnrollmentStatus.COMPLETED,
)


def _audit(plan: AftercarePlan, actor: User | None, action: str, fields: Any = ()) -> None:
    audit_record(
        clinic=plan.clinic, actor=actor, action=action, obj=plan, patient_id=plan.patient_id,
        changed_fields=fields,
    )  # fmt: skip


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Not an aftercare plan field: {', '.join(sorted(unknown))}")


def _write_lists(plan: AftercarePlan, lists: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Replace the given lists of a (draft) plan; each row is validated like a form."""
    changed = []
    for name, rows in lists.items():
        if name not in PLAN_LISTS:
            raise ValueError(f"Not an aftercare plan list: {name}")
        model, fields = PLAN_LISTS[name]
        built = []
        for position, row in enumerate(rows):
            unknown = set(row) - set(fields)
            if unknown:
                raise ValueError(f"Not a {name} field: {', '.join(sorted(unknown))}")
            item = model(clinic_id=plan.clinic_id, plan=plan, position=position, **row)
            try:
                item.full_clean(exclude=["clinic", "plan"])
            except ValidationError as exc:
                messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                raise ValidationError({name: f"Row {position + 1}: {messages}"}) from None
            built.append(item)
        model._default_manager.filter(clinic_id=plan.clinic_id, plan=plan).delete()
        model._default_manager.bulk_create(built)
        changed.append(name)
    return changed


def _current_medications(enrollment: Enrollment) -> list[dict[str, Any]]:
    today = clock.today(enrollment.clinic)
    rows = Medication.objects.filter(clinic_id=enrollment.clinic_id, patient=enrollment.patient_id)
    return [
        {"name": m.name, "dose": m.dose, "frequency": m.frequency, "prescriber": m.prescriber}
        for m in rows.order_by("name")
        if m.stopped_on is None or m.stopped_on >= today
    ]


def aftercare_plan_create(*, enrollment: Enrollment, actor: User, **fields: Any) -> AftercarePlan:
    """Version 1 of the enrollment's plan, prefilled from the chart: current medications, the
    emergency contact as a person to call, the patient's phone for follow-up calls."""
    _check_fields(fields)
    with clinic_context(enrollment.clinic_id):
        patient = enrollment.patient
        if AftercarePlan.objects.filter(clinic_id=enrollment.clinic_id, enrollment=enrollment):
            raise DomainError(
                "This enrollment already has an aftercare plan; open it (or revise the signed one)."
            )
        values = {"follow_up_phone": patient.phone, **fields}
        plan = AftercarePlan(
            clinic_id=enrollment.clinic_id, enrollment=enrollment, patient=patient, version=1,
            created_by=actor, **values,
        )  # fmt: skip
        plan.full_clean(exclude=["clinic", "enrollment", "patient", "created_by"])
        plan.save()
        lists: dict[str, list[dict[str, Any]]] = {"medications": _current_medications(enrollment)}
        if patient.emergency_contact_name and patient.emergency_contact_phone:
            lists["contacts"] = [
                {
                    "name": patient.emergency_contact_name,
                    "relationship": patient.emergency_contact_relationship,
                    "phone": patient.emergency_contact_phone,
                }
            ]
        _write_lists(plan, lists)
        _audit(plan, actor, AuditAction.CREATE, [*values, *lists])
    return plan


def _locked(plan: AftercarePlan) -> AftercarePlan:
    """The plan as it is now, locked for this transaction (two editors queue up)."""
    fresh = AftercarePlan.objects.select_for_update().get(clinic_id=plan.clinic_id, pk=plan.pk)
    plan.status = fresh.status
    return plan


def aftercare_plan_update(
    plan: AftercarePlan,
    *,
    actor: User,
    lists: dict[str, list[dict[str, Any]]] | None = None,
    **fields: Any,
) -> AftercarePlan:
    """The one writer of a plan's content. Only a draft changes."""
    _check_fields(fields)
    with clinic_context(plan.clinic_id):
        _locked(plan)
        if plan.status == PlanStatus.SIGNED:
            raise DomainError("This plan version is signed and final; revise it to make changes.")
        if plan.status != PlanStatus.DRAFT:
            raise DomainError("This plan is in review; move it back to draft to change it.")
        changed = [name for name, value in fields.items() if getattr(plan, name) != value]
        for name in changed:
            setattr(plan, name, fields[name])
        if changed:
            plan.full_clean(exclude=["clinic", "enrollment", "patient", "created_by"])
            plan.save()
        changed += _write_lists(plan, lists or {})
        if changed:
            _audit(plan, actor, AuditAction.CHANGE, changed)
    return plan


def _signing_problems(plan: AftercarePlan) -> dict[str, str]:
    problems = {}
    required = {
        "step_down_level": "Choose the step-down level of care.",
        "triggers": "Write the patient's triggers.",
        "warning_signs": "Write the warning signs.",
        "coping_strategies": "Write the coping strategies.",
    }
    for name, message in required.items():
        if not getattr(plan, name):
            problems[name] = message
    if not plan.contacts.exists():
        problems["contacts"] = "Add at least one person to call, with a phone number."
    return problems


def _normalized(name: str) -> str:
    return " ".join(name.lower().split())


def aftercare_plan_transition(
    plan: AftercarePlan, *, actor: User, status: str, patient_ack_name: str = ""
) -> AftercarePlan:
    """The one way a plan version changes status (PLAN_TRANSITIONS). Signing is a therapist's
    or case manager's, and records the patient's typed name as their acknowledgement."""
    with clinic_context(plan.clinic_id):
        _locked(plan)
        allowed = PLAN_TRANSITIONS[plan.status]
        if status not in allowed:
            raise TransitionRefusedError(current=plan.status, requested=status, allowed=allowed)
        changed = ["status"]
        if status == PlanStatus.SIGNED:
            signer = Membership.objects.filter(
                clinic_id=plan.clinic_id, user=actor, is_active=True, role__in=SIGNERS
            )
            if not signer.exists():
                raise DomainError("Only a therapist or case manager signs an aftercare plan.")
            problems = _signing_problems(plan)
            patient = plan.patient
            names = {_normalized(patient.legal_name), _normalized(patient.display_name)}
            if not patient_ack_name.strip():
                problems["patient_ack_name"] = "The patient types their name to acknowledge."
            elif _normalized(patient_ack_name) not in names:
                problems["patient_ack_name"] = (
                    f"The typed name does not match the patient ({patient.legal_name})."
                )
            if problems:
                raise ValidationError(problems)
            now = clock.now()
            plan.signed_by, plan.signed_at = actor, now
            plan.patient_ack_name, plan.patient_ack_at = patient_ack_name.strip(), now
            changed += ["signed_by", "signed_at", "patient_ack_name", "patient_ack_at"]
        plan.status = status
        plan.save()
        _audit(plan, actor, AuditAction.CHANGE, changed)
        if status == PlanStatus.SIGNED:
            events.emit(clinic_id=plan.clinic_id, event=events.AFTERCARE_PLAN_SIGNED,
                        object_type="aftercare_plan", ids=[plan.pk])  # fmt: skip
    return plan


def aftercare_plan_revise(plan: AftercarePlan, *, actor: User) -> AftercarePlan:
    """A new draft version N+1, copied from the signed version; the signed one stays."""
    with clinic_context(plan.clinic_id):
        _locked(plan)
        if plan.status != PlanStatus.SIGNED:
            raise DomainError("Only a signed version is revised; edit this draft instead.")
        versions = AftercarePlan.objects.filter(
            clinic_id=plan.clinic_id, enrollment_id=plan.enrollment_id
        )
        if versions.filter(status__in=OPEN_PLAN_STATUSES).exists():
            raise DomainError("A newer version is already being edited; open that one.")
        latest = versions.aggregate(latest=Max("version"))["latest"]
        if latest != plan.version:
            raise DomainError(f"Revise the latest version (v{latest}), not v{plan.version}.")
        draft = AftercarePlan(
            clinic_id=plan.clinic_id, enrollment_id=plan.enrollment_id,
            patient_id=plan.patient_id, version=plan.version + 1, revised_from=plan,
            created_by=actor, **{name: getattr(plan, name) for name in PLAN_FIELDS},
        )  # fmt: skip
        draft.save()
        for model, fields in PLAN_LISTS.values():
            rows = model._default_manager.filter(clinic_id=plan.clinic_id, plan=plan)
            model._default_manager.bulk_create(
                model(
                    clinic_id=plan.clinic_id,
                    plan=draft,
                    position=row.position,  # type: ignore[attr-defined]
                    **{f: getattr(row, f) for f in fields},
                )
                for row in rows.order_by("position", "id")
            )
        _audit(draft, actor, AuditAction.CREATE, ["version", "revised_from"])
    return draft


# --- The PDF ----------------------------------------------------------------------------------


def aftercare_pdf_request(
    plan: AftercarePlan,
    *,
    actor: User,
    released_to: str = "",
    purpose: str = "",
    consent_reference: str = "",
) -> tuple[AftercarePdf, bool]:
    """Ask for the PDF of a signed version; rendered by the worker once this commits.
    Asking again (same recipient and purpose) returns the same document: one per use."""
    released_to, purpose = released_to.strip(), purpose.strip()
    consent_reference = consent_reference.strip()
    if plan.status != PlanStatus.SIGNED:
        raise DomainError("Sign the plan first: a PDF is made of a signed version only.")
    if released_to:
        problems = {}
        if not purpose:
            problems["purpose"] = "Say why the plan is released (42 CFR §2.31)."
        if not consent_reference:
            problems["consent_reference"] = "Name the patient's written consent to this release."
        if problems:
            raise ValidationError(problems)
    else:
        purpose = consent_reference = ""
    with clinic_context(plan.clinic_id):
        pdf, created = AftercarePdf.objects.get_or_create(
            clinic_id=plan.clinic_id, plan=plan, released_to=released_to, purpose=purpose,
            defaults={"consent_reference": consent_reference, "requested_by": actor},
        )  # fmt: skip
        if created:
            fields = ["plan"]
            if released_to:
                fields += ["released_to", "purpose", "consent_reference"]
            audit_record(
                clinic=plan.clinic, actor=actor, action=AuditAction.CREATE, obj=pdf,
                patient_id=plan.patient_id, changed_fields=fields,
            )  # fmt: skip
            clinic_id, pdf_id = plan.clinic_id, pdf.pk
            tasks.render_aftercare_pdf.delay_on_commit(clinic_id=clinic_id, pdf_id=pdf_id)
    return pdf, created


def stranded_after() -> datetime.timedelta:
    """A render still "rendering" this long after it began has lost its worker: the task's
    hard time limit would have ended it by now on a live one; 30 s covers the time between
    the limit and the worker's verdict."""
    return datetime.timedelta(seconds=tasks.RENDER_TIME_LIMIT + 30)


def _retryable(*, clinic_id: int) -> models.QuerySet[AftercarePdf]:
    """Failed, or stranded in "rendering" by a lost worker (read as failed, so a Retry works
    before the sweep below has turned it)."""
    since = clock.now() - stranded_after()
    stranded = Q(status=PdfStatus.RENDERING, render_started_at__lt=since)
    return AftercarePdf.objects.filter(Q(status=PdfStatus.FAILED) | stranded, clinic_id=clinic_id)


def aftercare_pdf_retry(pdf: AftercarePdf, *, actor: User) -> AftercarePdf:
    """A failed render, queued again (the person saw "PDF failed" and pressed Retry)."""
    with clinic_context(pdf.clinic_id):
        reset = (
            _retryable(clinic_id=pdf.clinic_id)
            .filter(pk=pdf.pk)
            .update(status=PdfStatus.QUEUED, attempts=0, error_code="")
        )
        if not reset:
            raise DomainError("Only a failed PDF is retried; this one is not failed.")
        audit_record(
            clinic=pdf.plan.clinic, actor=actor, action=AuditAction.CHANGE, obj=pdf,
            patient_id=pdf.plan.patient_id, changed_fields=["status"],
        )  # fmt: skip
        tasks.render_aftercare_pdf.delay_on_commit(clinic_id=pdf.clinic_id, pdf_id=pdf.pk)
        pdf.refresh_from_db(fields=["status", "attempts", "error_code"])
    return pdf


def aftercare_pdf_downloaded(pdf: AftercarePdf, *, actor: User) -> None:
    """Every download is on the record; a release outside the clinic is a disclosure
    (42 CFR §2.25 / HIPAA accounting), written as an export."""
    action = AuditAction.EXPORT if pdf.is_release else AuditAction.VIEW
    fields = ["released_to", "purpose"] if pdf.is_release else []
    audit_record(
        clinic=pdf.plan.clinic, actor=actor, action=action, obj=pdf,
        patient_id=pdf.plan.patient_id, changed_fields=fields,
    )  # fmt: skip


def aftercare_pdf_mark_started(*, clinic_id: int, pdf_id: int) -> None:
    """Committed on its own before the render: the page shows "rendering" and the attempt."""
    with clinic_context(clinic_id):
        AftercarePdf.objects.filter(clinic_id=clinic_id, pk=pdf_id).exclude(
            status=PdfStatus.DONE
        ).update(
            status=PdfStatus.RENDERING, attempts=F("attempts") + 1, render_started_at=clock.now()
        )


def aftercare_pdfs_fail_stranded(*, clinic_id: int) -> int:
    """The sweep (beat, every minute): renders stranded by a lost worker show as failed, with
    their Retry button, instead of "rendering" until the broker hands the job back. If it
    does come back, it renders as usual: the row lock and the `done` check keep it to one."""
    with clinic_context(clinic_id):
        stranded = _retryable(clinic_id=clinic_id).filter(status=PdfStatus.RENDERING)
        return stranded.update(status=PdfStatus.FAILED, error_code="worker_lost")


def aftercare_pdf_mark_failed(*, clinic_id: int, pdf_id: int, error_code: str) -> None:
    with clinic_context(clinic_id):
        AftercarePdf.objects.filter(clinic_id=clinic_id, pk=pdf_id).exclude(
            status=PdfStatus.DONE
        ).update(status=PdfStatus.FAILED, error_code=error_code[:40])


def aftercare_pdf_render(*, clinic_id: int, pdf_id: int) -> AftercarePdf:
    """The worker's half: render and store in this one transaction (the task's), bytes,
    hash and status together. The row lock makes a duplicate job wait, then see `done`."""
    from .pdf import render_plan_pdf  # noqa: PLC0415 - WeasyPrint loads in the worker only

    with clinic_context(clinic_id):
        pdf = (
            AftercarePdf.objects.select_for_update(of=("self",))
            .select_related("plan__patient", "plan__enrollment__track", "plan__clinic")
            .get(clinic_id=clinic_id, pk=pdf_id)
        )
        if pdf.status == PdfStatus.DONE:
            return pdf
        content = render_plan_pdf(pdf)
        pdf.content, pdf.size = content, len(content)
        pdf.sha256 = hashlib.sha256(content).hexdigest()
        pdf.status, pdf.error_code, pdf.rendered_at = PdfStatus.DONE, "", clock.now()
        pdf.save(update_fields=["content", "size", "sha256", "status", "error_code", "rendered_at"])
    return pdf


# --- Alumni follow-up -------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def follow_ups_schedule(*, enrollment: Enrollment, actor: User | None) -> list[FollowUp]:
    """Check-in calls 1, 3, 6 and 12 months after the patient left, assigned to their case
    manager. Idempotent (one per month per enrollment). None when the latest signed plan
    says the patient does not want the calls."""
    left_on = enrollment.ended_on or clock.today(enrollment.clinic)
    with clinic_context(enrollment.clinic_id):
        latest = (
            AftercarePlan.objects.filter(
                clinic_id=enrollment.clinic_id, enrollment=enrollment, status=PlanStatus.SIGNED
            )
            .order_by("-version")
            .first()
        )
        if latest is not None and not latest.follow_up_consent:
            return []
        patient = enrollment.patient
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    clinic_id=enrollment.clinic_id,
                    enrollment=enrollment,
                    patient=patient,
                    months_after=months,
                    due_on=add_months(left_on, months),
                    assigned_to_id=patient.case_manager_id,
                )
                for months in FOLLOW_UP_MONTHS
            ],
            ignore_conflicts=True,
        )
        audit_record(
            clinic=patient.clinic, actor=actor, action=AuditAction.CREATE, obj=enrollment,
            patient_id=patient.pk, changed_fields=["follow_ups"],
        )  # fmt: skip
        return list(FollowUp.objects.filter(clinic_id=enrollment.clinic_id, enrollment=enrollment))


def follow_up_record(
    follow_up: FollowUp, *, actor: User, status: str, outcome_note: str
) -> FollowUp:
    """What happened on the call."""
    if status not in FollowUpStatus.values or status == FollowUpStatus.DUE:
        raise ValidationError({"status": "Choose reached, unreachable or declined."})
    if not outcome_note.strip():
        raise ValidationError({"outcome_note": "Write what happened (one line is enough)."})
    with clinic_context(follow_up.clinic_id):
        follow_up.status, follow_up.outcome_note = status, outcome_note.strip()
        follow_up.recorded_by, follow_up.recorded_at = actor, clock.now()
        follow_up.save(update_fields=["status", "outcome_note", "recorded_by", "recorded_at"])
        audit_record(
            clinic=follow_up.enrollment.clinic, actor=actor, action=AuditAction.CHANGE,
            obj=follow_up, patient_id=follow_up.patient_id,
            changed_fields=["status", "outcome_note"],
        )  # fmt: skip
    return follow_up
