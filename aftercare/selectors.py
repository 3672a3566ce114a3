"""Reads for aftercare. Every read takes the clinic; another clinic's object is a 404, the
same as a missing one."""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from iop import clock
from iop.models import Clinic, Membership, Patient

from .models import (
    FOLLOW_UP_DUE_WITHIN_DAYS,
    AftercarePdf,
    AftercarePlan,
    FollowUp,
    FollowUpStatus,
)


def plan_list(*, clinic: Clinic) -> QuerySet[AftercarePlan]:
    return AftercarePlan.objects.filter(clinic=clinic).select_related(
        "patient", "enrollment", "signed_by"
    )


def plan_get(*, clinic: Clinic, plan_id: int) -> AftercarePlan:
    plan = (
        AftercarePlan.objects.filter(clinic=clinic, pk=plan_id)
        .select_related("patient", "enrollment__track", "signed_by", "created_by")
        .first()
    )
    if plan is None:
        raise Http404("No such aftercare plan.")
    plan.clinic = clinic
    plan.patient.clinic = clinic
    return plan


def plan_versions(*, plan: AftercarePlan) -> list[AftercarePlan]:
    return list(
        AftercarePlan.objects.filter(clinic_id=plan.clinic_id, enrollment_id=plan.enrollment_id)
        .select_related("signed_by")
        .order_by("-version")
    )


def plans_for_patient(*, clinic: Clinic, patient: Patient) -> list[AftercarePlan]:
    """The latest version per enrollment, newest enrollment first, with its PDFs."""
    plans = (
        AftercarePlan.objects.filter(clinic=clinic, patient=patient)
        .select_related("enrollment", "signed_by")
        .order_by("-enrollment__admission_date", "enrollment_id", "-version")
    )
    latest: dict[int, AftercarePlan] = {}
    for plan in plans:
        latest.setdefault(plan.enrollment_id, plan)
    return list(latest.values())


def pdfs_of(*, plan: AftercarePlan) -> list[AftercarePdf]:
    return list(
        AftercarePdf.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .defer("content")
        .order_by("released_to", "id")
    )


def pdf_get(*, clinic: Clinic, pdf_id: int, with_content: bool = False) -> AftercarePdf:
    pdfs = AftercarePdf.objects.filter(clinic=clinic, pk=pdf_id).select_related(
        "plan__patient", "plan__clinic"
    )
    pdf = (pdfs if with_content else pdfs.defer("content")).first()
    if pdf is None:
        raise Http404("No such PDF.")
    return pdf


@dataclass(frozen=True)
class FollowUpFilters:
    mine: Membership | None = None  # None: everyone's
    open_only: bool = True


def follow_up_due_by(clinic: Clinic) -> datetime.date:
    """The last date a call is due on today: the clinic's today plus the call window."""
    return clock.today(clinic) + datetime.timedelta(days=FOLLOW_UP_DUE_WITHIN_DAYS)


def follow_up_queue(*, clinic: Clinic, filters: FollowUpFilters) -> QuerySet[FollowUp]:
    """Open calls in date order (overdue ones lead, then those due within the window, then
    upcoming ones), then the recorded ones. Each row carries `due_now`: open and dated within
    the clinic's window (`follow_up_due_by`)."""
    rows = FollowUp.objects.filter(clinic=clinic).select_related(
        "patient", "assigned_to__user", "recorded_by", "enrollment"
    )
    if filters.mine is not None:
        rows = rows.filter(assigned_to=filters.mine)
    if filters.open_only:
        rows = rows.filter(status=FollowUpStatus.DUE)
    is_due = Case(
        When(status=FollowUpStatus.DUE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    due_now = Case(
        When(Q(status=FollowUpStatus.DUE, due_on__lte=follow_up_due_by(clinic)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return rows.annotate(is_due=is_due, due_now=due_now).order_by("is_due", "due_on", "id")


def due_now_count(queue: QuerySet[FollowUp]) -> int:
    """How many calls of a `follow_up_queue` are due now (its `due_now` annotation)."""
    return queue.filter(due_now=True).count()  # type: ignore[misc]  # an annotation


def follow_up_get(*, clinic: Clinic, follow_up_id: int) -> FollowUp:
    follow_up = (
        FollowUp.objects.filter(clinic=clinic, pk=follow_up_id)
        .select_related("patient", "enrollment", "assigned_to__user")
        .first()
    )
    if follow_up is None:
        raise Http404("No such follow-up.")
    return follow_up
