"""The first screen after sign-in: each role lands on its day (UI.md "Each role lands on its
day"). The front desk's day is the Today roster itself; a therapist, a case manager and an
admin get their own work, put together from what the features registered in
`iop.hooks.day_panels` (the calendar cannot import them), under what needs them now
(`iop.hooks.today_panels`: open safety tasks)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from iop import clock, hooks
from iop.roles import Capability
from iop.views.core import clinic_of, clinic_page

from . import views

C = Capability


def panels_for(request: HttpRequest) -> list[tuple[hooks.DayPanel, dict[str, Any]]]:
    role = request.membership.role  # type: ignore[attr-defined]
    return [(panel, panel.context(request)) for panel in hooks.day_panels if role in panel.roles]


@clinic_page(C.PATIENTS_READ)
@require_GET
def clinic_home(request: HttpRequest) -> HttpResponse:
    """The person's day; the roster for roles whose day it is (front desk, nurse, auditor)."""
    clinic = clinic_of(request)
    panels = panels_for(request)
    if not panels:
        return views.roster(request, clinic_slug=clinic.slug)
    return render(
        request,
        "scheduling/day.html",
        {
            "day": clock.today(clinic),
            "urgent": views.today_panels_for(request),
            "day_panels": panels,
        },
    )
