"""The Today page, which is also the clinic's home: today's lists, or, on a day nothing runs,
the next open day's lists under a plain note. "Today" is the clinic's, never UTC's."""

import datetime

import pytest
import time_machine
from django.test import Client

from iop import clock
from iop.models import Clinic, Membership
from iop.roles import Role
from scheduling import selectors
from scheduling.models import Session
from scheduling.services import closure_add, session_create, sessions_generate, track_create
from tests import factories

# Sunday 23:30 in New York, while UTC is already on Monday.
SUNDAY_NIGHT = datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC)
# Monday 09:10 in New York.
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 14, 10, tzinfo=datetime.UTC)
# Thursday 26 November 2026, 10:00 in New York: Thanksgiving.
THANKSGIVING = datetime.datetime(2026, 11, 26, 15, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def clinic(db: None) -> Clinic:
    return factories.ClinicFactory(slug="harbor", name="Harbor", timezone="America/New_York")


def front_desk(clinic: Clinic) -> Client:
    client = Client()
    client.force_login(factories.member(clinic, Role.FRONT_DESK).user)
    return client


def group(clinic: Clinic, day: datetime.date, hour: int) -> Session:
    actor = Membership.objects.filter(clinic=clinic).first() or factories.member(clinic)
    return session_create(
        clinic=clinic, actor=actor.user, kind="group", day=day,
        starts_at=clock.at(clinic, day, datetime.time(hour)),
        ends_at=clock.at(clinic, day, datetime.time(hour, 50)),
    )  # fmt: skip


def home(client: Client, clinic: Clinic, query: str = "") -> str:
    response = client.get(f"/c/{clinic.slug}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_on_a_sunday_the_home_says_the_clinic_is_closed_and_shows_mondays_lists(
    clinic: Clinic,
) -> None:
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        group(clinic, MONDAY, 9)
        group(clinic, MONDAY, 13)
        group(clinic, MONDAY + datetime.timedelta(days=1), 18)
        page = home(front_desk(clinic), clinic)
    assert "The clinic is closed today (Sunday)." in page
    assert 'Next open day: <a href="?date=2026-12-07">Monday, December 7</a>' in page
    assert "— 2 sessions, shown below." in page
    assert "Roster · Monday, December 7" in page
    assert "9:00 AM–9:50 AM" in page
    assert "1:00 PM–1:50 PM" in page
    assert "6:00 PM" not in page  # Tuesday's stays on Tuesday
    assert "Walk-in (record number)" not in page  # read ahead, not marked a day early


def test_on_a_weekday_the_home_shows_todays_lists(clinic: Clinic) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        group(clinic, MONDAY, 9)
        group(clinic, MONDAY + datetime.timedelta(days=1), 18)
        page = home(front_desk(clinic), clinic)
        roster = home(front_desk(clinic), clinic, "roster/")
    assert "closed today" not in page
    assert "Roster · Monday, December 7" in page
    assert "9:00 AM–9:50 AM" in page
    assert "6:00 PM" not in page
    assert "Walk-in (record number)" in page
    assert roster.count("9:00 AM–9:50 AM") == 1  # the Today link shows the same day


def test_a_holiday_is_named_and_its_cancelled_sessions_do_not_make_it_open(
    clinic: Clinic,
) -> None:
    with time_machine.travel(THANKSGIVING, tick=False):
        thursday = clock.today(clinic)
        admin = factories.member(clinic, Role.ADMIN).user
        track_create(
            clinic=clinic, actor=admin, name="Morning IOP", slot="morning", weekdays=[0, 1, 3],
            starts_at=datetime.time(9), ends_at=datetime.time(12), capacity=12,
            active_from=thursday,
            blocks=[
                {"weekday": weekday, "starts_at": datetime.time(9),
                 "ends_at": datetime.time(12), "kind": "group"}
                for weekday in (0, 1, 3)
            ],
        )  # fmt: skip
        sessions_generate(clinic=clinic, today=thursday)
        assert closure_add(clinic=clinic, actor=admin, date=thursday, name="Thanksgiving") == 1
        page = home(front_desk(clinic), clinic)
        chosen = home(front_desk(clinic), clinic, "roster/?date=2026-11-26")
    assert "The clinic is closed today (Thanksgiving)." in page
    assert "Monday, November 30</a> — 1 session, shown below." in page
    assert "Roster · Monday, November 30" in page
    # Asked for by date, the day itself: its cancelled session and no note.
    assert "Closed: Thanksgiving" in chosen
    assert "closed today" not in chosen


def test_with_nothing_scheduled_ahead_the_home_says_where_to_look(clinic: Clinic) -> None:
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        beyond = MONDAY + datetime.timedelta(weeks=clinic.generate_weeks_ahead, days=1)
        group(clinic, beyond, 9)  # past the weeks tracks generate: not "next"
        page = home(front_desk(clinic), clinic)
        assert selectors.next_open_day(clinic=clinic, since=clock.today(clinic)) is None
    assert "The clinic is closed today (Sunday)." in page
    assert f"Nothing is scheduled in the next {clinic.generate_weeks_ahead} weeks." in page
    assert "No sessions on this day" not in page  # said once, not twice
    assert "Roster · Sunday, December 6" in page
