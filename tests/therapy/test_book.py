"""Booking an individual session by hand: from the nearest free times the scheduler finds, or
a time of one's own; a clash or a time outside the therapist's hours said on the form; the
page and the schedule in pinned queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import AuditEvent
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session
from tests.conftest import Tenant
from therapy import scheduler, services

pytestmark = pytest.mark.instant("2026-12-02 10:30")  # a Wednesday morning

BOOK_PAGE_QUERIES = 29  # the session, the patient, two weeks of the scheduler's reads
SCHEDULE_PAGE_QUERIES = 19  # the session, the week's proposal, the names
SCHEDULE_UNPLACED_QUERIES = 19 + 13  # and next week's free time, once for all unplaced


def book_url(tenant: Tenant) -> str:
    return f"/c/{tenant.clinic.slug}/therapy/schedule/patients/{tenant.patient.pk}/book/"


def local(tenant: Tenant, value: datetime.datetime) -> str:
    return value.astimezone(clock.zone(tenant.clinic)).strftime("%Y-%m-%dT%H:%M")


def individual_of(tenant: Tenant) -> list[Session]:
    with clinic_context(tenant.clinic.pk):
        return list(
            Session.objects.filter(kind="individual", attendance__patient=tenant.patient)
            .filter(starts_at__gt=clock.now())
            .order_by("starts_at")
        )


def test_a_nearest_free_time_is_booked_and_audited(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.THERAPIST)
    client.session_user = clinic_a.members[Role.THERAPIST].user  # type: ignore[attr-defined]
    page = client.get(book_url(clinic_a))
    assert page.status_code == 200
    slots = page.context["slots"]
    assert len(slots) == 3
    assert slots == sorted(slots)
    assert all(s > clock.now() for s in slots)
    assert "Nearest free times" in page.text
    done = client.post(book_url(clinic_a), {"starts_at": local(clinic_a, slots[0])})
    assert done.status_code == 302
    assert "/therapy/week/" in done["Location"]
    [session] = individual_of(clinic_a)
    assert session.starts_at == slots[0]
    assert session.lead == clinic_a.members[Role.THERAPIST]
    with clinic_context(clinic_a.clinic.pk):
        row = Attendance.objects.get(session=session)
        assert row.patient_id == clinic_a.patient.pk
        created = AuditEvent.objects.filter(action="create", actor=client.session_user)
        assert created.filter(object_id=str(session.pk)).exists()
        assert created.filter(object_id=str(row.pk), patient_id=clinic_a.patient.pk).exists()
    # The time is taken now: the page offers the next ones.
    again = client.get(book_url(clinic_a))
    assert slots[0] not in again.context["slots"]


def test_a_clash_and_a_time_outside_hours_are_refused_on_the_form(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    first = client.get(book_url(clinic_a)).context["slots"][0]
    assert client.post(book_url(clinic_a), {"starts_at": local(clinic_a, first)}).status_code == 302
    clash = client.post(book_url(clinic_a), {"starts_at": local(clinic_a, first)})
    assert clash.status_code == 200
    assert "already" in " ".join(clash.context["form"].errors["starts_at"])
    sunday_night = client.post(book_url(clinic_a), {"starts_at": "2026-12-06T03:00"})
    assert sunday_night.status_code == 200
    assert sunday_night.context["form"].errors["starts_at"] == [
        "That is outside the therapist's working hours."
    ]
    past = client.post(book_url(clinic_a), {"starts_at": "2026-12-01T10:00"})
    assert past.context["form"].errors["starts_at"] == ["Choose a time in the future."]
    for bad in ("9999-12-31T10:00", "not a time", ""):
        page = client.post(book_url(clinic_a), {"starts_at": bad})
        assert page.status_code == 200
        assert page.context["form"].errors["starts_at"]
    assert len(individual_of(clinic_a)) == 1  # nothing but the first booking


def test_another_therapists_patient_is_not_theirs_to_book(clinic_a: Tenant) -> None:
    from tests import factories

    other = factories.member(clinic_a.clinic, Role.THERAPIST)
    client = clinic_a.client_for(Role.THERAPIST)
    client.force_login(other.user)
    assert client.get(book_url(clinic_a)).status_code == 403


def test_the_book_and_schedule_pages_read_in_pinned_queries(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.ADMIN)
    client.get(f"/c/{clinic_a.clinic.slug}/")
    with CaptureQueriesContext(connection) as book:
        assert client.get(book_url(clinic_a)).status_code == 200
    assert len(book) == BOOK_PAGE_QUERIES, [q["sql"] for q in book]
    with CaptureQueriesContext(connection) as schedule:
        page = client.get(f"/c/{clinic_a.clinic.slug}/therapy/schedule/")
    assert page.status_code == 200
    assert len(schedule) == SCHEDULE_PAGE_QUERIES, [q["sql"] for q in schedule]
    # Away for the rest of the week: the patient cannot be placed, and is offered next week.
    therapist = clinic_a.members[Role.THERAPIST]
    monday = clock.week_start(clock.today(clinic_a.clinic)) + datetime.timedelta(weeks=1)
    services.availability_block_add(
        clinic=clinic_a.clinic, actor=therapist.user, therapist=therapist,
        starts_at=clock.now(), ends_at=clock.at(clinic_a.clinic, monday, datetime.time(0)),
        reason="Leave",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as schedule:
        page = client.get(f"/c/{clinic_a.clinic.slug}/therapy/schedule/")
    assert len(schedule) == SCHEDULE_UNPLACED_QUERIES, [q["sql"] for q in schedule]
    [(unplaced, _patient, _therapist)] = page.context["unplaced"]
    assert unplaced.why == scheduler.NO_AVAILABILITY
    assert len(unplaced.slots) == 3
    assert all(s.astimezone(clock.zone(clinic_a.clinic)).date() >= monday for s in unplaced.slots)
    assert page.text.count(f'action="{book_url(clinic_a)}"') == 3


def test_the_week_view_lists_whom_to_book_by_hand(clinic_a: Tenant) -> None:
    client = clinic_a.client_for(Role.THERAPIST)
    week = f"/c/{clinic_a.clinic.slug}/therapy/week/"
    page = client.get(week)
    assert [p.pk for p in page.context["unbooked"]] == [clinic_a.patient.pk]
    assert f'href="{book_url(clinic_a)}?week=' in page.text
    slot = client.get(book_url(clinic_a)).context["slots"][0]
    monday = clock.week_start(clock.today(clinic_a.clinic))
    assert slot.astimezone(clock.zone(clinic_a.clinic)).date() < monday + datetime.timedelta(days=7)
    client.post(book_url(clinic_a), {"starts_at": local(clinic_a, slot)})
    assert list(client.get(week).context["unbooked"]) == []
