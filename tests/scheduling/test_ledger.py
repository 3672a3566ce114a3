"""The hours ledger against hand-computed weeks.

Sources: ASAM Criteria (3rd ed.), Level 2.1 intensive outpatient: adults 9 or more hours of
service a week, adolescents 6 or more (DOMAIN.md: "adolescent = under 18 on the days of that
week, not today"); HCPCS H0015 long descriptor: "treatment program that operates at least
3 hours/day and at least 3 days/week and is based on an individualized treatment plan".
"""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Authorization, Clinic, Patient
from iop.tenancy import clinic_context
from scheduling import ledger, makeups
from scheduling import services as calendar
from scheduling.ledger import weeks_for
from scheduling.models import Attendance, AttendanceTodo, MissedSession, Session
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PAST_MONDAY = datetime.date(2026, 11, 9)
NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def group(
    tenant: Tenant, day: datetime.date, start: int, hours: int = 3, **kwargs: object
) -> Session:
    begin = datetime.datetime.combine(day, datetime.time(start), tzinfo=CHICAGO)
    return calendar.session_create(
        clinic=tenant.clinic, actor=tenant.admin.user, kind="group", day=day,
        starts_at=begin, ends_at=begin + datetime.timedelta(hours=hours), **kwargs,
    )  # fmt: skip


def on_list(tenant: Tenant, session: Session, patient: Patient, status: str = "expected",
            **times: datetime.datetime) -> Attendance:  # fmt: skip
    row = calendar.attendance_add(session=session, patient=patient, actor=tenant.admin.user)
    row.session = session
    if status != "expected":
        calendar.attendance_mark(row, actor=tenant.admin.user, status=status, **times)
    return row


def adult(tenant: Tenant) -> Patient:
    return factories.patient(tenant.clinic, actor=tenant.admin.user, legal_last_name="Ledger")


def week(tenant: Tenant, patient: Patient, monday: datetime.date) -> object:
    with clinic_context(tenant.clinic.pk):
        return weeks_for(clinic=tenant.clinic, start=monday)[(patient.pk, monday)]


def test_three_full_days_meet_the_adult_minimum(clinic_a: Tenant) -> None:
    patient = adult(clinic_a)
    for offset in (0, 1, 3):
        on_list(
            clinic_a,
            group(clinic_a, PAST_MONDAY + datetime.timedelta(offset), 9),
            patient,
            "present",
        )
    w = week(clinic_a, patient, PAST_MONDAY)
    assert (w.attended, w.scheduled, w.minimum, w.billable_days) == (540, 540, 540, 3)
    assert not w.under_minimum
    assert not w.at_risk


def test_a_late_arrival_drops_the_week_under_and_a_day_from_billing(clinic_a: Tenant) -> None:
    patient = adult(clinic_a)
    monday = group(clinic_a, PAST_MONDAY, 9)
    on_list(
        clinic_a, monday, patient, "late", arrived_at=monday.starts_at + datetime.timedelta(hours=1)
    )
    for offset in (1, 3):
        on_list(
            clinic_a,
            group(clinic_a, PAST_MONDAY + datetime.timedelta(offset), 9),
            patient,
            "present",
        )
    w = week(clinic_a, patient, PAST_MONDAY)
    assert (w.attended, w.billable_days) == (480, 2)
    assert w.under_minimum
    assert w.by_kind["group"] == 480


def test_mid_week_projection_flags_what_cannot_be_reached(clinic_a: Tenant) -> None:
    patient = adult(clinic_a)
    future = datetime.date(2030, 1, 7)  # a Monday far ahead: nothing held yet
    for offset in (0, 1):
        on_list(clinic_a, group(clinic_a, future + datetime.timedelta(offset), 9), patient)
    w = week(clinic_a, patient, future)
    assert (w.attended, w.still_possible, w.reachable) == (0, 360, 360)
    assert w.at_risk
    assert not w.under_minimum
    on_list(clinic_a, group(clinic_a, future + datetime.timedelta(3), 9), patient)
    assert not week(clinic_a, patient, future).at_risk  # 540 still reachable


@pytest.mark.instant("2026-12-02 10:00")
def test_a_held_list_nobody_marked_is_possible_until_its_marking_window_closes(
    clinic_a: Tenant,
) -> None:
    """Held but not marked is unknown, not lost: the week counts it as still possible (not
    under the minimum, only at risk) while the sweep keeps the list on the front desk's
    to-dos; the day the window closes on it, the to-do closes and the hours are lost."""
    patient, today = adult(clinic_a), clock.today(clinic_a.clinic)
    opens = ledger.marking_window_opens(today)
    assert (today - opens).days == ledger.MARKING_WINDOW_DAYS
    assert opens.weekday() == 0  # Monday Nov 2: its week and the week before apart
    inside = group(clinic_a, opens, 9)  # the window's first day: still waiting
    outside = group(clinic_a, opens - datetime.timedelta(days=1), 9)  # Sunday before: closed
    for session in (inside, outside):
        on_list(clinic_a, session, patient)
    w_in = week(clinic_a, patient, opens)
    assert (w_in.attended, w_in.still_possible, w_in.reachable) == (0, 180, 180)
    assert not w_in.under_minimum
    assert w_in.at_risk
    w_out = week(clinic_a, patient, opens - datetime.timedelta(weeks=1))
    assert (w_out.attended, w_out.still_possible) == (0, 0)
    assert w_out.under_minimum
    # The sweep agrees: the list inside the window is a to-do, the other is not; neither
    # is a miss.
    makeups.missed_sweep(clinic=clinic_a.clinic)
    with clinic_context(clinic_a.clinic.pk):
        todos = set(
            AttendanceTodo.objects.filter(resolved_at__isnull=True).values_list(
                "session_id", flat=True
            )
        )
        assert inside.pk in todos
        assert outside.pk not in todos
        assert not MissedSession.objects.filter(session__in=[inside, outside]).exists()
        # A day later the window has closed on it too.
        tomorrow = clock.now() + datetime.timedelta(days=1)
        later = weeks_for(clinic=clinic_a.clinic, start=opens, now=tomorrow)
        assert later[(patient.pk, opens)].still_possible == 0
        assert later[(patient.pk, opens)].under_minimum
    makeups.missed_sweep(clinic=clinic_a.clinic, now=tomorrow)
    with clinic_context(clinic_a.clinic.pk):
        assert AttendanceTodo.objects.get(session=inside).resolved_at is not None


# Born 2011: 15 in that week.
@pytest.mark.instant("2026-12-02 10:00")
def test_adolescents_have_the_lower_minimum(clinic_a: Tenant) -> None:
    teen = factories.patient(
        clinic_a.clinic, actor=clinic_a.admin.user, date_of_birth=datetime.date(2011, 3, 1)
    )
    for offset in (0, 1):
        on_list(
            clinic_a, group(clinic_a, PAST_MONDAY + datetime.timedelta(offset), 9), teen, "present"
        )
    w = week(clinic_a, teen, PAST_MONDAY)
    assert (w.minimum, w.attended, w.under_minimum) == (360, 360, False)


def test_a_week_crossing_the_daylight_saving_change(clinic_a: Tenant) -> None:
    """US clocks go forward at 2 am on Sunday 2026-03-08: a session from 1 to 4 am that
    night lasts two real hours; Monday 9 am belongs to the next week."""
    patient = adult(clinic_a)
    week_start = datetime.date(2026, 3, 2)
    sunday = datetime.date(2026, 3, 8)
    night = group(clinic_a, sunday, 1, hours=3)  # 1:00 to 4:00 on the wall clock
    with clinic_context(clinic_a.clinic.pk):
        stored = Session.objects.get(pk=night.pk)
    assert stored.ends_at - stored.starts_at == datetime.timedelta(hours=2)
    on_list(clinic_a, night, patient, "present")
    on_list(clinic_a, group(clinic_a, datetime.date(2026, 3, 9), 9), patient, "present")
    w = week(clinic_a, patient, week_start)
    assert (w.scheduled, w.attended) == (120, 120)
    assert week(clinic_a, patient, datetime.date(2026, 3, 9)).attended == 180


@pytest.mark.instant("2026-12-02 10:00")
def test_the_ledgers_sql_sums_are_the_python_rule_row_by_row(clinic_a: Tenant) -> None:
    """PostgreSQL sums the ledger; the same rows folded in Python, one by one (real minutes
    by `elapsed_minutes`, attended minutes of attended marks, expected places still open for
    their mark as possible), give the same weeks: every status, a late arrival, a cancelled
    session, a list nobody marked, sessions still to come, an odd-length individual one."""
    patient, other = adult(clinic_a), adult(clinic_a)
    monday = clock.week_start(clock.today(clinic_a.clinic)) - datetime.timedelta(weeks=1)
    day = lambda n: monday + datetime.timedelta(days=n)  # noqa: E731
    late = group(clinic_a, day(0), 9)
    on_list(
        clinic_a, late, patient, "late", arrived_at=late.starts_at + datetime.timedelta(hours=1)
    )
    on_list(clinic_a, late, other, "present")
    for n, status in ((1, "absent"), (2, "excused"), (3, "present"), (4, "expected")):
        on_list(clinic_a, group(clinic_a, day(n), 9), patient, status)
    begin = datetime.datetime.combine(day(3), datetime.time(14, 7, 30), tzinfo=CHICAGO)
    odd = calendar.session_create(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, kind="individual", day=day(3),
        starts_at=begin, ends_at=begin + datetime.timedelta(minutes=50, seconds=50),
    )  # fmt: skip
    on_list(clinic_a, odd, patient, "present")
    cancelled = group(clinic_a, day(5), 9)
    on_list(clinic_a, cancelled, patient, "present")
    for n in (7, 8, 10):  # this week: held, and still to come
        on_list(clinic_a, group(clinic_a, day(n), 9), patient, "present" if n < 9 else "expected")
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=cancelled.pk).update(status="cancelled")
        found = weeks_for(clinic=clinic_a.clinic, start=monday, weeks=2)
        rows = (
            Attendance.objects.filter(clinic=clinic_a.clinic, is_active=True)
            .exclude(session__status="cancelled")
            .select_related("session")
        )
        opens = ledger.marking_window_opens(clock.today(clinic_a.clinic))
        folded: dict[tuple[int, datetime.date], ledger.Week] = {}
        for row in rows:
            key = (row.patient_id, clock.week_start(row.session.day))
            if key[1] not in (monday, day(7)):
                continue  # the fixture's own, outside the two weeks
            w = folded.setdefault(key, ledger.Week(patient=row.patient, start=key[1], minimum=0))
            length = ledger.elapsed_minutes(row.starts_at, row.ends_at)
            w.scheduled += length
            if row.status in ledger.ATTENDED:
                w.attended += row.minutes_attended or 0
                w.by_kind[row.session.kind] += row.minutes_attended or 0
                w.by_day[row.session.day] += row.minutes_attended or 0
            elif row.status == "expected" and row.session.day >= opens:
                w.still_possible += length

    def sums(weeks: dict[tuple[int, datetime.date], ledger.Week]) -> dict[object, object]:
        return {
            key: (w.scheduled, w.attended, w.still_possible, dict(w.by_kind), dict(w.by_day))
            for key, w in weeks.items()
        }

    got, expected = sums(found), sums(folded)
    assert got == expected
    assert got[(patient.pk, monday)][:3] == (180 * 5 + 50, 120 + 180 + 50, 180)


def test_billable_day_threshold_is_a_clinic_setting(clinic_a: Tenant) -> None:
    Clinic.objects.filter(pk=clinic_a.clinic.pk).update(billable_day_minutes=120)
    clinic_a.clinic.refresh_from_db()
    patient = adult(clinic_a)
    short = group(clinic_a, PAST_MONDAY, 9, hours=2)
    on_list(clinic_a, short, patient, "present")
    assert week(clinic_a, patient, PAST_MONDAY).billable_days == 1


def authorization(
    tenant: Tenant,
    start: datetime.date,
    end: datetime.date,
    units: int,
    *,
    code: str = "H0015",
    number: str = "A-7",
    used: int = 0,
) -> Authorization:
    with clinic_context(tenant.clinic.pk):
        return Authorization.objects.create(
            clinic=tenant.clinic, patient=tenant.patient, number=number, service_code=code,
            units_authorized=units, units_used=used, start_date=start, end_date=end,
        )  # fmt: skip


def full_days(tenant: Tenant, *offsets: int) -> None:
    """The tenant's patient present at a three-hour group on each day PAST_MONDAY + offset."""
    for offset in offsets:
        on_list(
            tenant,
            group(tenant, PAST_MONDAY + datetime.timedelta(offset), 9),
            tenant.patient,
            "present",
        )


def billed(tenant: Tenant, *authorizations: Authorization) -> list[int]:
    """billed_days of each authorization as the API's detail endpoint reports it, one at a
    time (so each count has to take the patient's other authorizations into account)."""
    client = Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})
    return [
        client.get(f"/api/v1/authorizations/{a.pk}/").json()["billed_days"] for a in authorizations
    ]


def test_authorization_units_count_billable_days(clinic_a: Tenant) -> None:
    patient = clinic_a.patient
    for offset in (0, 1, 2, 3):
        session = group(clinic_a, PAST_MONDAY + datetime.timedelta(offset), 9)
        status = "late" if offset == 3 else "present"
        times = (
            {"arrived_at": session.starts_at + datetime.timedelta(hours=1)} if offset == 3 else {}
        )
        on_list(clinic_a, session, patient, status, **times)
    auth = authorization(
        clinic_a, PAST_MONDAY, PAST_MONDAY + datetime.timedelta(days=30), units=2, used=1
    )
    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    body = client.get(f"/api/v1/authorizations/{auth.pk}/").json()
    # Three full days bill; the late day (120 minutes) does not. 3 here + 1 elsewhere = 4 of 2.
    assert body["billed_days"] == 3
    assert body["units_left"] == -2
    assert body["warnings"][0] == "2 units over the authorization"


def test_an_h0015_week_needs_three_billable_days(clinic_a: Tenant) -> None:
    """Two full days and a 2-hour day: 2 billable days, short of H0015's 3 days a week, so
    the H0015 authorization gets none of them. An S9480 one needs 9 hours scheduled in the
    week instead: 8 give it none; a missed 1-hour session makes 9, and it gets both days."""
    full_days(clinic_a, 0, 1)
    on_list(clinic_a, group(clinic_a, PAST_MONDAY + datetime.timedelta(3), 9, hours=2),
            clinic_a.patient, "present")  # fmt: skip
    end = PAST_MONDAY + datetime.timedelta(days=30)
    w = week(clinic_a, clinic_a.patient, PAST_MONDAY)
    assert (w.billable_days, w.h0015_days_met, w.h0015_days_short) == (2, False, 1)
    h0015 = authorization(clinic_a, PAST_MONDAY, end, units=10)
    assert billed(clinic_a, h0015) == [0]
    with clinic_context(clinic_a.clinic.pk):
        Authorization.objects.filter(pk=h0015.pk).update(service_code="S9480")
    assert billed(clinic_a, h0015) == [0]
    on_list(clinic_a, group(clinic_a, PAST_MONDAY + datetime.timedelta(4), 9, hours=1),
            clinic_a.patient, "absent")  # fmt: skip
    assert week(clinic_a, clinic_a.patient, PAST_MONDAY).s9480_hours_met
    assert billed(clinic_a, h0015) == [2]


def test_the_third_billable_day_makes_the_h0015_week(clinic_a: Tenant) -> None:
    full_days(clinic_a, 0, 1, 6)  # Monday, Tuesday and Sunday: the week's last day counts
    w = week(clinic_a, clinic_a.patient, PAST_MONDAY)
    assert (w.billable_days, w.h0015_days_met, w.h0015_days_short) == (3, True, 0)
    # The window opens on the Sunday: the week's other days are outside it, yet they make
    # the week, so the Sunday bills (one day, not three).
    sunday = PAST_MONDAY + datetime.timedelta(6)
    assert billed(clinic_a, authorization(clinic_a, sunday, sunday, units=5)) == [1]


def test_overlapping_authorizations_share_no_day(clinic_a: Tenant) -> None:
    """A (Nov 1–30) starts before B (Nov 9–Dec 31): the three days of Nov 9–11 go to A."""
    full_days(clinic_a, 0, 1, 2)
    a = authorization(clinic_a, NOV_1, NOV_30, 10, number="A")
    b = authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 12, 31), 10, number="B")
    assert billed(clinic_a, a, b) == [3, 0]


def test_a_full_authorization_hands_the_next_day_on(clinic_a: Tenant) -> None:
    """A has 2 units (1 used elsewhere): Nov 9 fills it, Nov 10 and 11 go to B."""
    full_days(clinic_a, 0, 1, 2)
    a = authorization(clinic_a, NOV_1, NOV_30, 2, number="A", used=1)
    b = authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 12, 31), 10, number="B")
    assert billed(clinic_a, a, b) == [1, 2]


def test_when_every_authorization_is_full_the_day_shows_over_the_earliest(
    clinic_a: Tenant,
) -> None:
    """One unit each: Nov 9 to A, Nov 10 to B, Nov 11 has nowhere left and goes to A (2 of
    1: over), never to both."""
    full_days(clinic_a, 0, 1, 2)
    a = authorization(clinic_a, NOV_1, NOV_30, 1, number="A")
    b = authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 12, 31), 1, number="B")
    assert billed(clinic_a, a, b) == [2, 1]


def test_same_start_the_earlier_end_is_used_first(clinic_a: Tenant) -> None:
    full_days(clinic_a, 0, 1, 2)
    late_end = authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 12, 31), 10, number="L")
    early_end = authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 11, 20), 10, number="E")
    assert billed(clinic_a, late_end, early_end) == [0, 3]


def test_the_chart_shows_each_day_under_one_authorization(clinic_a: Tenant) -> None:
    full_days(clinic_a, 0, 1, 2)
    authorization(clinic_a, NOV_1, NOV_30, 2, number="A", used=1)
    authorization(clinic_a, PAST_MONDAY, datetime.date(2026, 12, 31), 10, number="B", used=4)
    page = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
    html = " ".join(page.content.decode().split())
    assert '2 of 2 <span class="muted">(1 not yet claimed + 1 elsewhere)' in html
    assert '6 of 10 <span class="muted">(2 not yet claimed + 4 elsewhere)' in html


# Turning 18 on Tuesday 2026-11-10 (born 2008-11-10): 17 on that week's Monday.
@pytest.mark.parametrize(
    ("born", "monday", "minimum", "adolescent"),
    [
        (datetime.date(2008, 11, 10), PAST_MONDAY, 360, True),  # birthday on the Tuesday
        (datetime.date(2008, 11, 15), PAST_MONDAY, 360, True),  # birthday on the Sunday
        (datetime.date(2008, 11, 9), PAST_MONDAY, 540, False),  # 18 on the Monday itself
        (datetime.date(2008, 11, 10), datetime.date(2026, 11, 16), 540, False),  # next week
        (datetime.date(2008, 11, 10), datetime.date(2026, 11, 2), 360, True),  # week before
    ],
)
@pytest.mark.instant("2026-12-02 10:00")  # 18 today in every case
def test_the_minimum_follows_the_age_on_the_weeks_monday(
    clinic_a: Tenant, born: datetime.date, monday: datetime.date, minimum: int, adolescent: bool
) -> None:
    patient = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, date_of_birth=born)
    assert not patient.is_adolescent
    for offset in (0, 1):
        on_list(clinic_a, group(clinic_a, monday + datetime.timedelta(offset), 9), patient,
                "present")  # fmt: skip
    w = week(clinic_a, patient, monday)
    assert (w.minimum, w.adolescent) == (minimum, adolescent)
    # 360 minutes attended: enough for the adolescent week, under the adult one.
    assert w.under_minimum is (not adolescent)
    assert ledger.minimum_for(clinic_a.clinic, patient, monday + datetime.timedelta(6)) == minimum


@pytest.mark.instant("2026-12-02 10:00")
def test_the_hours_api_and_chart_judge_a_past_week_by_the_age_then(clinic_a: Tenant) -> None:
    """18 today, 17 on Monday Nov 9: that week (2 full days, 6 h) meets the adolescent
    minimum in the API and the chart, and shows it is short of H0015's 3 days."""
    with clinic_context(clinic_a.clinic.pk):
        Patient.objects.filter(pk=clinic_a.patient.pk).update(
            date_of_birth=datetime.date(2008, 11, 10)
        )
    full_days(clinic_a, 0, 1)
    api = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    rows = api.get("/api/v1/hours/?week=2026-11-11").json()["results"]
    mine = next(r for r in rows if r["patient"] == clinic_a.patient.pk)
    assert (mine["minimum_minutes"], mine["adolescent"], mine["under_minimum"]) == (
        360,
        True,
        False,
    )
    assert (mine["billable_days"], mine["h0015_days_met"]) == (2, False)
    chart = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/")
    html = " ".join(chart.content.decode().split())
    assert (
        "<td>Nov 9</td> <td>6.0 h</td> <td>6.0 h</td> "
        '<td>6.0 h <span class="muted">adolescent</span></td>' in html
    )
    assert "H0015: 2 of 3 days, not billable as H0015" in html
    page = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/hours/?date=2026-11-09")
    html = " ".join(page.content.decode().split())
    assert '6.0 h <span class="muted">adolescent</span>' in html
    assert "H0015: 2 of 3 days, not billable as H0015" in html


@pytest.mark.instant("2026-12-02 10:00")
def test_the_hours_page_and_api_show_a_met_h0015_week(clinic_a: Tenant) -> None:
    full_days(clinic_a, 0, 1, 3)
    page = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/hours/?date=2026-11-09")
    assert "H0015: 3+ days" in page.content.decode()
    api = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    rows = api.get("/api/v1/hours/?week=2026-11-09").json()["results"]
    mine = next(r for r in rows if r["patient"] == clinic_a.patient.pk)
    assert (mine["billable_days"], mine["h0015_days_met"], mine["adolescent"]) == (3, True, False)


# Sunday 23:30 on the clinic's wall clock: UTC (and any server clock on it) says Monday.
@pytest.mark.instant("2026-12-06 23:30")
@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
def test_the_api_and_the_page_speak_of_the_clinic_week_late_on_sunday(clinic_a: Tenant) -> None:
    patient = adult(clinic_a)
    tz = clock.zone(clinic_a.clinic)
    saturday = datetime.date(2026, 12, 5)
    begin = clock.at(tz, saturday, datetime.time(9))
    session = calendar.session_create(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, kind="group", day=saturday,
        starts_at=begin, ends_at=begin + datetime.timedelta(hours=3),
    )  # fmt: skip
    on_list(clinic_a, session, patient, "present")
    api = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    weeks = {w["patient"]: w for w in api.get("/api/v1/hours/").json()["results"]}
    assert weeks[patient.pk]["week_start"] == "2026-11-30"
    assert weeks[patient.pk]["attended_minutes"] == 180
    page = clinic_a.client_for().get(f"/c/{clinic_a.clinic.slug}/hours/")
    html = page.content.decode()
    assert "Weekly hours · Nov 30–Dec 6, 2026" in html
    assert "Ledger" in html


def hours_page_queries(tenant: Tenant, patients: int) -> tuple[int, str]:
    """The weekly hours page with `patients` adults and one adolescent on a group this week."""
    session = group(tenant, datetime.date(2026, 12, 1), 9)
    on_list(tenant, session, factories.patient(
        tenant.clinic, actor=tenant.admin.user, date_of_birth=datetime.date(2011, 3, 1)
    ), "present")  # fmt: skip
    for _ in range(patients):
        on_list(tenant, session, adult(tenant), "present")
    client = tenant.client_for()
    client.get(f"/c/{tenant.clinic.slug}/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{tenant.clinic.slug}/hours/")
    return len(queries), page.content.decode()


@pytest.mark.instant("2026-12-02 15:00")
def test_the_weekly_hours_page_costs_the_same_for_3_or_12_patients(clinic_a: Tenant) -> None:
    few, html = hours_page_queries(clinic_a, 3)
    assert html.count("adolescent</span>") == 1
    many, html = hours_page_queries(clinic_a, 9)  # 12 on the list now
    assert html.count("adolescent</span>") == 2
    assert few == many
