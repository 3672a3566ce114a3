"""The hours ledger against hand-computed weeks."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Clinic, Patient
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.ledger import weeks_for
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
PAST_MONDAY = datetime.date(2026, 11, 9)


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


# Born 2011: 15 on this day (the minimum follows the age on the clinic's today).
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


def test_billable_day_threshold_is_a_clinic_setting(clinic_a: Tenant) -> None:
    Clinic.objects.filter(pk=clinic_a.clinic.pk).update(billable_day_minutes=120)
    clinic_a.clinic.refresh_from_db()
    patient = adult(clinic_a)
    short = group(clinic_a, PAST_MONDAY, 9, hours=2)
    on_list(clinic_a, short, patient, "present")
    assert week(clinic_a, patient, PAST_MONDAY).billable_days == 1


def test_authorization_units_count_billable_days(clinic_a: Tenant) -> None:
    from django.test import Client

    from iop.models import Authorization

    patient = clinic_a.patient
    for offset in (0, 1, 3):
        session = group(clinic_a, PAST_MONDAY + datetime.timedelta(offset), 9)
        status = "late" if offset == 3 else "present"
        times = (
            {"arrived_at": session.starts_at + datetime.timedelta(hours=1)} if offset == 3 else {}
        )
        on_list(clinic_a, session, patient, status, **times)
    with clinic_context(clinic_a.clinic.pk):
        auth = Authorization.objects.create(
            clinic=clinic_a.clinic, patient=patient, number="A-7", service_code="H0015",
            units_authorized=2, units_used=1, start_date=PAST_MONDAY,
            end_date=PAST_MONDAY + datetime.timedelta(days=30),
        )  # fmt: skip
    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    body = client.get(f"/api/v1/authorizations/{auth.pk}/").json()
    # Two full days bill; the late day (120 minutes) does not. 2 here + 1 elsewhere = 3 of 2.
    assert body["billed_days"] == 2
    assert body["units_left"] == -1
    assert body["warnings"][0] == "1 units over the authorization"


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
