"""Today's roster: one click per patient, minutes attended, walk-ins, a fixed query count."""

import datetime
import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Patient
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import DEFAULT_ZONE, FAR_ZONES, Tenant, settle_session

# A Wednesday mid-morning on the clinic's wall clock: "a session that began half an hour ago"
# is today's (at 00:20 it would have begun yesterday, on no roster of today's).
pytestmark = pytest.mark.instant("2026-12-02 10:30")

ROSTER_QUERIES = 9  # pinned; the same for 10 or 300 patients (the session and person: -2)


def todays_session(tenant: Tenant, *, patients: int = 0) -> Session:
    """A three-hour group today with the fixture patient and `patients` more on its list."""
    admin = tenant.admin.user
    start = clock.now().replace(microsecond=0) - datetime.timedelta(minutes=30)
    # "Today" is the clinic's date, whatever the hour in UTC.
    local_day = clock.local_date(tenant.clinic, start)
    session = calendar.session_create(
        clinic=tenant.clinic, actor=admin, kind="group", day=local_day,
        starts_at=start, ends_at=start + datetime.timedelta(hours=3),
    )  # fmt: skip
    with clinic_context(tenant.clinic.pk):
        Attendance.objects.filter(
            clinic=tenant.clinic, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at
        ).update(is_active=False)
        extra = Patient.objects.bulk_create(
            Patient(
                clinic=tenant.clinic,
                record_number=f"RST{n:04d}",
                legal_first_name="Roster",
                legal_last_name=f"Person{n:04d}",
                date_of_birth=datetime.date(1985, 1, 1),
            )
            for n in range(patients)
        )
        Attendance.objects.bulk_create(
            Attendance(
                clinic=tenant.clinic,
                session=session,
                patient=p,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
            )
            for p in [tenant.patient, *extra]
        )
    return session  # fmt: skip


def row_of(tenant: Tenant, session: Session) -> Attendance:
    with clinic_context(tenant.clinic.pk):
        return Attendance.objects.get(session=session, patient=tenant.patient)


def test_one_click_marks_without_a_reload_and_can_be_undone(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)
    row = row_of(clinic_a, session)
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/"
    response = client.post(url, {"status": "present"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="row-{row.pk}"')  # just the row, swapped in place
    assert "180 min" in html
    assert 'name="status" value="expected"' in html  # the undo button
    row = row_of(clinic_a, session)
    assert (row.status, row.minutes_attended) == ("present", 180)
    client.post(url, {"status": "expected"}, HTTP_HX_REQUEST="true")
    assert row_of(clinic_a, session).status == "expected"


def test_the_times_form_comes_when_asked_for_with_script_or_without(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)
    row = row_of(clinic_a, session)
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/"
    client.post(url, {"status": "present"}, HTTP_HX_REQUEST="true")
    page = client.get(f"/c/{clinic_a.clinic.slug}/roster/").content.decode()
    assert 'name="arrived_at"' not in page
    # Its link, like each button, is named by the page's one label and the row's name link.
    assert f'<a href="{url}times/" aria-labelledby="m-times n{row.pk}">Times</a>' in page
    assert '<span id="m-times">Times:</span>' in page
    assert f'<a id="n{row.pk}" href="/c/{clinic_a.clinic.slug}/patients/{row.patient_id}/">' in page
    row_html = client.get(f"{url}times/", HTTP_HX_REQUEST="true").content.decode()
    assert row_html.startswith(f'<tr id="row-{row.pk}"')
    assert 'name="arrived_at"' in row_html
    assert "csrfmiddlewaretoken" not in row_html
    # Without script, a page of its own: its form carries the token and comes back to the row.
    own_page = client.get(f"{url}times/").content.decode()
    assert 'name="arrived_at"' in own_page
    assert "csrfmiddlewaretoken" in own_page
    arrived = clock.local(clinic_a.clinic, session.starts_at + datetime.timedelta(minutes=10))
    saved = client.post(url, {"status": "late", "arrived_at": arrived.strftime("%H:%M")})
    assert saved.status_code == 302
    assert saved.url.endswith(f"#row-{row.pk}")
    assert row_of(clinic_a, session).minutes_attended == 170
    assert clinic_a.client_for(Role.NURSE).get(f"{url}times/").status_code == 403


def test_late_and_left_early_adjust_minutes(clinic_a: Tenant) -> None:
    # Began two and a half hours ago: the arrival and departure below have both come.
    session = session_at(
        clinic_a, clock.now().replace(microsecond=0) - datetime.timedelta(minutes=150)
    )
    row = row_of(clinic_a, session)
    actor = clinic_a.admin.user
    row.session = session
    calendar.attendance_mark(
        row,
        actor=actor,
        status="late",
        arrived_at=session.starts_at + datetime.timedelta(minutes=40),
    )
    assert row.minutes_attended == 140
    calendar.attendance_mark(
        row, actor=actor, status="left_early",
        arrived_at=session.starts_at, left_at=session.starts_at + datetime.timedelta(hours=2),
    )  # fmt: skip
    assert row.minutes_attended == 120
    calendar.attendance_mark(row, actor=actor, status="absent")
    assert (row.minutes_attended, row.arrived_at) == (0, None)


def test_typed_arrival_and_departure_times_set_the_minutes(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    tz = clock.zone(clinic_a.clinic)
    day = datetime.date(2026, 3, 2)
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
    session = calendar.session_create(
        clinic=clinic_a.clinic, actor=admin, kind="group", day=day,
        starts_at=start, ends_at=start + datetime.timedelta(hours=3),
    )  # fmt: skip
    row = calendar.attendance_add(session=session, patient=clinic_a.patient, actor=admin)
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/"
    typed = {"status": "late", "arrived_at": "09:35", "left_at": "11:50"}
    html = client.post(url, typed, HTTP_HX_REQUEST="true").content.decode()
    assert all(text in html for text in ("135 min", "in 09:35", "out 11:50"))
    row = row_of(clinic_a, session)
    assert row.arrived_at == start + datetime.timedelta(minutes=35)
    for bad, message in [
        ({"arrived_at": "7pm"}, "Arrived: Enter a valid time."),
        ({"arrived_at": "10:00", "left_at": "09:50"}, "departure must be after the arrival"),
        ({"arrived_at": "12:30"}, "arrival is after the session ended"),
    ]:
        html = client.post(url, {"status": "late", **bad}, HTTP_HX_REQUEST="true").content
        assert message in html.decode()
        assert row_of(clinic_a, session).minutes_attended == 135  # nothing changed


def test_a_bad_status_is_a_message_not_a_crash(clinic_a: Tenant) -> None:
    row = row_of(clinic_a, todays_session(clinic_a))
    response = clinic_a.client_for(Role.FRONT_DESK).post(
        f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/",
        {"status": "teleported"}, HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    assert "Choose present, late" in response.content.decode()


def test_walk_in_joins_the_list_as_present(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)
    walker = factories.patient(clinic_a.clinic, actor=clinic_a.admin.user, record_number="WALK1")
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/walk-in/"
    client.post(url, {"record_number": "WALK1"})
    with clinic_context(clinic_a.clinic.pk):
        assert Attendance.objects.get(session=session, patient=walker).status == "present"
    unknown = client.post(url, {"record_number": "NOPE"}, follow=True)
    assert "No patient has record number NOPE." in unknown.content.decode()


@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
def test_nurses_see_the_roster_but_cannot_mark(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)
    client = clinic_a.client_for(Role.NURSE)
    page = client.get(f"/c/{clinic_a.clinic.slug}/roster/").content.decode()
    assert clinic_a.patient.display_name in page
    assert 'name="status"' not in page  # no marking buttons
    row = row_of(clinic_a, session)
    assert client.post(f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/",
                       {"status": "present"}).status_code == 403  # fmt: skip


@pytest.mark.parametrize("clinic_zone", [DEFAULT_ZONE, *FAR_ZONES])
@pytest.mark.parametrize("patients", [10, 300])
def test_roster_query_budget(clinic_a: Tenant, patients: int) -> None:
    todays_session(clinic_a, patients=patients - 1)
    client = clinic_a.client_for(Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    settle_session(client)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{clinic_a.clinic.slug}/roster/")
    assert page.status_code == 200
    assert page.content.decode().count("data-row") >= patients
    assert len(queries) == ROSTER_QUERIES, [q["sql"][:80] for q in queries]


# Pinned: the HTML of a 300-patient list mid-session (every row marked present, so each
# carries its Clear button and its Times link, the heaviest a row gets), uncompressed. It was
# 1.1 MiB with a form and a CSRF token per button, then 560 KiB with one form a row and the
# times form in each; the times form now comes when asked for, and a button is named by two
# ids (aria-labelledby) rather than by the patient's name again: ~1.1 KB a row, 335-345 KiB
# as sent, 352 KiB weighed with every number at six digits (below). Most of what is left is
# the five named toggle buttons (~450 bytes) and Clear and Times (~180).
ROSTER_300_BYTES = 356 * 1024


def test_roster_of_300_stays_under_its_pinned_size_and_is_sent_compressed(
    clinic_a: Tenant,
) -> None:
    session = todays_session(clinic_a, patients=299)
    with clinic_context(clinic_a.clinic.pk):
        Attendance.objects.filter(session=session).update(
            status="present", minutes_attended=180, arrived_at=session.starts_at
        )
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/"
    plain = client.get(url)
    html = plain.content
    assert html.count(b"data-row") >= 300
    assert html.count(b'aria-labelledby="m-clear ') >= 300
    assert html.count(b'aria-labelledby="m-times ') >= 300
    assert b'name="arrived_at"' not in html  # each row's times form comes when asked for
    # Ids grow with the database's sequences (1 to 7 digits over a suite, and a row repeats
    # its id ten times): every number counts as 6 digits, so the pin weighs the markup the
    # same in any database, not its sequences.
    weighed = len(re.sub(rb"\d+", b"000000", html))
    assert weighed <= ROSTER_300_BYTES, weighed
    # Tokens only in a session's own forms (mark all, topic, walk-in), none in a row's.
    assert html.count(b"csrfmiddlewaretoken") <= 3 * html.count(b"<section")
    assert "Content-Encoding" not in plain.headers

    zipped = client.get(url, headers={"accept-encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    unzipped = gzip.decompress(zipped.content)
    assert unzipped.count(b"data-row") == html.count(b"data-row")
    assert len(zipped.content) < len(unzipped) / 5


# pinned; the same for 10 or 300 patients (+2 since a token and its membership are found
# under row-level security: the secret bound, then the membership once the clinic is)
BULK_QUERIES = 12


@pytest.mark.parametrize("patients", [10, 300])
def test_bulk_attendance_endpoint_query_budget(clinic_a: Tenant, patients: int) -> None:
    from django.test import Client

    session = todays_session(clinic_a, patients=patients - 1)
    with clinic_context(clinic_a.clinic.pk):
        ids = list(Attendance.objects.filter(session=session).values_list("id", flat=True))
    _, secret = factories.api_token(clinic_a.members[Role.FRONT_DESK])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    client.get("/api/v1/me")
    body = [{"attendance": pk, "status": "present"} for pk in ids]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/sessions/{session.pk}/attendance", body, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert {row["status"] for row in response.json()} == {"present"}
    assert {row["minutes_attended"] for row in response.json()} == {180}
    assert len(queries) == BULK_QUERIES, [q["sql"][:80] for q in queries]


def test_bulk_attendance_refuses_rows_of_another_session(clinic_a: Tenant) -> None:
    from django.test import Client

    session = todays_session(clinic_a)
    _, secret = factories.api_token(clinic_a.members[Role.FRONT_DESK])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.post(
        f"/api/v1/sessions/{session.pk}/attendance",
        [{"attendance": 987654, "status": "present"}],
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Not on this session's list" in str(response.json()["error"]["fields"])


def test_bulk_attendance_takes_arrival_and_departure(clinic_a: Tenant) -> None:
    from django.test import Client

    session = todays_session(clinic_a)
    row = row_of(clinic_a, session)
    _, secret = factories.api_token(clinic_a.members[Role.FRONT_DESK])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    url = f"/api/v1/sessions/{session.pk}/attendance"
    arrived = session.starts_at + datetime.timedelta(minutes=20)
    mark = {"attendance": row.pk, "status": "late", "arrived_at": arrived.isoformat()}
    response = client.post(url, [mark], content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()[0]["minutes_attended"] == 160
    mark["left_at"] = (arrived - datetime.timedelta(minutes=5)).isoformat()
    response = client.post(url, [mark], content_type="application/json")
    assert response.status_code == 400
    assert "departure must be after the arrival" in str(response.json()["error"]["fields"])
    assert row_of(clinic_a, session).minutes_attended == 160


def test_hours_api_reports_the_week(clinic_a: Tenant) -> None:
    from django.test import Client

    session = todays_session(clinic_a)
    row = row_of(clinic_a, session)
    row.session = session
    calendar.attendance_mark(row, actor=clinic_a.admin.user, status="present")
    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    weeks = client.get("/api/v1/hours/").json()["results"]  # a page, like every growing list
    mine = next(w for w in weeks if w["patient"] == clinic_a.patient.pk)
    assert mine["attended_minutes"] >= 180
    assert client.get("/api/v1/hours/", {"week": "not-a-date"}).status_code == 400


def test_topics_tagged_on_sessions_show_attended_and_missed_on_the_chart(clinic_a: Tenant) -> None:
    from groups.services import group_types_create_defaults
    from scheduling.models import GroupType, Topic

    admin = clinic_a.admin.user
    group_types_create_defaults(clinic=clinic_a.clinic, actor=admin)
    with clinic_context(clinic_a.clinic.pk):
        education = GroupType.objects.get(clinic=clinic_a.clinic, kind="education")
        skills = GroupType.objects.get(clinic=clinic_a.clinic, kind="skills")
        triggers = Topic.objects.get(clinic=clinic_a.clinic, name="Stress and triggers")
        trust = Topic.objects.get(clinic=clinic_a.clinic, name="Repairing trust")
        a_skill = Topic.objects.filter(group_type=skills).first()
    assert a_skill is not None
    client = clinic_a.client_for(Role.CASE_MANAGER)
    marks = {"present": triggers, "absent": trust}
    for hours_ago, (status, topic) in zip((30, 6), marks.items(), strict=True):
        start = clock.now().replace(microsecond=0) - datetime.timedelta(hours=hours_ago)
        session = calendar.session_create(
            clinic=clinic_a.clinic, actor=admin, kind="group", day=start.date(),
            starts_at=start, ends_at=start + datetime.timedelta(hours=1), group_type=education,
        )  # fmt: skip
        wrong = client.post(
            f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/topic/",
            {"topic": a_skill.pk}, follow=True,
        )  # fmt: skip
        assert "Choose a topic of this session" in wrong.content.decode()
        client.post(
            f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/topic/", {"topic": topic.pk}
        )
        row = calendar.attendance_add(session=session, patient=clinic_a.patient, actor=admin)
        row.session = session
        calendar.attendance_mark(row, actor=admin, status=status)
    chart = client.get(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/"
    ).content.decode()
    section = chart.split('id="curriculum"')[1].split("</section>")[0]
    assert "Stress and triggers" in section.split("Missed")[0]
    assert "Repairing trust" in section.split("Missed")[1]


# --- Marking follows the session's time ----------------------------------------------------


def session_at(tenant: Tenant, start: datetime.datetime, *, patients: int = 0) -> Session:
    """A three-hour group starting at `start` with the fixture patient and `patients` more."""
    admin = tenant.admin.user
    session = calendar.session_create(
        clinic=tenant.clinic, actor=admin, kind="group", day=clock.local_date(tenant.clinic, start),
        starts_at=start, ends_at=start + datetime.timedelta(hours=3),
    )  # fmt: skip
    with clinic_context(tenant.clinic.pk):
        Attendance.objects.filter(
            clinic=tenant.clinic, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at
        ).update(is_active=False)
    calendar.attendance_add(session=session, patient=tenant.patient, actor=admin)
    for n in range(patients):
        other = factories.patient(
            tenant.clinic, actor=admin, record_number=f"MARK{n:03d}", legal_last_name=f"Zed{n}"
        )
        calendar.attendance_add(session=session, patient=other, actor=admin)
    return session


def mark(tenant: Tenant, row: Attendance, **data: str) -> str:
    client = tenant.client_for(Role.FRONT_DESK)
    url = f"/c/{tenant.clinic.slug}/roster/attendance/{row.pk}/"
    return client.post(url, data, HTTP_HX_REQUEST="true").content.decode()


def test_a_session_that_has_not_started_cannot_be_marked_attended(clinic_a: Tenant) -> None:
    session = session_at(clinic_a, clock.now().replace(microsecond=0) + datetime.timedelta(hours=1))
    row = row_of(clinic_a, session)
    for status in ("present", "late", "left_early", "absent"):
        html = mark(clinic_a, row, status=status)
        assert "has not started yet" in html, status
        assert row_of(clinic_a, session).status == "expected"
    # A patient who calls ahead can be excused before the session.
    mark(clinic_a, row, status="excused")
    assert row_of(clinic_a, session).status == "excused"
    # The roster says when marking opens and offers only what can be recorded ahead.
    page = clinic_a.client_for(Role.FRONT_DESK).get(f"/c/{clinic_a.clinic.slug}/roster/")
    html = page.content.decode()
    assert "Attendance can be marked from" in html
    assert f'aria-labelledby="mP n{row.pk}"' not in html
    assert f'aria-labelledby="mX n{row.pk}"' in html  # Excused: <the patient's name>


def test_a_mark_can_be_cleared_back_to_expected_after_a_reload(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)
    row = row_of(clinic_a, session)
    client = clinic_a.client_for(Role.FRONT_DESK)
    arrived = clock.local(clinic_a.clinic, session.starts_at + datetime.timedelta(minutes=10))
    client.post(
        f"/c/{clinic_a.clinic.slug}/roster/attendance/{row.pk}/",
        {"status": "late", "arrived_at": arrived.strftime("%H:%M")},
    )  # the plain form: the next page is a reload
    assert row_of(clinic_a, session).minutes_attended == 170
    page = client.get(f"/c/{clinic_a.clinic.slug}/roster/").content.decode()
    assert f'aria-labelledby="m-clear n{row.pk}"' in page
    mark(clinic_a, row, status="expected")
    cleared = row_of(clinic_a, session)
    assert (cleared.status, cleared.minutes_attended) == ("expected", None)
    assert cleared.arrived_at is None


def test_late_on_an_earlier_session_asks_for_the_arrival_instead_of_recording_zero(
    clinic_a: Tenant,
) -> None:
    start = clock.now().replace(microsecond=0) - datetime.timedelta(days=2)
    session = session_at(clinic_a, start)
    row = row_of(clinic_a, session)
    html = mark(clinic_a, row, status="late")
    assert "Give the arrival time" in html
    assert 'name="arrived_at"' in html  # the times form is open to type it
    assert row_of(clinic_a, session).status == "expected"
    html = mark(clinic_a, row, status="left_early")
    assert "Give the departure time" in html
    arrived = clock.local(clinic_a.clinic, start + datetime.timedelta(minutes=25))
    mark(clinic_a, row, status="late", arrived_at=arrived.strftime("%H:%M"))
    assert row_of(clinic_a, session).minutes_attended == 155


def test_arrival_and_departure_must_make_sense(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a)  # began 30 minutes ago, runs for 3 hours
    row = row_of(clinic_a, session)
    local = lambda moment: clock.local(clinic_a.clinic, moment).strftime("%H:%M")  # noqa: E731
    start = session.starts_at
    for data, message in [
        ({"status": "late", "arrived_at": local(start)}, "Late means arriving after"),
        ({"status": "late", "arrived_at": local(clock.now() + datetime.timedelta(minutes=20))},
         "The arrival time has not come yet"),
        ({"status": "left_early", "left_at": local(clock.now() + datetime.timedelta(minutes=20))},
         "The departure time has not come yet"),
    ]:  # fmt: skip
        html = mark(clinic_a, row, **data)
        assert message in html, data
        assert row_of(clinic_a, session).status == "expected"
    ended = session_at(clinic_a, clock.now().replace(microsecond=0) - datetime.timedelta(days=1))
    html = mark(clinic_a, row_of(clinic_a, ended), status="left_early",
                left_at=local(ended.ends_at + datetime.timedelta(minutes=5)))  # fmt: skip
    assert "Left early means leaving before" in html


def test_mark_all_remaining_present_with_one_undo(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a, patients=3)
    client = clinic_a.client_for(Role.FRONT_DESK)
    with clinic_context(clinic_a.clinic.pk):
        rows = list(Attendance.objects.filter(session=session).order_by("pk"))
    mark(clinic_a, rows[0], status="absent")
    url = f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/mark-remaining/"
    html = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "3 marked present" in html
    with clinic_context(clinic_a.clinic.pk):
        statuses = dict(Attendance.objects.filter(session=session).values_list("pk", "status"))
    assert statuses == {rows[0].pk: "absent", **{r.pk: "present" for r in rows[1:]}}
    assert 'name="undo"' in html
    # One undo puts back exactly the three it marked; the absent mark stays.
    undo = {"undo": [str(r.pk) for r in rows[1:]]}
    html = client.post(url, undo, HTTP_HX_REQUEST="true").content.decode()
    assert "3 marks undone" in html
    with clinic_context(clinic_a.clinic.pk):
        statuses = dict(Attendance.objects.filter(session=session).values_list("pk", "status"))
    assert statuses == {rows[0].pk: "absent", **{r.pk: "expected" for r in rows[1:]}}


def test_mark_all_remaining_refuses_a_session_not_started(clinic_a: Tenant) -> None:
    session = session_at(clinic_a, clock.now().replace(microsecond=0) + datetime.timedelta(hours=2))
    client = clinic_a.client_for(Role.FRONT_DESK)
    url = f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/mark-remaining/"
    html = client.post(url, follow=True).content.decode()
    assert "has not started yet" in html
    assert row_of(clinic_a, session).status == "expected"


MARK_REMAINING_QUERIES = 16  # pinned; the same for 10 or 300 patients


@pytest.mark.parametrize("patients", [10, 300])
def test_mark_remaining_query_budget(clinic_a: Tenant, patients: int) -> None:
    session = todays_session(clinic_a, patients=patients - 1)
    client = clinic_a.client_for(Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    settle_session(client)
    url = f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/mark-remaining/"
    with CaptureQueriesContext(connection) as queries:
        html = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert f"{patients} marked present." in html
    assert len(queries) == MARK_REMAINING_QUERIES, [q["sql"][:80] for q in queries]


def test_makeup_guests_are_marked_on_the_roster_without_extra_queries(clinic_a: Tenant) -> None:
    session = todays_session(clinic_a, patients=9)
    admin = clinic_a.admin.user
    guest = factories.patient(clinic_a.clinic, actor=admin, legal_last_name="Guest")
    missed = factories.missed_session(guest, actor=admin)
    row = calendar.attendance_add(
        session=session, patient=guest, actor=admin, makeup_of_id=missed.attendance_id
    )
    client = clinic_a.client_for(Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    settle_session(client)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{clinic_a.clinic.slug}/roster/").content.decode()
    assert len(queries) == ROSTER_QUERIES, [q["sql"][:80] for q in queries]
    guest_row = page[page.index(f'id="row-{row.pk}"') :].split("</tr>")[0]
    missed_day = f"{clock.local(clinic_a.clinic, missed.session.starts_at):%a %b} "
    assert "Make-up" in guest_row
    assert f"for {missed_day}" in guest_row
    regular = page[page.index(f"{clinic_a.patient.record_number}") :].split("</tr>")[0]
    assert "Make-up" not in regular


SIGN_IN_SHEET_QUERIES = 6  # pinned; the same for 10 or 300 patients


@pytest.mark.parametrize("patients", [10, 300])
def test_sign_in_sheet_lists_preferred_names_to_sign_and_nothing_to_click(
    clinic_a: Tenant, patients: int
) -> None:
    session = todays_session(clinic_a, patients=patients - 1)
    with clinic_context(clinic_a.clinic.pk):
        Patient.objects.filter(pk=clinic_a.patient.pk).update(preferred_name="Sunny")
    client = clinic_a.client_for(Role.FRONT_DESK)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    settle_session(client)
    url = f"/c/{clinic_a.clinic.slug}/roster/sessions/{session.pk}/sign-in-sheet/"
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert len(queries) == SIGN_IN_SHEET_QUERIES, [q["sql"][:80] for q in queries]
    sheet = page[page.index('class="table sign-in-table"') :]
    assert f"Sunny {clinic_a.patient.legal_last_name}" in sheet
    assert "Signature" in sheet
    assert "Time in" in sheet
    assert sheet.count('<th scope="row">') == patients
    assert "<button" not in sheet
    assert "<form" not in sheet
    roster = client.get(f"/c/{clinic_a.clinic.slug}/roster/").content.decode()
    assert url in roster  # linked from the session on the roster
