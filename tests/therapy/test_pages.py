"""Therapy pages: the week view (pinned queries), the chart section, notes and plans in the
browser flow, the unsigned list."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.roles import Role
from scheduling.week import time_grid
from tests.conftest import Tenant
from tests.therapy.records import individual_session
from therapy import selectors

WEEK_VIEW_QUERIES = 10  # with the patients to book by hand; an empty week skips two prefetches


def week_queries(tenant: Tenant, week: datetime.date) -> int:
    client = tenant.client_for(Role.THERAPIST)
    client.get(f"/c/{tenant.clinic.slug}/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{tenant.clinic.slug}/therapy/week/", {"week": f"{week}"})
    assert page.status_code == 200
    return len(queries)


def test_the_week_view_shows_sessions_and_open_time_in_pinned_queries(clinic_a: Tenant) -> None:
    monday = clock.today(clinic_a.clinic) + datetime.timedelta(weeks=3)
    monday -= datetime.timedelta(days=monday.weekday())

    def book(n: int) -> None:
        individual_session(
            clinic_a.patient, lead=clinic_a.members[Role.THERAPIST],
            day=monday + datetime.timedelta(days=n), hour=15,
        )  # fmt: skip

    book(0)
    one = week_queries(clinic_a, monday)
    for n in range(1, 4):
        book(n)
    assert one == week_queries(clinic_a, monday) == WEEK_VIEW_QUERIES
    page = clinic_a.client_for(Role.THERAPIST).get(
        f"/c/{clinic_a.clinic.slug}/therapy/week/", {"week": f"{monday}"}
    )
    html = page.content.decode()
    assert html.count("week-item--session") >= 4 + 1  # four sessions and the legend
    assert "week-item--open" in html
    assert clinic_a.patient.record_number in html


def test_the_week_is_a_time_grid_of_working_days_only(clinic_a: Tenant) -> None:
    """Like a calendar app: a column per working day (the fixture therapist works Monday to
    Friday and Saturday mornings), a row per half hour, each session in the row of its start
    spanning its length."""
    monday = clock.today(clinic_a.clinic) + datetime.timedelta(weeks=3)
    monday -= datetime.timedelta(days=monday.weekday())
    therapist = clinic_a.members[Role.THERAPIST]
    session = individual_session(clinic_a.patient, lead=therapist, day=monday, hour=15)
    page = clinic_a.client_for(Role.THERAPIST).get(
        f"/c/{clinic_a.clinic.slug}/therapy/week/", {"week": f"{monday}"}
    )
    html = page.content.decode()
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head
    days = re.findall(r'<th scope="col">(\w{3}) ', head.group(1))
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]  # no Sunday
    assert "Not working" not in html
    # Hour labels down the side; the 50-minute session starts at 3 PM and spans two rows.
    assert re.search(r'<th scope="row" class="time-grid__time">3 PM</th>', html)
    cell = re.search(
        r'<td rowspan="(\d+)" class="time-grid__cell">\s*'
        r'<div class="week-item week-item--session">\s*<span class="week-item__time">3:00 PM',
        html,
    )
    assert cell
    assert cell.group(1) == "2"
    assert f"/therapy/sessions/{session.pk}/" in html
    # Every row has one cell per day or a day's cell spanning it: the grid is whole.
    grid = time_grid(
        selectors.therapist_week(clinic=clinic_a.clinic, therapist=therapist, monday=monday),
        tz=clock.zone(clinic_a.clinic),
    )
    spans = [0] * len(grid.days)
    for row in grid.rows:
        for n, cell_ in enumerate(row.cells):
            assert (cell_ is False) == (spans[n] > 0)
            spans[n] = cell_.rows - 1 if cell_ else max(0, spans[n] - 1)


def test_an_admin_picks_the_therapist(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    page = clinic_a.client_for(Role.ADMIN).get(
        f"/c/{clinic_a.clinic.slug}/therapy/week/", {"therapist": therapist.pk}
    )
    assert page.context["therapist"] == therapist
    assert page.context["therapists"] is not None


def test_the_chart_shows_the_therapy_section_to_the_team_only(clinic_a: Tenant) -> None:
    url = f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    team = clinic_a.client_for(Role.CASE_MANAGER).get(url).content.decode()
    assert 'id="therapy"' in team
    assert "Treatment plan, version 1" in team
    assert "Part 2" in team
    for role in (Role.FRONT_DESK, Role.NURSE):
        html = clinic_a.client_for(role).get(url).content.decode()
        assert 'id="therapy"' not in html
        assert "Reported two cravings" not in html


def test_write_and_sign_a_note_in_the_browser_flow(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.THERAPIST)
    day = clock.today(clinic_a.clinic) - datetime.timedelta(days=1)
    session = individual_session(
        clinic_a.patient, lead=clinic_a.members[Role.THERAPIST], day=day, hour=19
    )
    base = f"/c/{clinic_a.clinic.slug}/therapy"
    unsigned = client.get(f"{base}/notes/unsigned/").content.decode()
    assert f"/therapy/sessions/{session.pk}/note/" in unsigned
    form = {
        "data": "Calm.",
        "assessment": "",
        "plan": "Next week.",
        "part2": "on",
        "action": "sign",
    }
    refused = client.post(f"{base}/sessions/{session.pk}/note/", form)
    assert refused.status_code == 200
    assert "Write this section before signing." in refused.content.decode()
    form["assessment"] = "Progressing."
    signed = client.post(f"{base}/sessions/{session.pk}/note/", form)
    assert signed.status_code == 302
    note_page = client.get(signed["Location"]).content.decode()
    assert "Signed by" in note_page
    assert "Part 2" in note_page
    # The write page of a signed note leads to the note; nothing can be changed there.
    again = client.post(f"{base}/sessions/{session.pk}/note/", form)
    assert again.status_code == 302
