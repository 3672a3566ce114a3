"""The one calendar: generation from templates, closures, no double-booking, rolling
admission."""

import datetime
import html
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from iop import clock, services
from iop.models import Patient, Track
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling import feeds, selectors
from scheduling import services as calendar
from scheduling.models import Attendance, Session
from tests import factories
from tests.conftest import Tenant, wait_until

MONDAY = datetime.date(2026, 11, 30)


def track_of(tenant: Tenant) -> Track:
    return tenant.records["enrollment_id"].track  # type: ignore[no-any-return]


def sessions(tenant: Tenant, **filters: object) -> list[Session]:
    with clinic_context(tenant.clinic.pk):
        return list(Session.objects.filter(clinic=tenant.clinic, **filters).order_by("starts_at"))


def attendance(tenant: Tenant, patient: Patient) -> list[Attendance]:
    """The patient's coming sessions (what rolling admission manages)."""
    with clinic_context(tenant.clinic.pk):
        return list(
            Attendance.objects.filter(patient=patient, is_active=True, ends_at__gt=clock.now())
            .select_related("session__track")
            .order_by("starts_at")
        )


def clear_calendar(tenant: Tenant) -> None:
    """The tenant fixture generated the coming weeks already; some tests start empty."""
    with clinic_context(tenant.clinic.pk):
        Session.objects.filter(clinic=tenant.clinic).delete()


def test_generation_follows_the_template_and_is_idempotent(clinic_a: Tenant) -> None:
    clear_calendar(clinic_a)
    first = calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    # 4 weeks ahead, Mon/Tue/Thu, one block a day.
    assert first.sessions == 12
    days = [s.day for s in sessions(clinic_a)]
    assert days[:3] == [MONDAY, MONDAY + datetime.timedelta(1), MONDAY + datetime.timedelta(3)]
    assert {d.weekday() for d in days} == {0, 1, 3}
    again = calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    assert (again.sessions, again.attendance) == (0, 0)
    assert len(sessions(clinic_a)) == 12


def test_sessions_keep_wall_clock_time_across_daylight_saving(clinic_a: Tenant) -> None:
    # Chicago leaves DST on 2026-11-01: 9 am stays 9 am local, the UTC hour moves.
    calendar.sessions_generate(clinic=clinic_a.clinic, today=datetime.date(2026, 10, 26))
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    before, after = (
        sessions(clinic_a, day=datetime.date(2026, 10, 26))[0],
        sessions(clinic_a, day=datetime.date(2026, 11, 2))[0],
    )
    assert (
        before.starts_at.astimezone(chicago).hour == after.starts_at.astimezone(chicago).hour == 9
    )
    assert before.starts_at.astimezone(datetime.UTC).hour == 14
    assert after.starts_at.astimezone(datetime.UTC).hour == 15


def test_closures_are_skipped_and_cancel_what_was_generated(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    thanksgiving = MONDAY + datetime.timedelta(days=3)
    clear_calendar(clinic_a)
    calendar.closure_add(clinic=clinic_a.clinic, actor=admin, date=thanksgiving, name="Holiday")
    calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    assert sessions(clinic_a, day=thanksgiving) == []
    later = MONDAY + datetime.timedelta(days=7)
    assert sessions(clinic_a, day=later, status="scheduled")
    cancelled = calendar.closure_add(clinic=clinic_a.clinic, actor=admin, date=later, name="Snow")
    assert cancelled == 1
    [session] = sessions(clinic_a, day=later)
    assert (session.status, session.cancel_reason) == ("cancelled", "Closed: Snow")


def test_rolling_admission_adds_moves_and_removes_future_attendance(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    today = clock.today(clinic_a.clinic)
    morning = track_of(clinic_a)
    evening = factories.track(
        clinic_a.clinic, actor=admin, name="Evening IOP", slot="evening",
        hours=(datetime.time(18), datetime.time(21)),
    )  # fmt: skip
    calendar.sessions_generate(clinic=clinic_a.clinic, today=today)
    # Already enrolled (fixture): on every future morning session, nothing else.
    on_list = attendance(clinic_a, clinic_a.patient)
    assert on_list
    assert {a.session.track for a in on_list} == {morning}
    assert all(a.starts_at >= clock.now() for a in on_list)
    # A new patient joins the running track: no recreation, just their rows.
    newcomer = factories.patient(clinic_a.clinic, actor=admin, legal_last_name="Newcomer")
    services.enrollment_create(patient=newcomer, actor=admin, track=morning, admission_date=today)
    assert len(attendance(clinic_a, newcomer)) == len(
        [s for s in sessions(clinic_a, track=morning) if s.starts_at >= clock.now()]
    )
    # Changing track moves the future rows.
    enrollment = clinic_a.records["enrollment_id"]
    services.enrollment_update(enrollment, actor=admin, track=evening)
    assert {a.session.track for a in attendance(clinic_a, clinic_a.patient)} == {evening}
    # Discharge empties the future list.
    services.enrollment_transition(
        enrollment, actor=admin, status="discharged", discharge_type="administrative"
    )
    assert attendance(clinic_a, clinic_a.patient) == []
    # Recorded attendance is history and stays.
    assert attendance(clinic_a, newcomer)


def test_on_hold_takes_the_patient_off_future_lists_and_back(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    calendar.sessions_generate(clinic=clinic_a.clinic)
    enrollment = clinic_a.records["enrollment_id"]
    count = len(attendance(clinic_a, clinic_a.patient))
    services.enrollment_transition(enrollment, actor=admin, status="on_hold")
    assert attendance(clinic_a, clinic_a.patient) == []
    services.enrollment_transition(enrollment, actor=admin, status="active")
    assert len(attendance(clinic_a, clinic_a.patient)) == count


def afternoon(tenant: Tenant, *, days: int) -> datetime.datetime:
    """14:00 on the clinic's wall clock `days` days from its today: clear of the tenant's
    morning track (9 to 12), whatever the hour the test runs at."""
    day = clock.today(tenant.clinic) + datetime.timedelta(days=days)
    return clock.at(tenant.clinic, day, datetime.time(14))


def one_off(tenant: Tenant, start: datetime.datetime, **fields: object) -> Session:
    return calendar.session_create(
        clinic=tenant.clinic, actor=tenant.admin.user, kind="individual",
        day=clock.local_date(tenant.clinic, start), starts_at=start,
        ends_at=start + datetime.timedelta(hours=1), **fields,
    )  # fmt: skip


def test_no_room_staff_or_patient_is_double_booked(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Room 1")
    therapist = clinic_a.members[Role.THERAPIST]
    start = afternoon(clinic_a, days=2)
    first = one_off(clinic_a, start, room=room, lead=therapist)
    with pytest.raises(ValidationError) as refused:
        one_off(clinic_a, start + datetime.timedelta(minutes=30), room=room)
    assert refused.value.message_dict == {"room": ["The room is already booked at that time."]}
    with pytest.raises(ValidationError) as refused:
        one_off(clinic_a, start + datetime.timedelta(minutes=59), lead=therapist)
    assert "lead" in refused.value.message_dict
    # Back to back is fine: ranges are half-open.
    one_off(clinic_a, start + datetime.timedelta(hours=1), room=room, lead=therapist)
    # A patient in two sessions at once.
    second = one_off(clinic_a, start + datetime.timedelta(minutes=15))
    calendar.attendance_add(session=first, patient=clinic_a.patient, actor=admin)
    with pytest.raises(ValidationError) as refused:
        calendar.attendance_add(session=second, patient=clinic_a.patient, actor=admin)
    assert refused.value.message_dict == {
        "patient": ["The patient is already booked at that time."]
    }


def test_a_cancelled_session_frees_the_room(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Room 2")
    start = afternoon(clinic_a, days=3)
    first = one_off(clinic_a, start, room=room)
    with clinic_context(clinic_a.clinic.pk):
        Session.objects.filter(pk=first.pk).update(status="cancelled")
    one_off(clinic_a, start, room=room)


def test_other_clinics_rows_never_conflict(clinic_a: Tenant, clinic_b: Tenant) -> None:
    """Constraints are per clinic (they lead with clinic_id)."""
    start = afternoon(clinic_a, days=4)
    one_off(clinic_a, start)
    one_off(clinic_b, start)


def test_the_database_refuses_overlaps_even_without_the_service(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Room 3")
    start = afternoon(clinic_a, days=5)
    one_off(clinic_a, start, room=room)
    with clinic_context(clinic_a.clinic.pk), pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            clinic=clinic_a.clinic, kind="family", day=clock.local_date(clinic_a.clinic, start),
            room=room,
            starts_at=start, ends_at=start + datetime.timedelta(minutes=20),
        )  # fmt: skip


def test_a_track_meets_three_to_five_days(clinic_a: Tenant) -> None:
    with pytest.raises(ValidationError, match="3 to 5 days"):
        factories.track(
            clinic_a.clinic, actor=clinic_a.admin.user, name="Two days", weekdays=[0, 2]
        )


@pytest.mark.worker
def test_the_nightly_job_generates_each_clinic_in_its_own_context(
    clinic_a: Tenant, clinic_b: Tenant, celery_worker: object
) -> None:
    from scheduling.tasks import generate_sessions_everywhere

    clear_calendar(clinic_a)
    clear_calendar(clinic_b)
    generate_sessions_everywhere.delay()
    assert wait_until(lambda: bool(sessions(clinic_a)) and bool(sessions(clinic_b)))
    assert wait_until(lambda: len(sessions(clinic_a)) == len(sessions(clinic_b)) == 12)
    assert {s.track_id for s in sessions(clinic_a)} == {track_of(clinic_a).pk}


@pytest.mark.worker
def test_an_admin_adds_a_track_and_its_sessions_appear(
    clinic_a: Tenant, celery_worker: object
) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    url = f"/c/{clinic_a.clinic.slug}/tracks/new/"
    form = {
        "name": "Evening IOP", "slot": "evening", "weekdays": ["0", "2", "3"],
        "starts_at": "18:00", "ends_at": "21:00", "capacity": "12", "active_from": "2026-11-01",
        "blocks-TOTAL_FORMS": "0", "blocks-INITIAL_FORMS": "0",
    }  # fmt: skip
    refused = client.post(url, {**form, "weekdays": ["0", "2"]})
    assert "3 to 5 days" in refused.content.decode()
    created = client.post(url, form)
    assert created.status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        track = Track.objects.get(clinic=clinic_a.clinic, name="Evening IOP")
        assert sorted(track.blocks.values_list("weekday", flat=True)) == [0, 2, 3]
    assert wait_until(lambda: len(sessions(clinic_a, track=track)) == 12)
    page = client.get(f"/c/{clinic_a.clinic.slug}/tracks/").content.decode()
    assert "Evening IOP" in page
    assert "Mon, Wed, Thu" in page


def test_editing_a_running_track_changes_only_its_coming_sessions(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    now = clock.now()
    with clinic_context(clinic_a.clinic.pk):
        track = Track.objects.prefetch_related("blocks").get(pk=track_of(clinic_a).pk)
        monday, tuesday, _thursday = sorted(track.blocks.all(), key=lambda b: b.weekday)
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Cedar", capacity=12)
    # History: one Monday session moved five weeks back stands for a session already held.
    held = sessions(clinic_a, block=monday)[0]
    back = datetime.timedelta(weeks=5)
    with clinic_context(clinic_a.clinic.pk):
        Attendance.objects.filter(session=held).update(
            starts_at=held.starts_at - back, ends_at=held.ends_at - back
        )
        Session.objects.filter(pk=held.pk).update(
            day=held.day - back, starts_at=held.starts_at - back, ends_at=held.ends_at - back
        )
    # A Tuesday the patient was excused from in advance: recorded, so cancelled, not deleted.
    excused = next(s for s in sessions(clinic_a, block=tuesday) if s.starts_at > now)
    with clinic_context(clinic_a.clinic.pk):
        row = Attendance.objects.select_related("session").get(session=excused)
    calendar.attendance_mark(row, actor=admin, status="excused")
    hours = {"starts_at": datetime.time(9), "ends_at": datetime.time(12), "kind": "group"}
    workshop = {"starts_at": datetime.time(13), "ends_at": datetime.time(14), "kind": "workshop"}
    calendar.track_update(
        track, actor=admin, name="Morning IOP (new rooms)",
        blocks=[{"weekday": 0, **hours, "room": room}, {"weekday": 3, **hours},
                {"weekday": 3, **workshop}],
    )  # fmt: skip
    coming_mondays = sessions(clinic_a, block=monday, starts_at__gt=now)
    assert coming_mondays
    assert {s.room_id for s in coming_mondays} == {room.pk}
    assert sessions(clinic_a, pk=held.pk)[0].room_id is None  # history unchanged
    tuesdays = sessions(clinic_a, track=track, kind="group", day__week_day=3)
    assert [(s.pk, s.status) for s in tuesdays if s.starts_at > now] == [(excused.pk, "cancelled")]
    assert excused.pk not in [a.session_id for a in attendance(clinic_a, clinic_a.patient)]
    calendar.sessions_generate(clinic=clinic_a.clinic)
    workshops = [a for a in attendance(clinic_a, clinic_a.patient) if a.session.kind == "workshop"]
    assert workshops
    assert {a.session.day.weekday() for a in workshops} == {3}
    with clinic_context(clinic_a.clinic.pk):
        assert Track.objects.get(pk=track.pk).name == "Morning IOP (new rooms)"


def test_an_admin_edits_a_track_on_its_page(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    track = track_of(clinic_a)
    url = f"/c/{clinic_a.clinic.slug}/tracks/{track.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'value="Morning IOP"' in page
    assert "Remove" in page
    form = {
        "name": "Morning IOP", "slot": "morning", "weekdays": ["0", "1", "3"],
        "starts_at": "09:00", "ends_at": "12:00", "capacity": "14",
        "active_from": track.active_from.isoformat(), "is_active": "on",
        "blocks-TOTAL_FORMS": "3", "blocks-INITIAL_FORMS": "3",
    }  # fmt: skip
    for n, day in enumerate(["0", "1", "3"]):
        form.update({f"blocks-{n}-weekday": day, f"blocks-{n}-starts_at": "09:00",
                     f"blocks-{n}-ends_at": "12:00", f"blocks-{n}-kind": "group"})  # fmt: skip
    refused = client.post(url, {**form, "weekdays": ["0", "3", "4"]})
    assert "A block must fall on one of the track" in refused.content.decode()
    form["blocks-1-DELETE"] = "on"
    saved = client.post(url, {**form, "weekdays": ["0", "3", "4"]}, follow=True)
    assert "coming sessions follow the change" in saved.content.decode()
    coming = sessions(clinic_a, track=track, starts_at__gt=clock.now())
    assert coming
    assert {s.day.weekday() for s in coming} <= {0, 3}


@pytest.mark.instant("2026-11-30 07:00")
def test_a_template_edit_that_would_double_book_the_lead_is_refused_with_the_clash_named(
    clinic_a: Tenant,
) -> None:
    """Giving Tuesday's block a lead who already has an individual session inside Tuesday's
    group: the edit is refused, naming the group's session and the one in the way (what, day,
    time), and nothing of the edit is kept."""
    other = factories.member(clinic_a.clinic, Role.THERAPIST, first_name="Dana", last_name="Reyes")
    in_the_way = one_off(clinic_a, clock.at(clinic_a.clinic, MONDAY + datetime.timedelta(1),
                                            datetime.time(10)), lead=other)  # fmt: skip
    client = clinic_a.client_for(Role.ADMIN)
    track = track_of(clinic_a)
    form = {
        "name": "Morning IOP (renamed)", "slot": "morning", "weekdays": ["0", "1", "3"],
        "starts_at": "09:00", "ends_at": "12:00", "capacity": "14",
        "active_from": track.active_from.isoformat(), "is_active": "on",
        "blocks-TOTAL_FORMS": "3", "blocks-INITIAL_FORMS": "3",
    }  # fmt: skip
    for n, day in enumerate(["0", "1", "3"]):
        form.update({f"blocks-{n}-weekday": day, f"blocks-{n}-starts_at": "09:00",
                     f"blocks-{n}-ends_at": "12:00", f"blocks-{n}-kind": "group"})  # fmt: skip
    form["blocks-1-lead"] = str(other.pk)
    refused = client.post(f"/c/{clinic_a.clinic.slug}/tracks/{track.pk}/edit/", form)
    assert refused.status_code == 200
    text = html.unescape(refused.content.decode())
    assert (
        "The new lead cannot take this block's session on Tue Dec 1, "
        "9:00 AM–12:00 PM: Dana Reyes already leads Individual session on Tue Dec 1, "
        "10:00 AM–11:00 AM. Choose another lead, or move that session first."
    ) in text
    # Nothing kept: the name, the block's lead, the sessions' leads; the one in the way stands.
    with clinic_context(clinic_a.clinic.pk):
        assert Track.objects.get(pk=track.pk).name == "Morning IOP"
        assert not track.blocks.filter(lead=other).exists()
        assert list(Session.objects.filter(lead=other).values_list("pk", flat=True)) == [
            in_the_way.pk
        ]


@pytest.mark.instant("2026-11-30 07:00")
def test_a_template_edit_into_a_booked_room_names_the_session_holding_it(
    clinic_a: Tenant,
) -> None:
    admin = clinic_a.admin.user
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Room 7")
    thursday = MONDAY + datetime.timedelta(days=3)
    one_off(clinic_a, clock.at(clinic_a.clinic, thursday, datetime.time(11)), room=room)
    track = track_of(clinic_a)
    hours = {"starts_at": datetime.time(9), "ends_at": datetime.time(12), "kind": "group"}
    with pytest.raises(ValidationError) as refused:
        calendar.track_update(
            track, actor=admin,
            blocks=[{"weekday": 0, **hours}, {"weekday": 1, **hours},
                    {"weekday": 3, **hours, "room": room}],
        )  # fmt: skip
    assert refused.value.messages == [
        (
            "The new room cannot take this block's session on Thu Dec 3, 9:00 AM–12:00 PM: "
            "Room 7 is already booked for Individual session on Thu Dec 3, 11:00 AM–12:00 PM. "
            "Choose another room, or move that session first."
        )
    ]
    with clinic_context(clinic_a.clinic.pk):
        assert not track.blocks.filter(room=room).exists()


def test_closing_a_day_from_the_tracks_page(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    day = sessions(clinic_a, status="scheduled", block__isnull=False)[0].day
    response = client.post(
        f"/c/{clinic_a.clinic.slug}/closures/new/", {"date": day.isoformat(), "name": "Snow"},
        follow=True,
    )  # fmt: skip
    assert "session(s) cancelled" in response.content.decode()
    assert sessions(clinic_a, day=day, status="scheduled") == []


def test_calendar_feeds_for_staff_and_patients(clinic_a: Tenant, clinic_b: Tenant) -> None:
    admin = clinic_a.admin.user
    therapist = clinic_a.members[Role.THERAPIST]
    start = afternoon(clinic_a, days=1)
    individual = one_off(clinic_a, start, lead=therapist)
    calendar.attendance_add(session=individual, patient=clinic_a.patient, actor=admin)
    # Staff: their own address from "My calendar".
    page = clinic_a.client_for(Role.THERAPIST).post(f"/c/{clinic_a.clinic.slug}/my-calendar/")
    url = page.context["feed_url"]
    path = url.split("testserver")[1]
    anonymous = Client()
    ics = anonymous.get(path)
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:session-{individual.pk}@" in body
    patient = clinic_a.patient
    for name in (patient.legal_first_name, patient.legal_last_name, patient.record_number):
        assert name not in body  # no names leave the clinic
    parsed = icalendar.Calendar.from_ical(ics.content)
    [zone] = parsed.timezones
    assert zone.tz_name == clinic_a.clinic.timezone
    [event] = [e for e in parsed.events if e.uid == f"session-{individual.pk}@testserver"]
    assert (event.start, event.end) == (individual.starts_at, individual.ends_at)
    assert event["DTSTART"].params["TZID"] == clinic_a.clinic.timezone
    assert (event["SUMMARY"], event["LOCATION"]) == ("Individual session", clinic_a.clinic.name)
    # Patient: from the chart; lists their track sessions and the individual one.
    created = clinic_a.client_for(Role.FRONT_DESK).post(
        f"/c/{clinic_a.clinic.slug}/patients/{clinic_a.patient.pk}/calendar/"
    )
    patient_path = created.context["feed_url"].split("testserver")[1]
    patient_body = anonymous.get(patient_path).content.decode()
    assert patient_body.count("BEGIN:VEVENT") >= 2
    # Another clinic's slug with this token, a made-up token, a revoked token: all 404.
    token = path.rsplit("/", 1)[1]
    assert anonymous.get(f"/feeds/{clinic_b.clinic.slug}/{token}").status_code == 404
    assert anonymous.get(f"/feeds/{clinic_a.clinic.slug}/nope.ics").status_code == 404
    clinic_a.client_for(Role.THERAPIST).post(
        f"/c/{clinic_a.clinic.slug}/my-calendar/", {"action": "revoke"}
    )
    assert anonymous.get(path).status_code == 404


# Chicago leaves daylight saving time on 2026-11-01 and enters it on 2027-03-14.
@pytest.mark.instant("2026-10-28 12:00")
def test_a_feed_keeps_the_clinic_wall_clock_across_daylight_saving(clinic_a: Tenant) -> None:
    clinic, admin = clinic_a.clinic, clinic_a.admin.user
    counselor = factories.member(clinic, Role.THERAPIST)
    room = calendar.room_create(clinic=clinic, actor=admin, name="Room 2, upstairs")

    def at(day: datetime.date, hour: int, **fields: object) -> Session:
        return one_off(clinic_a, clock.at(clinic, day, datetime.time(hour)), **fields)

    friday, monday = datetime.date(2026, 10, 30), datetime.date(2026, 11, 2)
    spring_friday, spring_monday = datetime.date(2027, 3, 12), datetime.date(2027, 3, 15)
    around_changes = [
        at(friday, 9, lead=counselor, room=room),
        at(monday, 9, lead=counselor),
        at(spring_friday, 9, co_lead=counselor),
        at(spring_monday, 9, lead=counselor),
    ]
    # The feed looks back two weeks from now (2026-10-28 12:00): an hour inside, an hour out.
    two_weeks_ago = datetime.date(2026, 10, 14)
    recent = at(two_weeks_ago, 13, lead=counselor)
    left_out = [
        at(two_weeks_ago, 11, lead=counselor),
        at(friday, 11, lead=counselor, status="cancelled"),
        at(friday, 13, lead=clinic_a.members[Role.THERAPIST]),  # someone else's
    ]
    token = feeds.feed_create(clinic=clinic, actor=admin, membership=counselor)

    response = Client().get(f"/feeds/{clinic.slug}/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    parsed = icalendar.Calendar.from_ical(response.content)
    [vtimezone] = parsed.timezones
    assert vtimezone.tz_name == "America/Chicago" == clinic.timezone
    expected = {f"session-{s.pk}@testserver": s for s in [recent, *around_changes]}
    assert [e.uid for e in parsed.events] == list(expected)  # in time order
    assert not {f"session-{s.pk}@testserver" for s in left_out} & {e.uid for e in parsed.events}
    # Read by the VTIMEZONE's own rules, as a calendar app without a zone database does.
    rules = vtimezone.to_tz(lookup_tzid=False)
    for event in parsed.events:
        session = expected[event.uid]
        assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == clinic.timezone
        assert (event.start, event.end) == (session.starts_at, session.ends_at)
        wall_start = event.start.replace(tzinfo=None)
        assert wall_start.replace(tzinfo=rules) == session.starts_at
        assert event.end.replace(tzinfo=None).replace(tzinfo=rules) == session.ends_at
    nine_am = [e for e in parsed.events if expected[e.uid] in around_changes]
    assert [e.start.time() for e in nine_am] == [datetime.time(9)] * 4
    # The same 9 am is 14:00 UTC in daylight time, 15:00 UTC in standard time.
    assert [e.start.astimezone(datetime.UTC).hour for e in nine_am] == [14, 15, 15, 14]
    first = parsed.events[1]
    assert (first["SUMMARY"], first["LOCATION"]) == (
        "Individual session", f"Room 2, upstairs, {clinic.name}",
    )  # fmt: skip


def test_a_room_name_with_line_breaks_cannot_add_lines_to_a_feed(clinic_a: Tenant) -> None:
    """A bare CR (or LF) in a room name is escaped in the iCalendar text: it adds no line,
    so no property of its own."""
    therapist = clinic_a.members[Role.THERAPIST]
    room = calendar.room_create(
        clinic=clinic_a.clinic, actor=clinic_a.admin.user, name="Room 4\rX-INJECTED:1\nA"
    )
    one_off(clinic_a, afternoon(clinic_a, days=1), lead=therapist, room=room)
    page = clinic_a.client_for(Role.THERAPIST).post(f"/c/{clinic_a.clinic.slug}/my-calendar/")
    ics = Client().get(page.context["feed_url"].split("testserver")[1]).content
    assert b"\nX-INJECTED" not in ics.replace(b"\r\n", b"\n")
    assert not [line for line in ics.split(b"\r\n") if b"\r" in line or b"\n" in line]
    events = icalendar.Calendar.from_ical(ics).events
    assert not [e for e in events if "X-INJECTED" in e]


def staff_the_template(tenant: Tenant, **staffing: object) -> None:
    """The tenant's track with a lead (and room) on every block, as an admin would set it."""
    with clinic_context(tenant.clinic.pk):
        track_of(tenant).blocks.update(**staffing)


@pytest.mark.instant("2026-11-30 07:00")
def test_a_double_booked_lead_gets_the_session_created_and_the_clash_flagged(
    clinic_a: Tenant,
) -> None:
    therapist = clinic_a.members[Role.THERAPIST]
    clear_calendar(clinic_a)
    staff_the_template(clinic_a, lead=therapist)
    # The therapist's individual session booked first, inside Monday's group (9 to 12).
    individual = one_off(clinic_a, clock.at(clinic_a.clinic, MONDAY, datetime.time(10)),
                         lead=therapist)  # fmt: skip
    result = calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    assert result.sessions == 12  # none dropped
    monday = sessions(clinic_a, day=MONDAY, track=track_of(clinic_a))
    assert len(monday) == 1
    assert monday[0].lead_id is None
    assert all(s.lead_id == therapist.pk for s in sessions(clinic_a, track=track_of(clinic_a))[1:])
    with clinic_context(clinic_a.clinic.pk):
        clashes = selectors.staffing_clashes(clinic=clinic_a.clinic, since=MONDAY)
    assert [(c.session.pk, c.missing, c.other.pk) for c in clashes] == [
        (monday[0].pk, "lead", individual.pk)
    ]
    again = calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    assert again.sessions == 0

    name = therapist.user.display_name
    tracks_page = clinic_a.client_for(Role.ADMIN).get(f"/c/{clinic_a.clinic.slug}/tracks/")
    html = tracks_page.content.decode()
    assert "1 session without its lead" in html
    assert f"{name} is already leading Individual session on Mon Nov 30, 10:00 AM–11:00 AM" in html
    roster = clinic_a.client_for(Role.FRONT_DESK).get(f"/c/{clinic_a.clinic.slug}/roster/")
    assert f"No lead: {name} is double-booked" in roster.content.decode()


@pytest.mark.instant("2026-11-30 07:00")
def test_a_booked_room_keeps_the_lead_and_flags_the_room(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user
    therapist = clinic_a.members[Role.THERAPIST]
    room = calendar.room_create(clinic=clinic_a.clinic, actor=admin, name="Room 9")
    clear_calendar(clinic_a)
    staff_the_template(clinic_a, lead=therapist, room=room)
    one_off(clinic_a, clock.at(clinic_a.clinic, MONDAY, datetime.time(11)), room=room)
    assert calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY).sessions == 12
    monday = sessions(clinic_a, day=MONDAY, track=track_of(clinic_a))[0]
    assert (monday.lead_id, monday.room_id) == (therapist.pk, None)
    with clinic_context(clinic_a.clinic.pk):
        clashes = selectors.staffing_clashes(clinic=clinic_a.clinic, since=MONDAY)
    assert [(c.session.pk, c.missing) for c in clashes] == [(monday.pk, "room")]


# Pinned: the tracks page (tracks with their blocks, rooms, closures, and the staffing clashes
# with the sessions holding them) whatever the number of clashes.
TRACK_LIST_QUERIES = 10  # the clashes and who holds them +2; the framework -2


@pytest.mark.instant("2026-11-30 07:00")
@pytest.mark.parametrize("clashes", [1, 3])
def test_tracks_page_query_budget(clinic_a: Tenant, clashes: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    therapist = clinic_a.members[Role.THERAPIST]
    clear_calendar(clinic_a)
    staff_the_template(clinic_a, lead=therapist)
    for week in range(clashes):
        day = MONDAY + datetime.timedelta(weeks=week)
        one_off(clinic_a, clock.at(clinic_a.clinic, day, datetime.time(10)), lead=therapist)
    calendar.sessions_generate(clinic=clinic_a.clinic, today=MONDAY)
    client = clinic_a.client_for(Role.ADMIN)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/c/{clinic_a.clinic.slug}/tracks/")
    assert page.content.decode().count("is already leading") == clashes
    assert len(queries) == TRACK_LIST_QUERIES
