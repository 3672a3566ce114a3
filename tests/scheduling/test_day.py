"""Each role lands on its day (UI.md): the front desk on today's lists; a therapist on their
sessions, notes to sign and open safety tasks; a case manager on their caseload's alerts,
make-ups and follow-up calls; an admin on the clinic's day and what is not set up. Each
first screen has a pinned query count that does not grow with the day's lists."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Membership, Track
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import Tenant, settle_session
from tests.scheduling.test_roster import todays_session

pytestmark = pytest.mark.instant("2026-12-02 10:30")

# pinned per role; the same for 10 or 200 patients on the day's lists
DAY_QUERIES = {
    Role.FRONT_DESK: 9,  # the roster's own (tests/scheduling/test_roster.py)
    Role.THERAPIST: 11,  # + their sessions (2), notes to sign (4), safety tasks
    Role.CASE_MANAGER: 8,  # + the caseload (its fixed set), make-ups, follow-up calls
    Role.ADMIN: 13,  # + the clinic's day (3) and the set-up gaps
}


def home(tenant: Tenant, role: str) -> str:
    page = tenant.client_for(role).get(f"/c/{tenant.clinic.slug}/")
    assert page.status_code == 200
    return page.content.decode()


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found
    return found.group(1)


def test_the_front_desk_lands_on_todays_lists(clinic_a: Tenant) -> None:
    todays_session(clinic_a)
    html = home(clinic_a, Role.FRONT_DESK)
    assert h1(html).startswith("Roster · Wednesday, December 2")
    assert "data-row" in html
    assert "Your day" not in html


def test_a_therapist_lands_on_their_sessions_notes_and_safety_tasks(clinic_a: Tenant) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    theirs = todays_session(clinic_a)
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=theirs.pk).update(lead=therapist)
    html = home(clinic_a, Role.THERAPIST)
    assert h1(html) == "Your day · Wednesday, December 2"
    # What needs them now comes first: the open safety task, above the day's panels.
    assert html.index("Safety follow-up needing you") < html.index("<h1")
    sessions = html[html.index('id="day-my-sessions"') : html.index('id="day-notes"')]
    assert f"#session-{theirs.pk}" in sessions
    assert "1 not marked" in sessions
    notes = html[html.index('id="day-notes"') :]
    assert "Sign the draft" in notes
    assert clinic_a.patient.record_number in notes
    # Another therapist's group is not theirs.
    other = factories.member(clinic_a.clinic, Role.THERAPIST)
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=theirs.pk).update(lead=other)
    html = home(clinic_a, Role.THERAPIST)
    assert "You lead no sessions today." in html


def test_a_case_manager_lands_on_their_caseloads_alerts(clinic_a: Tenant) -> None:
    html = home(clinic_a, Role.CASE_MANAGER)
    assert "None of your patients has an alert." in html
    assert "No open make-ups for your patients." in html
    assert "No follow-up calls due today." in html
    manager = clinic_a.members[Role.CASE_MANAGER]
    with clinic_context(clinic_a.clinic.pk):
        type(clinic_a.patient).objects.filter(pk=clinic_a.patient.pk).update(case_manager=manager)
    html = home(clinic_a, Role.CASE_MANAGER)
    alerts = html[html.index('id="day-caseload"') : html.index('id="day-makeups"')]
    assert clinic_a.patient.record_number in alerts
    assert "PHQ-9 item 9: safety follow-up" in alerts


def test_an_admin_lands_on_the_clinics_day_and_its_set_up_gaps(clinic_a: Tenant) -> None:
    todays_session(clinic_a, patients=2)
    clinic = clinic_a.clinic
    with clinic_context(clinic.pk):
        Track.objects.create(
            clinic=clinic, name="Evening IOP", slot="evening", weekdays=[0, 2, 4],
            starts_at=datetime.time(18), ends_at=datetime.time(21),
            active_from=clock.today(clinic),
        )  # fmt: skip
        Membership.objects.filter(pk=factories.member(clinic, Role.THERAPIST).pk).update(
            accepted_at=None
        )
    html = home(clinic_a, Role.ADMIN)
    day = html[html.index('id="day-clinic-day"') : html.index('id="day-setup"')]
    assert re.search(r"\d+ sessions? today · \d+ patient places on the lists", day)
    assert "3 not marked on sessions that have begun" in day
    gaps = html[html.index('id="day-setup"') :]
    assert "Track “Evening IOP” has no weekly template" in gaps
    assert "1 staff invitation not yet accepted." in gaps


def test_sessions_that_have_not_begun_show_no_not_marked(clinic_a: Tenant) -> None:
    """Attendance is marked once a session begins: a list later today is not "not marked",
    on the admin's day (its rows and its summary) or on the therapist's own sessions."""
    begun = todays_session(clinic_a, patients=1)
    clinic, therapist = clinic_a.clinic, clinic_a.members[Role.THERAPIST]
    later = calendar.session_create(
        clinic=clinic, actor=clinic_a.admin.user, kind="group", day=begun.day,
        starts_at=begun.ends_at + datetime.timedelta(minutes=15),
        ends_at=begun.ends_at + datetime.timedelta(hours=1, minutes=15),
    )  # fmt: skip
    with clinic_context(clinic.pk):
        listed = Attendance.objects.filter(session=begun).values_list("patient_id", flat=True)
        Attendance.objects.bulk_create(
            Attendance(
                clinic=clinic,
                session=later,
                patient_id=patient_id,
                starts_at=later.starts_at,
                ends_at=later.ends_at,
            )
            for patient_id in listed
        )
        Session.objects.filter(pk__in=[begun.pk, later.pk]).update(lead=therapist)

    def list_cell(html: str, session: Session, column: int) -> str:
        """Cell `column` (from 0) of the session's row."""
        (row,) = [r for r in html.split("<tr>") if f'#session-{session.pk}"' in r]
        return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[column]

    admin = home(clinic_a, Role.ADMIN)
    day = admin[admin.index('id="day-clinic-day"') : admin.index('id="day-setup"')]
    assert "2 not marked on sessions that have begun" in day
    assert list_cell(day, begun, 3).startswith("2 · 2 not marked")
    assert "not marked" not in list_cell(day, later, 3)
    mine = home(clinic_a, Role.THERAPIST)
    mine = mine[mine.index('id="day-my-sessions"') : mine.index('id="day-notes"')]
    assert list_cell(mine, begun, 2).startswith("2 on the list · ")
    assert "2 not marked" in list_cell(mine, begun, 2)
    assert "not marked" not in list_cell(mine, later, 2)


@pytest.mark.parametrize("patients", [10, 200])
@pytest.mark.parametrize("role", list(DAY_QUERIES))
def test_each_first_screen_has_a_pinned_query_count(
    clinic_a: Tenant, role: str, patients: int
) -> None:
    session = todays_session(clinic_a, patients=patients - 1)
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=session.pk).update(lead=clinic_a.members[Role.THERAPIST])
    client = clinic_a.client_for(role)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    settle_session(client)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{clinic_a.clinic.slug}/")
    assert page.status_code == 200
    assert len(queries) == DAY_QUERIES[role], [q["sql"][:90] for q in queries]
