"""Today's roster: who is due where, and one click per patient to mark attendance."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from iop import bounds, clock, hooks
from iop import selectors as core_selectors
from iop.models import Clinic, Track
from iop.roles import Capability
from iop.tenancy import clinic_context
from iop.views.core import (
    actor_of,
    attempt,
    clinic_of,
    clinic_page,
    clinic_url,
    form_errors_from,
)
from scheduling.models import Topic

from . import selectors, services
from .charts import CHART_WEEKS, clinic_hours_chart
from .feeds import feed_create, feed_revoke, feed_sessions, to_ics
from .forms import (
    AttendanceTimesForm,
    BlockEditFormSet,
    BlockFormSet,
    ClosureForm,
    RoomForm,
    TrackEditForm,
    TrackForm,
    WalkInForm,
)
from .ledger import weeks_for
from .models import AttendanceTodo, Closure, Room, SessionStatus
from .roster_rows import ATTENDED_WITH_TIMES, RosterUrls, roster_row, times_form
from .week import staff_week, time_grid

C = Capability


def _roster_urls(request: HttpRequest) -> RosterUrls:
    """The roster's per-row links as base URLs, reversed once a page rather than once a row
    (a row appends its id and a slash): marking a row, and a patient's chart."""
    return RosterUrls(
        mark=clinic_url(request, "attendance-mark", attendance_id=0).removesuffix("0/"),
        chart=clinic_url(request, "patient-chart", patient_id=0).removesuffix("0/"),
    )


def _day(request: HttpRequest) -> datetime.date:
    """The `?date=` asked for, else the clinic's today."""
    return bounds.day_param(request.GET.get("date"), clock.today(clinic_of(request)))


def _topics_by_group_type(clinic: Any) -> dict[int, list[Any]]:
    topics: dict[int, list[Any]] = {}
    for topic in Topic.objects.filter(clinic=clinic, is_active=True).order_by("order", "name"):
        topics.setdefault(topic.group_type_id, []).append(topic)
    return topics


def today_panels_for(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    """What the features put above the day's lists for this person (iop.hooks.today_panels)."""
    membership = request.membership  # type: ignore[attr-defined]
    shown = []
    for panel in hooks.today_panels:
        if panel.capability and not membership.can(panel.capability):
            continue
        values = panel.context(request)
        if values is not None:
            shown.append((panel.template, values))
    return shown


# Compressed: 300 rows are ~10x smaller on the wire. Only this page, not every HTML response
# (no GZipMiddleware): compression leaks a secret in a body through its size (BREACH) when an
# attacker can also put chosen text in that body. The roster echoes nothing an attacker can
# choose (`?date=` and `?site=` come back parsed, as a date and a number), its one secret is
# the CSRF token, which Django masks afresh in every response, and Django's gzip adds random
# bytes to each response's length ("Heal the Breach"). Other pages echo search terms and
# form input beside patient data; they stay uncompressed until each is weighed the same way.
@gzip_page
@clinic_page(C.PATIENTS_READ)
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    """The Today page (also the clinic's home) or, with `?date=`, any day's lists."""
    clinic = clinic_of(request)
    site = request.GET.get("site", "")
    site_id = int(site) if site.isdigit() else None
    chosen = "date" in request.GET
    day = _day(request) if chosen else clock.today(clinic)
    sessions = selectors.roster(clinic=clinic, day=day, site_id=site_id)
    # On a day nothing runs (a Sunday, a holiday) the Today page shows the next open day's
    # lists under a plain note, not an empty page: the first screen is the work to come.
    off = None
    if not chosen and all(s.session.status == SessionStatus.CANCELLED for s in sessions):
        off = selectors.day_off(clinic=clinic, day=day, site_id=site_id)
        if off.next_open is not None:
            day = off.next_open
            sessions = selectors.roster(clinic=clinic, day=day, site_id=site_id)
    # The next open day's lists are there to read ahead, not to mark a day early.
    can_mark = off is None and request.membership.can(C.SCHEDULE_MANAGE)  # type: ignore[attr-defined]
    return render(
        request,
        "scheduling/roster.html",
        {
            "day": day,
            "day_off": off,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1),
            "sessions": sessions,
            "sites": core_selectors.site_list(clinic=clinic).filter(is_active=True),
            "site_id": site_id,
            "urls": _roster_urls(request),
            "can_mark": can_mark,
            "topics": _topics_by_group_type(clinic),
            "panels": today_panels_for(request),
            "todos": AttendanceTodo.objects.filter(clinic=clinic, resolved_at__isnull=True)
            .select_related("session__track", "session__group_type")
            .order_by("session__starts_at")[:20],
        },
    )


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def attendance_mark(request: HttpRequest, attendance_id: int) -> HttpResponse:
    row = selectors.attendance_get(clinic=clinic_of(request), attendance_id=attendance_id)
    previous = row.status
    status = request.POST.get("status", "")
    error = ""
    times = AttendanceTimesForm(request.POST)
    try:
        if not times.is_valid():
            errors = times.errors.items()
            raise ValidationError([f"{times[f].label}: {' '.join(map(str, e))}" for f, e in errors])
        services.attendance_mark(
            row,
            actor=actor_of(request),
            status=status,
            **times.moments(row.session.day, clock.zone(clinic_of(request))),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:  # type: ignore[attr-defined]
        # A refused late or left-early mark opens its times form to type the time in.
        retry = error and status in ATTENDED_WITH_TIMES
        return _row_swap(
            roster_row(
                row,
                urls=_roster_urls(request),
                can_mark=True,
                started=row.session.starts_at <= clock.now(),
                undo=previous,
                error=error,
                times=status if retry else "",
            )
        )
    if error:
        messages.error(request, error)
    return redirect(_roster_at(request, row))


def _row_swap(row_html: str) -> HttpResponse:
    """A roster row for htmx to swap in place. Its form or link is boosted, and htmx puts a
    boosted request's URL in the address bar whatever `hx-push-url` says; the header stops
    it (a reload would GET the marking URL)."""
    return push_url(HttpResponse(row_html), False)


def _roster_at(request: HttpRequest, row: Any) -> str:
    return f"{clinic_url(request, 'roster')}?date={row.session.day:%Y-%m-%d}#row-{row.pk}"


@clinic_page(C.SCHEDULE_MANAGE)
@require_GET
def attendance_times(request: HttpRequest, attendance_id: int) -> HttpResponse:
    """A row's arrival and departure form, asked for by its Times link: the row with the form
    open (htmx), or a page of its own without script."""
    row = selectors.attendance_get(clinic=clinic_of(request), attendance_id=attendance_id)
    # Cleared or marked absent since the page was drawn: no form, the row as it is now.
    times = row.status if row.status in ATTENDED_WITH_TIMES else ""
    urls = _roster_urls(request)
    if request.htmx:  # type: ignore[attr-defined]
        started = row.session.starts_at <= clock.now()
        return _row_swap(roster_row(row, urls=urls, can_mark=True, started=started, times=times))
    if not times:
        return redirect(_roster_at(request, row))
    return render(
        request,
        "scheduling/attendance_times.html",
        {
            "row": row,
            "form": times_form(row, urls, times, csrf_token=get_token(request)),
            "back": _roster_at(request, row),
        },
    )


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def mark_remaining(request: HttpRequest, session_id: int) -> HttpResponse:
    """ "Mark all remaining present" for one session, or (with `undo`: the rows it marked)
    its one undo."""
    clinic = clinic_of(request)
    session = selectors.session_get(clinic=clinic, session_id=session_id)
    undo_ids = request.POST.getlist("undo")
    notice, error, marked = "", "", []
    try:
        if undo_ids:
            if not all(pk.isdigit() for pk in undo_ids):
                raise ValidationError("The undo names rows that are not on this list; reload.")
            undone = services.attendance_mark_remaining_undo(
                session=session, actor=actor_of(request), attendance_ids=list(map(int, undo_ids))
            )
            notice = f"{len(undone)} mark{pluralize(len(undone))} undone."
        else:
            marked = services.attendance_mark_remaining(session=session, actor=actor_of(request))
            notice = f"{len(marked)} marked present."
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect(
            f"{clinic_url(request, 'roster')}?date={session.day:%Y-%m-%d}#session-{session.pk}"
        )
    return render(
        request,
        "scheduling/_roster_session.html",
        {
            "item": selectors.roster_session(clinic=clinic, session_id=session.pk),
            "urls": _roster_urls(request),
            "can_mark": True,
            "topics": _topics_by_group_type(clinic),
            "notice": notice,
            "error": error,
            "marked": [row.pk for row in marked],
        },
    )


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    session = selectors.session_get(clinic=clinic, session_id=session_id)
    form = WalkInForm(request.POST)
    patient = None
    if form.is_valid():
        number = form.cleaned_data["record_number"]
        patient = core_selectors.patient_list(clinic=clinic).filter(record_number=number).first()
    if not form.is_valid():
        problems = " ".join(str(m) for m in form.errors["record_number"])
        messages.error(request, f"Record number: {problems}")
    elif patient is None:
        messages.error(request, f"No patient has record number {number}.")
    else:
        attempt(
            request,
            lambda: services.walk_in_add(session=session, patient=patient, actor=actor_of(request)),
            success=f"{patient.display_name} added as a walk-in.",
        )
    return redirect(f"{clinic_url(request, 'roster')}?date={session.day:%Y-%m-%d}")


SIGN_IN_BLANK_ROWS = 3  # for walk-ins, written in by hand


@clinic_page(C.PATIENTS_READ)
@require_GET
def sign_in_sheet(request: HttpRequest, session_id: int) -> HttpResponse:
    """One session's printable sign-in sheet: who is expected (preferred names), a column
    to sign in and the times; nothing to click. The same two queries as the roster."""
    item = selectors.roster_session(clinic=clinic_of(request), session_id=session_id)
    return render(
        request,
        "scheduling/sign_in_sheet.html",
        {"item": item, "blank_rows": range(SIGN_IN_BLANK_ROWS)},
    )


@clinic_page(C.PATIENTS_READ)
@require_GET
def weekly_hours(request: HttpRequest) -> HttpResponse:
    """Every patient seen this week against the weekly minimum; at-risk and under first."""
    clinic = clinic_of(request)
    monday = clock.week_start(_day(request))
    first = monday - datetime.timedelta(weeks=CHART_WEEKS - 1)
    ledger = weeks_for(clinic=clinic, start=first, weeks=CHART_WEEKS)  # one query
    mondays = [first + datetime.timedelta(weeks=n) for n in range(CHART_WEEKS)]
    chart = clinic_hours_chart(
        weeks=[(m, [w for w in ledger.values() if w.start == m]) for m in mondays],
        minimum=clinic.weekly_minimum_minutes_adult,
        adolescent_minimum=clinic.weekly_minimum_minutes_adolescent,
        shown=monday,
        current=clock.week_start(clock.today(clinic)),
    )
    weeks = [w for w in ledger.values() if w.start == monday]
    weeks.sort(key=lambda w: (not w.under_minimum, not w.at_risk, w.patient.legal_last_name))
    return render(
        request,
        "scheduling/weekly_hours.html",
        {
            "weeks": weeks,
            "chart": chart,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - datetime.timedelta(weeks=1),
            "next": monday + datetime.timedelta(weeks=1),
        },
    )


# --- Configuration: tracks, rooms, closures ---------------------------------------------------


@clinic_page(C.STAFF_READ)
@require_GET
def track_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    tracks = (
        Track.objects.filter(clinic=clinic)
        .select_related("site")
        .prefetch_related("blocks__group_type", "blocks__room")
        .annotate(enrolled=Count("enrollments", filter=Q(enrollments__status="active")))
        .order_by("-is_active", "starts_at", "name")
    )
    clashes = selectors.staffing_clashes(clinic=clinic, since=clock.today(clinic))
    return render(
        request,
        "scheduling/track_list.html",
        {
            "tracks": tracks,
            "clashes": clashes,
            "clash_kinds": sorted({c.missing for c in clashes}),
            "rooms": Room.objects.filter(clinic=clinic),
            "closures": Closure.objects.filter(clinic=clinic, date__gte=clock.today(clinic)),
            "room_form": RoomForm(),
            "closure_form": ClosureForm(),
        },
    )


@clinic_page(C.CLINIC_CONFIGURE)
def track_create(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = TrackForm(request.POST or None, clinic=clinic)
    blocks = BlockFormSet(request.POST or None, form_kwargs={"clinic": clinic}, prefix="blocks")
    if request.method == "POST" and form.is_valid() and blocks.is_valid():
        template = [b.cleaned_data for b in blocks if b.cleaned_data]
        if not template:  # the common case: one group block per day, the track's hours
            template = [
                {"weekday": day, "starts_at": form.cleaned_data["starts_at"],
                 "ends_at": form.cleaned_data["ends_at"], "kind": "group"}
                for day in form.cleaned_data["weekdays"]
            ]  # fmt: skip
        try:
            track = services.track_create(
                clinic=clinic, actor=actor_of(request), blocks=template, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            services.generate_on_commit(clinic)
            messages.success(
                request, f"Track “{track.name}” created; its sessions are being generated."
            )
            return redirect(clinic_url(request, "track-list"))
    return render(request, "scheduling/track_form.html", {"form": form, "blocks": blocks})


@clinic_page(C.CLINIC_CONFIGURE)
def track_edit(request: HttpRequest, track_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    track = selectors.track_get(clinic=clinic, track_id=track_id)
    # Not bound to the instance: the service compares the track with what was submitted.
    initial = model_to_dict(track, fields=TrackEditForm.Meta.fields)
    form = TrackEditForm(request.POST or None, initial=initial, clinic=clinic)
    current = [
        {"weekday": b.weekday, "starts_at": b.starts_at, "ends_at": b.ends_at, "kind": b.kind,
         "group_type": b.group_type_id, "room": b.room_id, "lead": b.lead_id}
        for b in track.blocks.all()
    ]  # fmt: skip
    blocks = BlockEditFormSet(
        request.POST or None, initial=current, form_kwargs={"clinic": clinic}, prefix="blocks"
    )
    if request.method == "POST" and form.is_valid() and blocks.is_valid():
        template = [
            b.cleaned_data
            for b in blocks
            if b.cleaned_data and not b.cleaned_data.pop("DELETE", False)
        ]
        try:
            services.track_update(
                track, actor=actor_of(request), blocks=template, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            services.generate_on_commit(clinic)
            messages.success(
                request, f"Track “{track.name}” saved; its coming sessions follow the change."
            )
            return redirect(clinic_url(request, "track-list"))
    return render(
        request, "scheduling/track_form.html", {"form": form, "blocks": blocks, "track": track}
    )


@clinic_page(C.CLINIC_CONFIGURE)
@require_POST
def room_create(request: HttpRequest) -> HttpResponse:
    form = RoomForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.room_create(
                clinic=clinic_of(request), actor=actor_of(request), **form.cleaned_data
            ),
            success="Room added.",
        )
    else:
        messages.error(request, "Give the room a name and a capacity.")
    return redirect(clinic_url(request, "track-list") + "#rooms")


@clinic_page(C.CLINIC_CONFIGURE)
@require_POST
def closure_create(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.closure_add(
                clinic=clinic_of(request), actor=actor_of(request), **form.cleaned_data
            ),
            success=lambda cancelled: f"Closed that day; {cancelled} session(s) cancelled.",
        )
    else:
        messages.error(request, "Enter the date and a reason.")
    return redirect(clinic_url(request, "track-list") + "#closures")


@clinic_page(C.SCHEDULE_MANAGE)
@require_POST
def session_topic(request: HttpRequest, session_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    session = selectors.session_get(clinic=clinic, session_id=session_id)
    raw = request.POST.get("topic", "")
    topic = Topic.objects.filter(clinic=clinic, pk=int(raw)).first() if raw.isdigit() else None
    attempt(
        request,
        lambda: services.session_set_topic(session, actor=actor_of(request), topic=topic),
        success="Topic saved.",
    )
    return redirect(
        f"{clinic_url(request, 'roster')}?date={session.day:%Y-%m-%d}#session-{session.pk}"
    )


# --- Calendar feeds ---------------------------------------------------------------------------


def ics_feed(request: HttpRequest, clinic_slug: str, token: str) -> HttpResponse:
    """Public by design (calendar apps cannot sign in): the secret token is the key."""
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    if clinic is None:
        raise Http404
    with clinic_context(clinic.pk):
        sessions = feed_sessions(clinic=clinic, token=token)
        if sessions is None:
            raise Http404
        body = to_ics(clinic=clinic, sessions=sessions, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@clinic_page(C.STAFF_READ)
def my_calendar(request: HttpRequest) -> HttpResponse:
    """The sessions the member leads, a week at a time on a time grid (`?date=` any day of
    the week), and the secret address that puts them in their own calendar app."""
    clinic, membership = clinic_of(request), request.membership  # type: ignore[attr-defined]
    url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed_revoke(clinic=clinic, actor=actor_of(request), membership=membership)
            messages.success(request, "Your calendar address no longer works.")
        else:
            token = feed_create(clinic=clinic, actor=actor_of(request), membership=membership)
            url = request.build_absolute_uri(f"/feeds/{clinic.slug}/{token}.ics")
    monday = clock.week_start(_day(request))
    days = staff_week(clinic=clinic, member=membership, monday=monday)
    return render(
        request,
        "scheduling/my_calendar.html",
        {
            "feed_url": url,
            "monday": monday,
            "grid": time_grid(days, tz=clock.zone(clinic)),
            "sessions": sum(len(d.items) for d in days),
            "this_week": clock.week_start(clock.today(clinic)),
            "previous": monday - datetime.timedelta(weeks=1),
            "next": monday + datetime.timedelta(weeks=1),
            "tz": clinic.timezone,
        },
    )


@clinic_page(C.PATIENTS_WRITE)
@require_POST
def patient_calendar(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = clinic_of(request)
    patient = core_selectors.patient_get(clinic=clinic, patient_id=patient_id)
    if request.POST.get("action") == "revoke":
        feed_revoke(clinic=clinic, actor=actor_of(request), patient=patient)
        messages.success(request, "The patient's calendar address no longer works.")
        return redirect(clinic_url(request, "patient-chart", patient_id=patient.pk))
    token = feed_create(clinic=clinic, actor=actor_of(request), patient=patient)
    url = request.build_absolute_uri(f"/feeds/{clinic.slug}/{token}.ics")
    return render(
        request, "scheduling/patient_calendar.html", {"patient": patient, "feed_url": url}
    )
