"""My calendar: the sessions a staff member leads or co-leads, a week at a time on the same
time grid as the therapist's week view (working days only), with the feed address below."""

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from iop import clock
from iop.models import Membership
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Session
from tests import factories
from tests.conftest import Tenant, settle_session

MONDAY = datetime.date(2026, 11, 30)
NEXT_MONDAY = datetime.date(2026, 12, 7)


def session(tenant: Tenant, day: datetime.date, start: datetime.time, minutes: int,
            **fields: Any) -> Session:  # fmt: skip
    begin = clock.at(tenant.clinic, day, start)
    return calendar.session_create(
        clinic=tenant.clinic,
        actor=tenant.admin.user,
        day=day,
        starts_at=begin,
        ends_at=begin + datetime.timedelta(minutes=minutes),
        **fields,
    )


def my_week(tenant: Tenant) -> tuple[Membership, dict[str, Session]]:
    """A new therapist's weeks: a morning group they lead on Monday, an afternoon group they
    co-lead on Wednesday, an individual session on Thursday, one next Tuesday; a colleague's
    session and a cancelled one that are not theirs to see."""
    me = factories.member(tenant.clinic, Role.THERAPIST, first_name="Robin", last_name="Lane")
    other = factories.member(tenant.clinic, Role.THERAPIST)
    nine, one, three = datetime.time(9), datetime.time(13), datetime.time(15)
    made = {
        "group": session(tenant, MONDAY, nine, 180, kind="group", lead=me),
        "co-led": session(
            tenant,
            MONDAY + datetime.timedelta(days=2),
            one,
            180,
            kind="group",
            lead=other,
            co_lead=me,
        ),
        "individual": session(
            tenant, MONDAY + datetime.timedelta(days=3), three, 50, kind="individual", lead=me
        ),
        "next week": session(
            tenant, NEXT_MONDAY + datetime.timedelta(days=1), nine, 50, kind="individual", lead=me
        ),
        "colleague's": session(
            tenant, MONDAY + datetime.timedelta(days=1), nine, 50, kind="individual", lead=other
        ),
        "cancelled": session(
            tenant, MONDAY + datetime.timedelta(days=4), nine, 50, kind="individual", lead=me
        ),
    }
    calendar.attendance_add(
        session=made["individual"], patient=tenant.patient, actor=tenant.admin.user
    )
    with clinic_context(tenant.clinic.pk):
        Session.objects.filter(pk=made["cancelled"].pk).update(status="cancelled")
    return me, made


def client_of(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.mark.instant("2026-12-02 15:00")
def test_my_calendar_is_my_week_on_a_time_grid(
    clinic_a: Tenant, django_assert_max_num_queries: Any
) -> None:
    me, made = my_week(clinic_a)
    client = client_of(me)
    url = f"/c/{clinic_a.clinic.slug}/my-calendar/"
    client.get(url)
    settle_session(client)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head
    # Working days only: the days holding one of my sessions.
    assert re.findall(r'<th scope="col">(\w{3} \w{3} \d+)</th>', head.group(1)) == [
        "Mon Nov 30", "Wed Dec 2", "Thu Dec 3"
    ]  # fmt: skip
    # The three-hour group starts in the 9 AM row and spans six half hours.
    cell = re.search(
        r'<td rowspan="(\d+)" class="time-grid__cell">\s*<div class="week-item week-item--session">'
        r'\s*<span class="week-item__time">9:00 AM–12:00 PM',
        html,
    )
    assert cell
    assert cell.group(1) == "6"
    assert f"#session-{made['group'].pk}" in html
    assert f"#session-{made['co-led'].pk}" in html
    assert f"{clinic_a.patient.display_name} ({clinic_a.patient.record_number})" in html
    assert "nobody on the list" in html  # the group's list size, not its names
    for theirs in ("colleague's", "cancelled", "next week"):
        assert f"#session-{made[theirs].pk}" not in html
    assert "3 sessions." in html
    # The feed subscription stays below the week.
    assert html.index("time-grid") < html.index("Make a calendar address")

    # Next week: its one session; navigation by any day of the week.
    later = client.get(url, {"date": "2026-12-10"}).content.decode()
    assert f"#session-{made['next week'].pk}" in later
    assert f"#session-{made['individual'].pk}" not in later
    assert "week of Dec 7, 2026" in later
    # A week without sessions says so; a nonsense date is this week, never a 500.
    assert (
        "You lead no sessions this week."
        in client.get(url, {"date": "2027-03-01"}).content.decode()
    )
    assert client.get(url, {"date": "0001-01-01\x00"}).status_code == 200


@pytest.mark.instant("2026-12-02 15:00")
def test_the_query_count_does_not_grow_with_the_week(
    clinic_a: Tenant, django_assert_max_num_queries: Any
) -> None:
    me, _made = my_week(clinic_a)
    client = client_of(me)
    url = f"/c/{clinic_a.clinic.slug}/my-calendar/"
    client.get(url)
    settle_session(client)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for hour in (10, 11, 12):
        session(
            clinic_a,
            MONDAY + datetime.timedelta(days=4),
            datetime.time(hour),
            50,
            kind="individual",
            lead=me,
        )
    settle_session(client)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert "6 sessions." in html


@pytest.mark.instant("2026-12-02 15:00")
def test_other_roles_and_clinics(clinic_a: Tenant, clinic_b: Tenant) -> None:
    my_week(clinic_a)
    url = f"/c/{clinic_a.clinic.slug}/my-calendar/"
    # Each role sees its own week only: the front desk leads nothing here.
    desk = clinic_a.client_for(Role.FRONT_DESK).get(url).content.decode()
    assert "You lead no sessions this week." in desk
    assert clinic_b.client_for(Role.THERAPIST).get(url).status_code == 404
