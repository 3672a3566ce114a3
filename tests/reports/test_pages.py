"""The report pages, CSV exports and API over the hand-built cohort: the same figures as
tests/reports/test_figures.py, small cells hidden for outside exports, bad filters refused
with field messages, every read audited, and query counts that do not grow with patients."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop import services as core
from iop.models import AuditEvent, Clinic
from iop.roles import Role
from iop.tenancy import clinic_context
from progress import services as progress
from scheduling import services as calendar
from tests import factories
from tests.reports import cohort as handmade
from tests.reports.cohort import MARCH, TODAY, d

pytestmark = pytest.mark.instant(TODAY)
RANGE = {"start": MARCH[0].isoformat(), "end": MARCH[1].isoformat()}


@pytest.fixture
def built(db: None) -> handmade.Cohort:
    return handmade.build()


def browser(built: handmade.Cohort, role: str = Role.ADMIN) -> Client:
    member = built.admin if role == Role.ADMIN else factories.member(built.clinic, role)
    client = Client()
    client.force_login(member.user)
    return client


def url(built: handmade.Cohort, path: str) -> str:
    return f"/c/{built.clinic.slug}/reports/{path}"


def rows_of(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def test_the_stays_page_shows_the_figures_how_they_are_computed_and_the_definitions(
    built: handmade.Cohort,
) -> None:
    page = browser(built).get(url(built, "stays/"), RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    # Completion 3 of 5 = 60 %, early drop-out 2 of 5 (test_figures works them out).
    assert (
        '<th scope="row">Completed</th><td class="num">3</td><td class="num">5</td>'
        '<td class="num">60.0</td>' in html
    )
    assert "How this is computed" in html
    assert "Transfers and step-downs count as completion" in html
    assert "yes (SAMHSA TEDS)" in html
    assert 'role="img"' in html  # the chart, with its data table beside it
    assert "Data table: median length of stay" in html
    with clinic_context(built.clinic.pk):
        event = AuditEvent.objects.filter(clinic=built.clinic).latest("id")
    assert (event.action, event.changed_fields) == ("view", ["report:stays"])


@pytest.mark.parametrize("name", ["census", "stays", "attendance", "outcomes"])
def test_every_report_page_renders_for_the_range(built: handmade.Cohort, name: str) -> None:
    page = browser(built).get(url(built, f"{name}/"), RANGE)
    assert page.status_code == 200
    assert page.content.decode().count("How this is computed") >= 1


def test_the_clinic_csv_keeps_the_numbers_and_the_outside_one_hides_small_cells(
    built: handmade.Cohort,
) -> None:
    client = browser(built)
    own = client.get(url(built, "stays/export.csv"), RANGE)
    assert own.status_code == 200
    assert own["Content-Type"].startswith("text/csv")
    rows = rows_of(own.content.decode())
    assert ["Completed", "3", "5", "60.0"] in rows
    assert ["From", "2026-03-02"] in rows
    outside = client.get(url(built, "stays/export.csv"), {**RANGE, "audience": "outside"})
    rows = rows_of(outside.content.decode())
    # 3 of 5: both under 11, so the count, the total and the rate are hidden.
    assert ["Completed", "< 11", "< 11", "< 11"] in rows
    assert ["Small cells", "Counts from 1 to 10 are shown as < 11."] in rows
    assert "60.0" not in outside.content.decode()
    with clinic_context(built.clinic.pk):
        event = AuditEvent.objects.filter(clinic=built.clinic).latest("id")
    assert (event.action, event.changed_fields) == (
        "export",
        ["export:csv-outside", "report:stays"],
    )


def test_zero_is_not_a_small_cell(built: handmade.Cohort) -> None:
    body = (
        browser(built)
        .get(url(built, "census/export.csv"), {**RANGE, "audience": "outside"})
        .content.decode()
    )
    # The week of 9 March had no admissions: 0 is shown, 2 discharges are not.
    rows = rows_of(body)
    weeks = rows[rows.index(["Admissions and discharges by week"]) :]
    week = next(row for row in weeks if row[:1] == ["2026-03-09"])
    assert week[1:3] == ["0", "< 11"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-03-29", "end": "2026-03-02"}, "end", "on or after the start"),
        ({"start": "2026-02-30"}, "start", "valid date"),
        ({"start": "1800-01-01"}, "start", "between 1900 and 2200"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end", "at most 731 days"),
        ({"track": "999999"}, "track", "valid choice"),
        ({"level_of_care": "inpatient"}, "level_of_care", "valid choice"),
    ],
)
def test_bad_filters_are_refused_with_the_fields_message(
    built: handmade.Cohort, query: dict[str, str], field: str, message: str
) -> None:
    page = browser(built).get(url(built, "census/"), query)
    assert page.status_code == 400
    assert message in page.content.decode()
    export = browser(built).get(url(built, "census/export.csv"), query)
    assert export.status_code == 400
    assert field in export.content.decode()
    _, secret = factories.api_token(built.admin)
    api = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/reports/census", query)
    assert api.status_code == 400
    assert message in str(api.json())


def test_the_api_returns_the_same_tables(built: handmade.Cohort) -> None:
    _, secret = factories.api_token(built.admin)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    body = client.get("/api/v1/reports/stays", RANGE).json()
    assert body["report"] == "stays"
    completion = next(t for t in body["tables"] if t["slug"] == "completion")
    assert completion["rows"][0] == ["Completed", 3, 5, 60.0]
    assert completion["how"].startswith("Completion (TEDS)")
    assert {"name": "From", "value": "2026-03-02"} in body["filters"]
    outside = client.get("/api/v1/reports/stays", {**RANGE, "audience": "outside"}).json()
    completion = next(t for t in outside["tables"] if t["slug"] == "completion")
    assert completion["rows"][0] == ["Completed", "< 11", "< 11", "< 11"]
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/reports/outcomes" in schema["paths"]
    assert schema["paths"]["/api/v1/reports/census"]["get"]["operationId"] == "report_census"


def test_the_filters_narrow_the_report(built: handmade.Cohort) -> None:
    _, secret = factories.api_token(built.admin)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    body = client.get(
        "/api/v1/reports/stays", {**RANGE, "track": built.evening.pk, "level_of_care": "asam_2_5"}
    ).json()
    # Evening and PHP: Eve's stay alone, 38 days, a step-down counted as completion.
    length = next(t for t in body["tables"] if t["slug"] == "length-track")
    assert length["rows"][0] == ["All stays", 1, 38.0, 38.0]
    assert {"name": "Track", "value": "Evening IOP"} in body["filters"]


def test_an_admin_changes_the_definitions_and_the_report_prints_them(
    built: handmade.Cohort,
) -> None:
    client = browser(built)
    saved = client.post(
        url(built, "settings/"), {"early_dropout_days": "30", "measure_window_days": "7"}
    )
    assert saved.status_code == 302
    html = client.get(url(built, "stays/"), RANGE).content.decode()
    assert "only (transfers and step-downs are not counted with it)" in html
    assert "<dd>30 days</dd>" in html
    refused = client.post(
        url(built, "settings/"), {"early_dropout_days": "0", "measure_window_days": "7"}
    )
    assert refused.status_code == 400
    assert "greater than or equal to 1" in refused.content.decode()


# --- query budgets: a report's queries do not grow with its patients --------------------------

BUDGETS = {"census": 13, "stays": 14, "attendance": 16, "outcomes": 17}


def _crowd(built: handmade.Cohort, n: int) -> None:
    """`n` more patients on the morning track, each with a session attended, a PHQ-9 pair and
    a discharge, so every query of every report has rows for them."""
    actor = built.admin.user
    session = calendar.session_create(
        clinic=built.clinic,
        actor=actor,
        kind="group",
        track=built.morning,
        day=d(3, 17),
        starts_at=_at(built.clinic, d(3, 17), 13),
        ends_at=_at(built.clinic, d(3, 17), 16),
    )
    for i in range(n):
        patient = factories.patient(built.clinic, actor=actor, legal_first_name=f"Crowd{i}")
        stay = core.enrollment_create(
            patient=patient, actor=actor, track=built.morning, admission_date=d(3, 9)
        )
        row = calendar.attendance_add(session=session, patient=patient, actor=actor)
        row.session = session
        calendar.attendance_mark(row, actor=actor, status="present")
        for on, answers in ((d(3, 9), handmade.PHQ9[12]), (d(3, 20), handmade.PHQ9[4])):
            progress.measure_submit(
                clinic=built.clinic,
                actor=actor,
                patient=patient,
                instrument="phq9",
                answers=answers,
                administered_on=on,
            )
        core.enrollment_transition(stay, actor=actor, status="completed", on=d(3, 27))


def _at(clinic: Clinic, day: datetime.date, hour: int) -> datetime.datetime:
    return clock.at(clock.zone(clinic), day, datetime.time(hour))


@pytest.mark.parametrize("extra", [0, 12])
def test_report_query_counts_are_pinned_and_flat(built: handmade.Cohort, extra: int) -> None:
    _crowd(built, extra)
    client = browser(built)
    client.get(url(built, ""))  # the session settled
    counts, sql = {}, {}
    for name in BUDGETS:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url(built, f"{name}/"), RANGE)
        assert page.status_code == 200
        counts[name], sql[name] = len(queries), [q["sql"][:120] for q in queries]
    assert counts == BUDGETS, sql
