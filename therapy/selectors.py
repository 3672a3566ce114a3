"""Reads for individual therapy. Tenant reads take `clinic=`; therapy notes and plans are
read only by the patient's treating team (42 CFR Part 2): the primary therapist, the case
manager, the supervisors of either, the note's author, the clinic admin and the auditor.
Anyone else gets the same 404 as for a note that does not exist."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from iop import clock
from iop.models import Clinic, Membership, Patient
from iop.roles import Capability, Role
from scheduling.models import Attendance, Session, SessionStatus

from .models import (
    Availability,
    AvailabilityBlock,
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
    at = f"{patient}__" if patient else ""  # "" when filtering patients themselves
    return (
        Q(**{f"{at}primary_therapist": membership})
        | Q(**{f"{at}case_manager": membership})
        | Q(**{f"{at}primary_therapist__in": supervised})
        | Q(**{f"{at}case_manager__in": supervised})
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
    if not membership.can(Capability.NOTES_READ):
        return ProgressNote.objects.none()
    notes = ProgressNote.objects.filter(clinic=clinic)
    if membership.role not in WHOLE_CLINIC:
        # (An empty Q() would swallow the OR: the whole-clinic roles skip the filter.)
        supervised = TherapistProfile.objects.filter(clinic=clinic, supervisor=membership)
        notes = notes.filter(
            team_filter(membership)
            | Q(author=membership)
            | Q(author__in=supervised.values("membership_id"))
        )
    return (
        notes.select_related("session", "patient", "author__user", "signed_by", "modality")
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
    since = clock.now() - datetime.timedelta(days=30)
    sessions = list(
        Session.objects.filter(
            clinic=clinic,
            lead=membership,
            kind__in=["individual", "family"],
            starts_at__gte=since,
            starts_at__lte=clock.now(),
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


@dataclass
class WeekItem:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    kind: str  # "session", "open", "away"
    label: str
    session: Any = None


@dataclass
class WeekDay:
    day: datetime.date
    items: list[WeekItem]


def _minus(window: tuple[datetime.datetime, datetime.datetime], busy: list[Any]) -> list[Any]:
    """A window with the busy intervals cut out."""
    free = [window]
    for b0, b1 in busy:
        free = [
            piece
            for f0, f1 in free
            for piece in ((f0, min(f1, b0)), (max(f0, b1), f1))
            if piece[1] - piece[0] >= datetime.timedelta(minutes=15)
        ]
    return free


def therapist_week(
    *, clinic: Clinic, therapist: Membership, monday: datetime.date
) -> list[WeekDay]:
    """The therapist's week: their sessions, their time away and their open time, per day.
    Four queries whatever the week holds."""
    tz = clock.zone(clinic)
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    first, last = (
        clock.at(tz, days[0], datetime.time(0)),
        clock.at(tz, days[-1], datetime.time(23, 59)),
    )
    sessions = list(
        Session.objects.filter(
            Q(lead=therapist) | Q(co_lead=therapist),
            clinic=clinic,
            starts_at__lt=last,
            ends_at__gt=first,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("group_type", "track", "progress_note")
        .prefetch_related("attendance__patient")
    )
    away = list(
        AvailabilityBlock.objects.filter(
            clinic=clinic, therapist=therapist, starts_at__lt=last, ends_at__gt=first
        )
    )
    hours = list(Availability.objects.filter(clinic=clinic, therapist=therapist))
    week = []
    for day in days:
        items = []
        todays = [s for s in sessions if s.starts_at.astimezone(tz).date() == day]
        for s in todays:
            people = ", ".join(
                f"{a.patient.display_name} ({a.patient.record_number})"
                for a in s.attendance.all() if a.is_active
            )  # fmt: skip
            title = s.group_type.name if s.group_type else str(s.get_kind_display())
            items.append(
                WeekItem(
                    s.starts_at, s.ends_at, "session", f"{title}: {people}" if people else title, s
                )
            )
        day_start, day_end = (
            clock.at(tz, day, datetime.time(0)),
            clock.at(tz, day, datetime.time(23, 59)),
        )
        for b in away:
            if b.starts_at < day_end and b.ends_at > day_start:
                items.append(
                    WeekItem(
                        max(b.starts_at, day_start),
                        min(b.ends_at, day_end),
                        "away",
                        b.reason or "Away",
                    )
                )
        busy = sorted(
            [(s.starts_at, s.ends_at) for s in todays] + [(b.starts_at, b.ends_at) for b in away]
        )
        for h in hours:
            if h.weekday == day.weekday():
                for f0, f1 in _minus(
                    (clock.at(tz, day, h.starts_at), clock.at(tz, day, h.ends_at)), busy
                ):
                    items.append(WeekItem(f0, f1, "open", "Open"))
        week.append(WeekDay(day, sorted(items, key=lambda i: i.starts_at)))
    return week


@dataclass
class GridCell:
    """One cell of the week's time grid: the items starting in its first slot (and those
    overlapping them), spanning `rows` slots."""

    items: list[WeekItem]
    rows: int


@dataclass
class GridRow:
    starts_at: datetime.time  # the slot's wall-clock time, written in the first column
    cells: list[GridCell | bool | None]  # per shown day: a cell, None (empty), False (spanned)


@dataclass
class TimeGrid:
    days: list[WeekDay]  # the working days only: those with hours, a session or time away
    rows: list[GridRow]


def time_grid(week: list[WeekDay], *, tz: datetime.tzinfo, slot_minutes: int = 30) -> TimeGrid:
    """A week like a calendar app: one column per working day, one row per `slot_minutes`
    from the week's first item to its last, each item in the row of its start spanning its
    length. Items that overlap (a session during time away) share a cell."""
    shown = [day for day in week if day.items]
    if not shown:
        return TimeGrid([], [])

    def slot(moment: datetime.datetime, *, up: bool) -> int:
        local = moment.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        whole, part = divmod(minutes, slot_minutes)
        return whole + (1 if up and part else 0)

    per_day: list[dict[int, GridCell]] = []
    first, last = 24 * 60 // slot_minutes, 0
    for day in shown:
        cells: dict[int, GridCell] = {}
        open_start, open_end, open_until = -1, -1, None
        for item in day.items:  # sorted by start
            if open_until is not None and item.starts_at < open_until:  # overlaps in time
                cell = cells[open_start]
                cell.items.append(item)
                open_end = max(open_end, slot(item.ends_at, up=True))
                open_until = max(open_until, item.ends_at)
                cell.rows = open_end - open_start
                continue
            # One that only begins in the last slot of the one before (open time after a
            # 50-minute session) starts in the next row.
            start = max(slot(item.starts_at, up=False), open_end)
            end = max(slot(item.ends_at, up=True), start + 1)
            cells[start] = GridCell([item], end - start)
            open_start, open_end, open_until = start, end, item.ends_at
            first, last = min(first, start), max(last, end)
        per_day.append(cells)
    rows = []
    covered = [0] * len(shown)  # the slot up to which each day's current cell reaches
    for index in range(first, last):
        row_cells: list[GridCell | bool | None] = []
        for n, cells in enumerate(per_day):
            if index in cells:
                row_cells.append(cells[index])
                covered[n] = index + cells[index].rows
            elif index < covered[n]:
                row_cells.append(False)
            else:
                row_cells.append(None)
        minutes = index * slot_minutes
        rows.append(GridRow(datetime.time(minutes // 60, minutes % 60), row_cells))
    return TimeGrid(shown, rows)


@dataclass
class TherapyPatient:
    patient: Any
    plan: TreatmentPlan | None
    review: str
    next_session: Any
    drafts: int


def my_patients(
    *, clinic: Clinic, membership: Membership, today: datetime.date
) -> list[TherapyPatient]:
    """The therapist's list: their patients in active care, each with the current plan (and
    its review reminder), the next individual session and open drafts. Four queries."""
    if membership.role == Role.THERAPIST:
        patients_q = Q(primary_therapist=membership)
    else:
        patients_q = (
            team_filter(membership, patient="") if membership.role not in WHOLE_CLINIC else Q()
        )
    patients = list(
        Patient.objects.filter(patients_q, clinic=clinic, enrollments__status="active")
        .distinct()
        .order_by("legal_last_name", "legal_first_name")
    )
    ids = [p.pk for p in patients]
    plans = {
        plan.patient_id: plan
        for plan in TreatmentPlan.objects.filter(
            clinic=clinic,
            patient_id__in=ids,
            superseded_at__isnull=True,
            enrollment__status="active",
        )
    }
    upcoming: dict[int, Any] = {}
    for row in (
        Attendance.objects.filter(
            clinic=clinic,
            patient_id__in=ids,
            is_active=True,
            session__kind="individual",
            starts_at__gte=clock.now(),
        )
        .select_related("session")
        .order_by("starts_at")
    ):
        upcoming.setdefault(row.patient_id, row.session)
    drafts = dict(
        ProgressNote.objects.filter(clinic=clinic, patient_id__in=ids, signed_at__isnull=True)
        .values("patient_id")
        .annotate(n=Count("id"))
        .values_list("patient_id", "n")
    )
    return [
        TherapyPatient(
            patient=p,
            plan=plans.get(p.pk),
            review=review_state(plans[p.pk], today) if p.pk in plans else "no plan",
            next_session=upcoming.get(p.pk),
            drafts=drafts.get(p.pk, 0),
        )
        for p in patients
    ]


def chart_summary(*, clinic: Clinic, membership: Membership, patient: Any) -> dict[str, Any]:
    """The chart's Therapy section: the current plan with its tree, and the notes."""
    plan = (
        TreatmentPlan.objects.filter(clinic=clinic, patient=patient, superseded_at__isnull=True)
        .select_related("enrollment")
        .first()
    )
    notes = list(
        ProgressNote.objects.filter(clinic=clinic, patient=patient)
        .select_related("session", "author__user", "modality", "cosignature")
        .order_by("-session__starts_at")[:20]
    )
    return {"plan": plan, "tree": plan_tree(plan) if plan else [], "notes": notes}


def unbooked_patients(*, clinic: Clinic, therapist: Membership, monday: datetime.date) -> Any:
    """The therapist's patients in active care with no individual session in the week of
    `monday` (one query): whom to book by hand from the week view."""
    first = clock.at(clinic, monday, datetime.time(0))
    last = clock.at(clinic, monday + datetime.timedelta(days=7), datetime.time(0))
    booked = Attendance.objects.filter(
        clinic=clinic, is_active=True, session__kind="individual", starts_at__gte=first,
        starts_at__lt=last,
    ).exclude(session__status=SessionStatus.CANCELLED)  # fmt: skip
    return (
        Patient.objects.filter(
            clinic=clinic, primary_therapist=therapist, enrollments__status="active"
        )
        .exclude(pk__in=booked.values("patient_id"))
        .distinct()
        .order_by("legal_last_name", "legal_first_name", "pk")
    )
