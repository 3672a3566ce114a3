"""Writes for individual therapy. Each service is one transaction with its audit event;
names are `<entity>_<action>`. The database is the backstop for what must never change
(signed notes, superseded plan versions, addenda, co-signatures)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iop import clock
from iop.models import Clinic, Diagnosis, Enrollment, Membership, Patient, User
from iop.models.audit import AuditAction
from iop.models.care import OPEN_STATUSES, DiagnosisCategory
from iop.roles import Role
from iop.services.core import apply_changes, audit_record, validate_and_save
from iop.services.errors import DomainError
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session, SessionKind, SessionStatus

from . import selectors
from .models import (
    FORMAT_FIELDS,
    NOTE_TEXT_FIELDS,
    Availability,
    AvailabilityBlock,
    Goal,
    Intervention,
    NoteAddendum,
    NoteCosignature,
    NoteObjective,
    Objective,
    PlannedIntervention,
    Problem,
    ProgressNote,
    TherapistProfile,
    TherapySettings,
    TreatmentPlan,
)

DEFAULT_INTERVENTIONS = [
    "CBT (cognitive behavioral therapy)",
    "DBT (dialectical behavior therapy)",
    "Motivational interviewing",
    "Relapse prevention",
    "Trauma-informed care",
    "Mindfulness",
    "Psychoeducation",
    "Solution-focused therapy",
    "Family systems",
]
NOTE_KINDS = (SessionKind.INDIVIDUAL, SessionKind.FAMILY)


# --- Settings and profiles --------------------------------------------------------------------


def therapy_settings_get(*, clinic: Clinic) -> TherapySettings:
    """The clinic's therapy settings; the first use creates them and the default list of
    interventions (idempotent; a concurrent first use is harmless)."""
    with clinic_context(clinic.pk):
        found = TherapySettings.objects.filter(clinic=clinic).first()
        if found is not None:
            return found
        Intervention.objects.bulk_create(
            [Intervention(clinic=clinic, name=name) for name in DEFAULT_INTERVENTIONS],
            ignore_conflicts=True,
        )
        TherapySettings.objects.bulk_create([TherapySettings(clinic=clinic)], ignore_conflicts=True)
        return TherapySettings.objects.get(clinic=clinic)


def therapy_settings_update(*, clinic: Clinic, actor: User, **fields: Any) -> TherapySettings:
    settings = therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        changed = apply_changes(settings, fields)
        if changed:
            validate_and_save(settings)
            audit_record(
                clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=settings,
                changed_fields=changed,
            )  # fmt: skip
    return settings


def intervention_create(*, clinic: Clinic, actor: User, name: str) -> Intervention:
    therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        item = Intervention(clinic=clinic, name=name.strip())
        validate_and_save(item, unique=("name", "The clinic already has this intervention."))
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=item)
    return item


def therapist_profile_set(
    *, membership: Membership, actor: User, needs_cosign: bool, supervisor: Membership | None
) -> TherapistProfile:
    """Mark a clinician as needing a supervisor's co-signature (or not)."""
    clinic = membership.clinic
    if supervisor is not None and (
        supervisor.clinic_id != membership.clinic_id or supervisor.pk == membership.pk
    ):
        raise ValidationError({"supervisor": "Choose another clinician of this clinic."})
    with clinic_context(clinic.pk):
        profile, _ = TherapistProfile.objects.get_or_create(clinic=clinic, membership=membership)
        profile.needs_cosign, profile.supervisor = needs_cosign, supervisor
        validate_and_save(profile)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=profile,
            changed_fields=["needs_cosign", "supervisor"],
        )  # fmt: skip
    return profile


# --- Availability -----------------------------------------------------------------------------


def _require_therapist(therapist: Membership, clinic: Clinic) -> None:
    if therapist.clinic_id != clinic.pk or therapist.role != Role.THERAPIST:
        raise ValidationError({"therapist": "Choose a therapist of this clinic."})


def availability_add(
    *,
    clinic: Clinic,
    actor: User,
    therapist: Membership,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
) -> Availability:
    """Weekly working hours; a window may not overlap another of the same day."""
    _require_therapist(therapist, clinic)
    with clinic_context(clinic.pk):
        row = Availability(
            clinic=clinic, therapist=therapist, weekday=weekday, starts_at=starts_at,
            ends_at=ends_at,
        )  # fmt: skip
        row.full_clean()
        overlapping = Availability.objects.filter(
            clinic=clinic, therapist=therapist, weekday=weekday, starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )  # fmt: skip
        if overlapping.exists():
            raise ValidationError({"starts_at": "These hours overlap hours already set that day."})
        row.save()
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=row)
    return row


def availability_remove(row: Availability | AvailabilityBlock, *, actor: User) -> None:
    with clinic_context(row.clinic_id):
        audit_record(clinic=row.clinic, actor=actor, action=AuditAction.DELETE, obj=row)
        row.delete()


def availability_block_add(
    *,
    clinic: Clinic,
    actor: User,
    therapist: Membership,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str = "",
) -> AvailabilityBlock:
    """Leave, a meeting: time taken out of the therapist's usual hours."""
    _require_therapist(therapist, clinic)
    with clinic_context(clinic.pk):
        block = AvailabilityBlock(
            clinic=clinic, therapist=therapist, starts_at=starts_at, ends_at=ends_at,
            reason=reason.strip(),
        )  # fmt: skip
        validate_and_save(block)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=block)
    return block


# --- Treatment plans --------------------------------------------------------------------------


def _open_plan(plan: TreatmentPlan) -> None:
    if plan.superseded_at is not None:
        raise DomainError("This version was reviewed and is kept as it was; edit the current one.")


class NotTreatingError(DomainError):
    """The acting member is not on the patient's treating team (42 CFR Part 2): the views
    answer as for a patient that does not exist, the API names the field."""


def _require_treating(membership: Membership, patient: Patient) -> None:
    if not selectors.can_read_patient(membership, patient):
        raise NotTreatingError("Not a patient you treat.")


def treatment_plan_start(*, patient: Patient, author: Membership) -> TreatmentPlan:
    """Version 1 of the plan of the patient's open enrollment."""
    with clinic_context(patient.clinic_id):
        _require_treating(author, patient)
        enrollment = patient.enrollments.filter(status__in=OPEN_STATUSES).first()
    if enrollment is None:
        raise DomainError("Enroll the patient first: a plan belongs to an enrollment.")
    return _plan_create(enrollment, author.user)


def treatment_plan_create(*, enrollment: Enrollment, author: Membership) -> TreatmentPlan:
    """Version 1 of an enrollment's plan, by a member of the patient's treating team."""
    with clinic_context(enrollment.clinic_id):
        _require_treating(author, enrollment.patient)
    return _plan_create(enrollment, author.user)


def _plan_create(enrollment: Enrollment, actor: User) -> TreatmentPlan:
    """Due for review after the clinic's interval."""
    clinic = enrollment.clinic
    settings = therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        if not enrollment.is_open:
            raise DomainError("The enrollment has ended; a plan is written for an open one.")
        if TreatmentPlan.objects.filter(
            clinic=clinic, enrollment=enrollment, superseded_at__isnull=True
        ).exists():
            raise ValidationError({"enrollment": "This enrollment already has a treatment plan."})
        version = 1 + max(
            TreatmentPlan.objects.filter(clinic=clinic, enrollment=enrollment).values_list(
                "version", flat=True
            ),
            default=0,
        )
        plan = TreatmentPlan(
            clinic=clinic, enrollment=enrollment, patient_id=enrollment.patient_id,
            version=version, created_by=actor, review_due=_review_due(clinic, settings),
        )  # fmt: skip
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise ValidationError(
                {"enrollment": "This enrollment already has a treatment plan."}
            ) from None
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=plan,
            patient_id=enrollment.patient_id,
        )  # fmt: skip
    return plan


def _review_due(clinic: Clinic, settings: TherapySettings) -> datetime.date:

    today = clock.today(clinic)
    return today + datetime.timedelta(days=settings.plan_review_days)


def _plan_part(plan: TreatmentPlan, part: Any, model: type, field: str) -> None:
    if not isinstance(part, model) or getattr(part, "plan_id", None) != plan.pk:
        raise ValidationError({field: "Choose one from this version of the plan."})


def _next_order(model: Any, plan: TreatmentPlan) -> int:
    return 1 + max(
        model.objects.filter(clinic_id=plan.clinic_id, plan=plan).values_list("order", flat=True),
        default=0,
    )


def _add_part(plan: TreatmentPlan, actor: User, part: Any) -> Any:
    with clinic_context(plan.clinic_id):
        _open_plan(plan)
        part.clinic_id, part.plan, part.order = plan.clinic_id, plan, _next_order(type(part), plan)
        validate_and_save(part)
        audit_record(
            clinic=plan.clinic, actor=actor, action=AuditAction.CREATE, obj=part,
            patient_id=plan.patient_id,
        )  # fmt: skip
    return part


def plan_problem_add(
    plan: TreatmentPlan, *, actor: User, description: str, diagnosis: Diagnosis | None = None
) -> Problem:
    if diagnosis is not None and diagnosis.patient_id != plan.patient_id:
        raise ValidationError({"diagnosis": "Choose one of this patient's diagnoses."})
    part: Problem = _add_part(
        plan, actor, Problem(description=description.strip(), diagnosis=diagnosis)
    )
    return part


def plan_goal_add(plan: TreatmentPlan, *, actor: User, problem: Problem, description: str) -> Goal:
    _plan_part(plan, problem, Problem, "problem")
    part: Goal = _add_part(plan, actor, Goal(problem=problem, description=description.strip()))
    return part


def plan_objective_add(
    plan: TreatmentPlan,
    *,
    actor: User,
    goal: Goal,
    description: str,
    target_date: datetime.date,
) -> Objective:
    _plan_part(plan, goal, Goal, "goal")
    part: Objective = _add_part(
        plan, actor, Objective(goal=goal, description=description.strip(), target_date=target_date)
    )
    return part


def plan_intervention_add(
    plan: TreatmentPlan,
    *,
    actor: User,
    objective: Objective,
    intervention: Intervention,
    frequency: str = "",
) -> PlannedIntervention:
    _plan_part(plan, objective, Objective, "objective")
    if intervention.clinic_id != plan.clinic_id or not intervention.is_active:
        raise ValidationError({"intervention": "Choose one of the clinic's interventions."})
    part: PlannedIntervention = _add_part(
        plan,
        actor,
        PlannedIntervention(
            objective=objective, intervention=intervention, frequency=frequency.strip()
        ),
    )
    return part


def objective_set_status(objective: Objective, *, actor: User, status: str) -> Objective:
    with clinic_context(objective.clinic_id):
        _open_plan(objective.plan)
        objective.status = status
        validate_and_save(objective)
        audit_record(
            clinic=objective.plan.clinic, actor=actor, action=AuditAction.CHANGE, obj=objective,
            patient_id=objective.plan.patient_id, changed_fields=["status"],
        )  # fmt: skip
    return objective


def treatment_plan_acknowledge(plan: TreatmentPlan, *, actor: User, name: str) -> TreatmentPlan:
    """The patient took part in the plan: their name as they gave it, and when."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Write the patient's name as they acknowledged the plan."})
    with clinic_context(plan.clinic_id):
        _open_plan(plan)
        plan.acknowledged_name, plan.acknowledged_at = name, clock.now()
        plan.save(update_fields=["acknowledged_name", "acknowledged_at"])
        audit_record(
            clinic=plan.clinic, actor=actor, action=AuditAction.CHANGE, obj=plan,
            patient_id=plan.patient_id, changed_fields=["acknowledged_name", "acknowledged_at"],
        )  # fmt: skip
    return plan


def treatment_plan_review(plan: TreatmentPlan, *, actor: User) -> TreatmentPlan:
    """Review: the current version is kept as it was (superseded, locked by the database)
    and a copy of its whole tree becomes the next version, due for its own review. The
    patient acknowledges the new version afresh."""
    clinic = plan.clinic
    settings = therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        plan = TreatmentPlan.objects.select_for_update().get(clinic=clinic, pk=plan.pk)
        _open_plan(plan)
        plan.superseded_at = clock.now()
        plan.save(update_fields=["superseded_at"])
        new = TreatmentPlan.objects.create(
            clinic=clinic, enrollment_id=plan.enrollment_id, patient_id=plan.patient_id,
            version=plan.version + 1, created_by=actor, review_due=_review_due(clinic, settings),
        )  # fmt: skip
        _copy_tree(plan, new)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=new,
            patient_id=plan.patient_id, changed_fields=["version"],
        )  # fmt: skip
    return new


def _copy_tree(old: TreatmentPlan, new: TreatmentPlan) -> None:
    """Four bulk inserts, whatever the size of the tree."""
    keep = {"clinic_id": old.clinic_id, "plan": new}
    problems = list(Problem.objects.filter(clinic_id=old.clinic_id, plan=old))
    goals = list(Goal.objects.filter(clinic_id=old.clinic_id, plan=old))
    objectives = list(Objective.objects.filter(clinic_id=old.clinic_id, plan=old))
    planned = list(PlannedIntervention.objects.filter(clinic_id=old.clinic_id, plan=old))
    new_problems = Problem.objects.bulk_create(
        [Problem(**keep, order=p.order, description=p.description, diagnosis_id=p.diagnosis_id)
         for p in problems]
    )  # fmt: skip
    problem_map = {o.pk: n.pk for o, n in zip(problems, new_problems, strict=True)}
    new_goals = Goal.objects.bulk_create(
        [Goal(**keep, order=g.order, description=g.description,
              problem_id=problem_map[g.problem_id]) for g in goals]
    )  # fmt: skip
    goal_map = {o.pk: n.pk for o, n in zip(goals, new_goals, strict=True)}
    new_objectives = Objective.objects.bulk_create(
        [Objective(**keep, order=o.order, description=o.description, target_date=o.target_date,
                   status=o.status, goal_id=goal_map[o.goal_id]) for o in objectives]
    )  # fmt: skip
    objective_map = {o.pk: n.pk for o, n in zip(objectives, new_objectives, strict=True)}
    PlannedIntervention.objects.bulk_create(
        [PlannedIntervention(**keep, order=p.order, intervention_id=p.intervention_id,
                             frequency=p.frequency, objective_id=objective_map[p.objective_id])
         for p in planned]
    )  # fmt: skip


# --- Progress notes ---------------------------------------------------------------------------


def note_patient_of(session: Session) -> Any:
    """The patient a session's note belongs to: the one on its list (an individual session
    has one; a family session is about one identified patient)."""
    row = (
        Attendance.objects.filter(clinic_id=session.clinic_id, session=session)
        .select_related("patient")
        .order_by("id")
        .first()
    )
    return row.patient if row else None


def _is_substance_use(patient_id: int, clinic_id: int) -> bool:
    return Diagnosis.objects.filter(
        clinic_id=clinic_id, patient_id=patient_id, is_active=True,
        category=DiagnosisCategory.SUBSTANCE_USE,
    ).exists()  # fmt: skip


def progress_note_save(
    *,
    session: Session,
    author: Membership,
    texts: dict[str, str],
    modality: Intervention | None = None,
    objectives: list[Objective] | None = None,
    part2: bool | None = None,
) -> ProgressNote:
    """Write or update the draft note of an individual or family session. The session's
    lead (or co-lead) writes it; the fields are those of the clinic's note format. Part 2
    defaults on when the patient has a substance-use diagnosis."""
    clinic = session.clinic
    settings = therapy_settings_get(clinic=clinic)
    with clinic_context(clinic.pk):
        if session.kind not in NOTE_KINDS:
            raise ValidationError(
                {"session": "Progress notes are for individual or family sessions."}
            )
        if session.status == SessionStatus.CANCELLED:
            raise DomainError("The session was cancelled; there is nothing to write up.")
        if author.pk not in (session.lead_id, session.co_lead_id):
            raise DomainError("Only the clinician who led the session writes its note.")
        note = ProgressNote.objects.filter(clinic=clinic, session=session).first()
        if note is not None and note.is_signed:
            raise DomainError("This note is signed and final; add an addendum instead.")
        if note is None:
            patient = note_patient_of(session)
            if patient is None:
                raise ValidationError({"session": "Nobody is on this session's list."})
            note = ProgressNote(
                clinic=clinic, session=session, patient=patient, author=author,
                format=settings.note_format,
                part2=_is_substance_use(patient.pk, clinic.pk) if part2 is None else part2,
            )  # fmt: skip
        elif part2 is not None:
            note.part2 = part2
        _apply_texts(note, texts)
        if modality is not None and (modality.clinic_id != clinic.pk):
            raise ValidationError({"modality": "Choose one of the clinic's interventions."})
        if modality is not None or note.pk is None:
            note.modality = modality
        validate_and_save(note)
        if objectives is not None:
            _link_objectives(note, objectives)
        audit_record(
            clinic=clinic, actor=author.user, action=AuditAction.CHANGE, obj=note,
            patient_id=note.patient_id, changed_fields=[*texts, "objectives", "modality"],
        )  # fmt: skip
    return note


def _apply_texts(note: ProgressNote, texts: dict[str, str]) -> None:
    """Only the sections of the note's format may hold text."""
    unknown = set(texts) - set(NOTE_TEXT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a note section."})
    allowed = FORMAT_FIELDS[note.format]
    stray = [k for k, v in texts.items() if k not in allowed and v.strip()]
    if stray:
        raise ValidationError(
            {stray[0]: f"A {note.get_format_display()} note has no such section."}
        )
    for name in allowed:
        if name in texts:
            setattr(note, name, texts[name].strip())


def _link_objectives(note: ProgressNote, objectives: list[Objective]) -> None:
    plans = {o.plan_id for o in objectives}
    allowed = set(
        TreatmentPlan.objects.filter(
            clinic_id=note.clinic_id, patient_id=note.patient_id, pk__in=plans,
            superseded_at__isnull=True,
        ).values_list("pk", flat=True)
    )  # fmt: skip
    if plans - allowed:
        raise ValidationError(
            {"objectives": "Choose objectives of the patient's current treatment plan."}
        )
    NoteObjective.objects.filter(clinic_id=note.clinic_id, note=note).exclude(
        objective__in=objectives
    ).delete()
    NoteObjective.objects.bulk_create(
        [NoteObjective(clinic_id=note.clinic_id, note=note, objective=o) for o in objectives],
        ignore_conflicts=True,
    )


def progress_note_sign(note: ProgressNote, *, signer: Membership) -> ProgressNote:
    """Sign: every section of the format written, the session under way or over. From then
    on the database refuses any change. A clinician who needs supervision signs too; the
    note counts as final once the supervisor co-signs."""
    with clinic_context(note.clinic_id):
        note = (
            ProgressNote.objects.select_for_update()
            .select_related("session")
            .get(clinic_id=note.clinic_id, pk=note.pk)
        )
        if note.is_signed:
            raise DomainError("This note is already signed.")
        if signer.pk != note.author_id:
            raise DomainError("Only the note's author signs it.")
        if note.session.starts_at > clock.now():
            raise DomainError("The session has not happened yet; sign after it.")
        empty = [name for name in note.fields_in_format if not getattr(note, name).strip()]
        if empty:
            raise ValidationError(dict.fromkeys(empty, "Write this section before signing."))
        profile = TherapistProfile.objects.filter(
            clinic_id=note.clinic_id, membership_id=note.author_id
        ).first()
        note.cosign_required = bool(profile and profile.needs_cosign)
        note.signed_by, note.signed_at = signer.user, clock.now()
        note.save(update_fields=["signed_by", "signed_at", "cosign_required", "updated_at"])
        audit_record(
            clinic=signer.clinic, actor=signer.user, action=AuditAction.CHANGE, obj=note,
            patient_id=note.patient_id, changed_fields=["signed_at", "signed_by"],
        )  # fmt: skip
    return note


def note_addendum_add(note: ProgressNote, *, actor: User, text: str) -> NoteAddendum:
    """A correction or late entry to a signed note: who, when, what. Never changed after."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the addendum."})
    with clinic_context(note.clinic_id):
        # The stored state decides (the caller's copy may predate the signature).
        if not ProgressNote.objects.filter(pk=note.pk, signed_at__isnull=False).exists():
            raise DomainError("The note is still a draft: correct it directly.")
        addendum = NoteAddendum(clinic_id=note.clinic_id, note=note, author=actor, text=text)
        validate_and_save(addendum)
        audit_record(
            clinic=addendum.clinic, actor=actor, action=AuditAction.CREATE, obj=addendum,
            patient_id=note.patient_id,
        )  # fmt: skip
    return addendum


def progress_note_cosign(note: ProgressNote, *, supervisor: Membership) -> NoteCosignature:
    with clinic_context(note.clinic_id):
        if not note.is_signed:
            raise DomainError("The author signs first.")
        if not note.cosign_required:
            raise DomainError("This note does not need a co-signature.")
        if NoteCosignature.objects.filter(clinic_id=note.clinic_id, note=note).exists():
            raise DomainError("This note is already co-signed.")
        profile = TherapistProfile.objects.filter(
            clinic_id=note.clinic_id, membership_id=note.author_id
        ).first()
        if profile is None or profile.supervisor_id != supervisor.pk:
            raise DomainError("Only the author's supervisor co-signs their notes.")
        try:
            with transaction.atomic():
                cosign = NoteCosignature.objects.create(
                    clinic_id=note.clinic_id, note=note, supervisor=supervisor.user
                )
        except IntegrityError:
            raise DomainError("This note is already co-signed.") from None
        audit_record(
            clinic=supervisor.clinic, actor=supervisor.user, action=AuditAction.CREATE,
            obj=cosign, patient_id=note.patient_id,
        )  # fmt: skip
    return cosign
