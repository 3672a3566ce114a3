"""Reads for individual therapy. Tenant reads take `clinic=`; therapy notes and plans are
read only by the patient's treating team (42 CFR Part 2): the primary therapist, the case
manager, the supervisors of either, the note's author, the clinic admin and the auditor.
Anyone else gets the same 404 as for a note that does not exist."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from iop.models import Clinic, Membership
from iop.roles import Capability, Role

from .models import (
    Goal,
    Objective,
    PlannedIntervention,
    Problem,
    ProgressNote,
    TherapistProfile,
    TreatmentPlan,
)

WHOLE_CLINIC = (Role.ADMIN, Role.AUDITOR)
REVIEW_SOON_DAYS = 7


def team_filter(membership: Membership, *, patient: str = "patient") -> Q:
    """The patients whose therapy records this member may read, as a filter."""
    if not membership.can(Capability.NOTES_READ):
        return Q(pk__in=[])
    if membership.role in WHOLE_CLINIC:
        return Q()
    supervised = TherapistProfile.objects.filter(
        clinic_id=membership.clinic_id, supervisor=membership
    ).values("membership_id")
    return (
        Q(**{f"{patient}__primary_therapist": membership})
        | Q(**{f"{patient}__case_manager": membership})
        | Q(**{f"{patient}__primary_therapist__in": supervised})
        | Q(**{f"{patient}__case_manager__in": supervised})
    )


def can_read_patient(membership: Membership, patient: Any) -> bool:
    if not membership.can(Capability.NOTES_READ):
        return False
    if membership.role in WHOLE_CLINIC or membership.pk in (
        patient.primary_therapist_id,
        patient.case_manager_id,
    ):
        return True
    return TherapistProfile.objects.filter(
        clinic_id=membership.clinic_id,
        supervisor=membership,
        membership_id__in=[patient.primary_therapist_id, patient.case_manager_id],
    ).exists()


def note_list(*, clinic: Clinic, membership: Membership) -> QuerySet[ProgressNote]:
    supervised = TherapistProfile.objects.filter(clinic=clinic, supervisor=membership).values(
        "membership_id"
    )
    mine = Q(author=membership) | Q(author__in=supervised)
    if not membership.can(Capability.NOTES_READ):
        return ProgressNote.objects.none()
    return (
        ProgressNote.objects.filter(clinic=clinic)
        .filter(team_filter(membership) | mine)
        .select_related("session", "patient", "author__user", "signed_by", "modality")
        .prefetch_related("objectives", "addenda__author", "cosignature__supervisor")
        .order_by("-session__starts_at", "-id")
    )


def note_get(*, clinic: Clinic, membership: Membership, note_id: int) -> ProgressNote:
    note = note_list(clinic=clinic, membership=membership).filter(pk=note_id).first()
    if note is None:
        raise Http404("No such note.")
    return note


def is_final(note: ProgressNote) -> bool:
    """Signed, and co-signed where the author needs supervision."""
    if not note.is_signed:
        return False
    return not note.cosign_required or hasattr(note, "cosignature")


@dataclass
class NoteTodo:
    drafts: list[ProgressNote]
    to_cosign: list[ProgressNote]
    awaiting_cosign: list[ProgressNote]
    sessions_without_note: list[Any]


def notes_todo(*, clinic: Clinic, membership: Membership) -> NoteTodo:
    """A clinician's unsigned work: drafts, notes waiting for their co-signature, their
    signed notes waiting for a supervisor, and held sessions with no note yet. Four
    queries, whatever the numbers."""
    from scheduling.models import Session, SessionStatus

    base = ProgressNote.objects.filter(clinic=clinic).select_related(
        "session", "patient", "author__user"
    )
    drafts = list(base.filter(author=membership, signed_at__isnull=True))
    supervised = TherapistProfile.objects.filter(clinic=clinic, supervisor=membership).values(
        "membership_id"
    )
    to_cosign = list(
        base.filter(
            author__in=supervised,
            cosign_required=True,
            signed_at__isnull=False,
            cosignature__isnull=True,
        )
    )
    awaiting = list(
        base.filter(
            author=membership,
            cosign_required=True,
            signed_at__isnull=False,
            cosignature__isnull=True,
        )
    )
    since = timezone.now() - datetime.timedelta(days=30)
    sessions = list(
        Session.objects.filter(
            clinic=clinic,
            lead=membership,
            kind__in=["individual", "family"],
            starts_at__gte=since,
            starts_at__lte=timezone.now(),
            progress_note__isnull=True,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("attendance__patient")
        .order_by("starts_at")
    )
    return NoteTodo(drafts, to_cosign, awaiting, sessions)


def plan_tree(plan: TreatmentPlan) -> list[Problem]:
    """The plan's tree in four queries: problems → goals → objectives → interventions."""
    planned = PlannedIntervention.objects.filter(clinic_id=plan.clinic_id).select_related(
        "intervention"
    )
    objectives = Objective.objects.filter(clinic_id=plan.clinic_id).prefetch_related(
        Prefetch("planned_interventions", queryset=planned)
    )
    goals = Goal.objects.filter(clinic_id=plan.clinic_id).prefetch_related(
        Prefetch("objectives", queryset=objectives)
    )
    return list(
        Problem.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .select_related("diagnosis")
        .prefetch_related(Prefetch("goals", queryset=goals))
    )


def plan_list(*, clinic: Clinic, membership: Membership) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(clinic=clinic)
        .filter(team_filter(membership))
        .select_related("patient", "enrollment", "created_by")
        .order_by("patient_id", "-version")
    )


def plan_get(*, clinic: Clinic, membership: Membership, plan_id: int) -> TreatmentPlan:
    plan = plan_list(clinic=clinic, membership=membership).filter(pk=plan_id).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def review_state(plan: TreatmentPlan, today: datetime.date) -> str:
    """ "overdue", "due soon" or "" — the reminder shown on lists and the chart."""
    if plan.superseded_at is not None:
        return ""
    if plan.review_due < today:
        return "overdue"
    if plan.review_due <= today + datetime.timedelta(days=REVIEW_SOON_DAYS):
        return "due soon"
    return ""
