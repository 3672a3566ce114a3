"""Today's roster: who is due where, and one click per patient to mark attendance."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from iop import selectors as core_selectors
from iop.roles import Capability
from iop.views.core import actor_of, clinic_of, clinic_page, clinic_url

from . import selectors, services

C = Capability
BUTTONS = [
    ("present", "Present", "P"),
    ("late", "Late", "L"),
    ("left_early", "Left early", "E"),
    ("absent", "Absent", "A"),
    ("excused", "Excused", "X"),
]


def _day(request: HttpRequest) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@clinic_page(C.PATIENTS_READ)
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    day = _day(request)
    site = request.GET.get("site", "")
    site_id = int(site) if site.isdigit() else None
    return render(
        request,
        "scheduling/roster.html",
        {
            "day": day,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "sessions": selectors.roster(clinic=clinic, day=day, site_id=site_id),
            "sites": core_selectors.site_list(clinic=clinic).filter(is_active=True),
            "site_id": site_id,
            "buttons": BUTTONS,
            "can_mark": request.membership.can(C.SCHEDULE_MANAGE),  # type: ignore[attr-defined]
        },
    )


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def attendance_mark(request: HttpRequest, attendance_id: int) -> HttpResponse:
    row = selectors.attendance_get(clinic=clinic_of(request), attendance_id=attendance_id)
    previous = row.status
    error = ""
    try:
        services.attendance_mark(
            row, actor=actor_of(request), status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "scheduling/_roster_row.html",
            {"row": row, "buttons": BUTTONS, "can_mark": True, "undo": previous, "error": error},
        )
    if error:
        messages.error(request, error)
    return redirect(f"{clinic_url(request, 'roster')}?date={row.session.day:%Y-%m-%d}#row-{row.pk}")


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    session = selectors.session_get(clinic=clinic, session_id=session_id)
    number = request.POST.get("record_number", "").strip()
    patient = core_selectors.patient_list(clinic=clinic).filter(record_number=number).first()
    if patient is None:
        messages.error(request, f"No patient has record number {number or '(empty)'}.")
    else:
        try:
            services.walk_in_add(session=session, patient=patient, actor=actor_of(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{patient.display_name} added as a walk-in.")
    return redirect(f"{clinic_url(request, 'roster')}?date={session.day:%Y-%m-%d}")


@clinic_page(C.PATIENTS_READ)
@require_GET
def weekly_hours(request: HttpRequest) -> HttpResponse:
    """Every patient seen this week against the weekly minimum; at-risk and under first."""
    from .ledger import week_start, weeks_for

    clinic = clinic_of(request)
    monday = week_start(_day(request) if "date" in request.GET else timezone.localdate())
    weeks = list(weeks_for(clinic=clinic, start=monday).values())
    weeks.sort(key=lambda w: (not w.under_minimum, not w.at_risk, w.patient.legal_last_name))
    return render(
        request,
        "scheduling/weekly_hours.html",
        {
            "weeks": weeks,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - datetime.timedelta(weeks=1),
            "next": monday + datetime.timedelta(weeks=1),
        },
    )
