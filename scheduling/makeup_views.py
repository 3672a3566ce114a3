"""The make-ups queue: missed sessions with their proposed slots, and the decision on each."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from iop import clock
from iop import selectors as core_selectors
from iop import services as core_services
from iop.roles import Capability
from iop.services import DomainError
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url

from . import ledger, makeups
from .models import MakeupProposal, MissedSession, MissedStatus, Session

C = Capability


DETAIL_RELATED = (
    "patient__case_manager__user",
    "session__track",
    "session__group_type",
    "session__topic",
    "makeup__session",
    "resolved_by",
)


def _missed_get(request: HttpRequest, missed_id: int) -> MissedSession:
    missed = (
        MissedSession.objects.filter(clinic=clinic_of(request), pk=missed_id)
        .select_related(*DETAIL_RELATED)
        .first()
    )
    if missed is None:
        raise Http404("No such missed session.")
    return missed


@clinic_page(C.PATIENTS_READ)
@require_GET
def makeup_queue(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    status = request.GET.get("status", MissedStatus.OPEN)
    if status not in MissedStatus.values:
        status = MissedStatus.OPEN
    membership = request.membership  # type: ignore[attr-defined]
    mine = request.GET.get("mine") == "1"
    rows = (
        MissedSession.objects.filter(clinic=clinic, status=status)
        .select_related(
            "patient",
            "session__track",
            "session__group_type",
            "session__topic",
            "session__lead__user",
        )
        .prefetch_related("proposals__session__track", "proposals__lead__user")
        # Newest first: the recent misses are the ones a make-up can still be found for.
        .order_by("-session__starts_at" if status == MissedStatus.OPEN else "-resolved_at")
    )
    if mine:
        rows = rows.filter(patient__case_manager=membership)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    inbox = makeups.notifications_for(clinic=clinic, membership=membership)
    risk = ledger.unexcused_misses(clinic=clinic, patient_ids=[m.patient_id for m in page])
    return render(
        request,
        "scheduling/makeup_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": MissedStatus.choices,
            "mine": mine,
            "extra": f"&status={status}" + ("&mine=1" if mine else ""),
            "inbox": inbox,
            "at_risk": {pid for pid, n in risk.items() if ledger.miss_risk(n)},
            "can_decide": membership.can(C.SCHEDULE_MANAGE),
        },
    )


@clinic_page(C.PATIENTS_READ)
@require_GET
def makeup_detail(request: HttpRequest, missed_id: int) -> HttpResponse:
    return _detail(request, _missed_get(request, missed_id))


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def makeup_decide(request: HttpRequest, missed_id: int) -> HttpResponse:
    missed = _missed_get(request, missed_id)
    try:
        _decide(request, missed)
    except (ValidationError, DomainError) as exc:
        error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _detail(request, missed, error=error)
    return redirect(clinic_url(request, "makeup-queue"))


def _detail(request: HttpRequest, missed: MissedSession, *, error: str = "") -> HttpResponse:
    proposals = missed.proposals.select_related("session__track", "session__topic", "lead__user")
    options = makeups.makeup_options(missed) if missed.status == MissedStatus.OPEN else []
    return render(
        request,
        "scheduling/makeup_detail.html",
        {
            "missed": missed,
            "proposals": list(proposals),
            "options": options,
            "error": error,
            "reason": request.POST.get("reason", ""),
            "can_decide": request.membership.can(C.SCHEDULE_MANAGE),  # type: ignore[attr-defined]
        },
    )


def _decide(request: HttpRequest, missed: MissedSession) -> None:
    actor = actor_of(request)
    action = request.POST.get("action")
    if action == "waive":
        makeups.makeup_waive(missed, actor=actor, reason=request.POST.get("reason", ""))
        messages.success(request, f"Waived for {missed.patient.display_name}.")
        return
    if action != "accept":
        raise ValidationError("Choose a make-up or waive it.")
    proposal = session = None
    if request.POST.get("proposal", "").isdigit():
        proposal = MakeupProposal.objects.filter(
            clinic=missed.clinic_id, missed=missed, pk=int(request.POST["proposal"])
        ).first()
    elif request.POST.get("session", "").isdigit():
        session = Session.objects.filter(
            clinic=missed.clinic_id, pk=int(request.POST["session"])
        ).first()
    if proposal is None and session is None:
        raise ValidationError("That time is not available any more; choose another.")
    makeup = makeups.makeup_accept(missed, actor=actor, proposal=proposal, session=session)
    when = clock.local(missed.clinic, makeup.starts_at)
    messages.success(
        request,
        f"Make-up booked for {missed.patient.display_name}: {when:%a %b %-d, %-I:%M %p}.",
    )


@clinic_page(C.PATIENTS_READ)
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    clinic, membership = clinic_of(request), request.membership  # type: ignore[attr-defined]
    rows = core_selectors.notification_list(clinic=clinic, membership=membership, unread_only=True)
    core_services.notification_mark_read(
        clinic=clinic, membership=membership, notifications=list(rows)
    )
    return redirect(clinic_url(request, "makeup-queue"))
