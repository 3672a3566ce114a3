"""The demo as `make run` seeds it: safe to run again, and on each clinic's own clock.

The demo is seeded at pinned instants where UTC's date is not the clinics' (New York and
Chicago): what it books sits in working hours on the clinic's wall clock, and nothing it
records as done is later than the moment it was seeded. Seeded on a Sunday night, its first
screen is Monday's lists.
"""

import datetime
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client

from iop import clock
from iop.models import Clinic, Inquiry, User
from iop.tenancy import clinic_context
from progress.models import DrugTest
from scheduling.models import Attendance, Session

# Sunday 23:30 in New York (22:30 in Chicago) while UTC is already on Monday; and a
# Wednesday morning, when UTC's day and the clinics' agree but their hours do not.
SUNDAY_NIGHT = datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC)
WEDNESDAY_MORNING = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.UTC)
# A group day's morning: Chicago before its first cup is collected, New York after.
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 14, 10, tzinfo=datetime.UTC)

# Fields that hold times still to come: what is booked, not what happened.
BOOKED = {
    "scheduling.Session": ("starts_at", "ends_at"),
    "scheduling.Attendance": ("starts_at", "ends_at"),
    "scheduling.MakeupProposal": ("starts_at", "ends_at"),
    "therapy.AvailabilityBlock": ("starts_at", "ends_at"),
    "aftercare.PlanAppointment": ("starts_at",),
    "iop.Inquiry": ("assessment_at",),
}
# Dates of things that happened (or began): never after the clinic's today.
HAPPENED_ON = {
    "iop.Patient": ("date_of_birth",),
    "iop.Inquiry": ("date_of_birth",),
    "iop.Enrollment": ("admission_date", "ended_on"),
    "iop.Diagnosis": ("diagnosed_on",),
    "iop.Medication": ("started_on", "stopped_on"),
    "iop.Coverage": ("verified_on",),
    "progress.CheckIn": ("held_on",),
    "progress.DailyRating": ("rated_on",),
    "progress.Measure": ("administered_on",),
    "progress.RandomSelection": ("day",),
    "family.FamilyConsent": ("signed_on",),
}
OPENS, CLOSES = datetime.time(7), datetime.time(21)
# The evening track's second group ends at 21:15 (a usual evening IOP runs 6 to 9-ish).
OVER_BY = datetime.time(21, 30)


def row_counts() -> dict[str, int]:
    """Rows in every table, as each clinic sees them (row-level security hides the rest)."""
    counts: dict[str, int] = {}
    for clinic in Clinic.objects.order_by("slug"):
        with clinic_context(clinic.pk):
            for model in apps.get_models(include_auto_created=True):
                counts[f"{clinic.slug}:{model._meta.label}"] = model._default_manager.count()
    return counts


@pytest.mark.django_db
def test_a_second_seed_demo_says_the_demo_exists_and_changes_nothing() -> None:
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        call_command("seed_demo", patients=4, stdout=StringIO())
        before = row_counts()
        out = StringIO()
        call_command("seed_demo", patients=4, stdout=out)  # no --if-empty: a plain rerun
    text = out.getvalue()
    assert "The demo exists already (clinics: demo, second); nothing changed." in text
    assert "admin@demo.example" in text  # the logins are printed again
    assert row_counts() == before
    assert before["demo:iop.AuditEvent"] > 0  # the counts do see the clinics' rows


def local_wall(clinic: Clinic, instant: datetime.datetime) -> datetime.time:
    return clock.local(clinic, instant).time()


def booked_outside_hours(clinic: Clinic) -> list[str]:
    """Everything booked that starts outside 07:00–21:00 on the clinic's clock, or runs on
    past 21:30 or into another day."""
    wrong = []
    for label, fields in BOOKED.items():
        model = apps.get_model(label)
        for row in model._default_manager.filter(clinic=clinic).exclude(**{fields[0]: None}):
            starts = getattr(row, fields[0])
            ends = getattr(row, fields[1]) if len(fields) > 1 else starts
            if not (
                OPENS <= local_wall(clinic, starts) <= CLOSES
                and local_wall(clinic, ends) <= OVER_BY
                and clock.local_date(clinic, starts) == clock.local_date(clinic, ends)
            ):
                wrong.append(f"{label} {row.pk} {clock.local(clinic, starts):%a %H:%M}")
    return wrong


def recorded_in_the_future(clinic: Clinic) -> list[str]:
    """Every instant the demo records (signed, collected, marked, arrived…) after now, and
    every date of something done after the clinic's today."""
    now, today = clock.now(), clock.today(clinic)
    late = []
    for model in apps.get_models():
        label = model._meta.label
        if not any(f.name == "clinic" for f in model._meta.fields) or label == "iop.Clinic":
            continue
        rows = model._default_manager.filter(clinic=clinic)
        for field in model._meta.fields:
            if isinstance(field, models.DateTimeField) and field.name not in BOOKED.get(label, ()):
                for pk, value in rows.filter(**{f"{field.name}__gt": now}).values_list(
                    "pk", field.name
                ):
                    late.append(f"{label}.{field.name} {pk}: {value}")
        for name in HAPPENED_ON.get(label, ()):
            for pk, value in rows.filter(**{f"{name}__gt": today}).values_list("pk", name):
                late.append(f"{label}.{name} {pk}: {value}")
    ahead = {
        "session held before it ended": Session.objects.filter(status="held", ends_at__gt=now),
        "attendance marked before it began": Attendance.objects.exclude(status="expected").filter(
            starts_at__gt=now
        ),
        "inquiry assessed ahead of time": Inquiry.objects.filter(
            status__in=["assessed", "referred"], assessment_at__gt=now
        ),
        "drug test collected for a day to come": DrugTest.objects.filter(
            collected_at__isnull=False, ordered_for__gt=today
        ),
    }
    for what, rows in ahead.items():
        late += [f"{what}: {pk}" for pk in rows.filter(clinic=clinic).values_list("pk", flat=True)]
    return late


@pytest.mark.django_db
@pytest.mark.parametrize(
    "instant",
    [SUNDAY_NIGHT, WEDNESDAY_MORNING, MONDAY_MORNING],
    ids=["sunday-night", "wednesday-morning", "monday-morning"],
)
def test_the_demo_keeps_each_clinics_hours_and_records_nothing_ahead_of_now(
    instant: datetime.datetime,
) -> None:
    with time_machine.travel(instant, tick=False):
        call_command("seed_demo", patients=12, stdout=StringIO())
        now = clock.now()
        for clinic in Clinic.objects.filter(slug__in=["demo", "second"]):
            with clinic_context(clinic.pk):
                assert booked_outside_hours(clinic) == []
                assert recorded_in_the_future(clinic) == []
                # Both checks had rows to look at: the demo books and records on both
                # sides of now.
                sessions = Session.objects.filter(clinic=clinic)
                assert sessions.filter(starts_at__gt=now).exists()
                assert sessions.filter(status="held").exists()
                inquiries = Inquiry.objects.filter(clinic=clinic)
                assert inquiries.filter(assessment_at__gt=now).exists()
                assert inquiries.filter(assessment_at__lt=now).exists()
                assert DrugTest.objects.filter(clinic=clinic, collected_at__isnull=False).exists()


def test_the_pinned_instants_are_the_ones_meant() -> None:
    """What the instants above stand for, on the demo clinics' clocks."""
    new_york, chicago = clock.zone_named("America/New_York"), clock.zone_named("America/Chicago")
    assert f"{SUNDAY_NIGHT.astimezone(new_york):%a %H:%M}" == "Sun 23:30"
    assert f"{SUNDAY_NIGHT.astimezone(chicago):%a %H:%M}" == "Sun 22:30"
    assert f"{WEDNESDAY_MORNING.astimezone(chicago):%a %H:%M}" == "Wed 09:00"
    # Before the morning cup in Chicago (08:45), after it in New York.
    assert f"{MONDAY_MORNING.astimezone(chicago):%a %H:%M}" == "Mon 08:10"
    assert f"{MONDAY_MORNING.astimezone(new_york):%a %H:%M}" == "Mon 09:10"


@pytest.mark.django_db
def test_the_demos_first_screen_on_a_sunday_night_is_mondays_lists() -> None:
    with time_machine.travel(SUNDAY_NIGHT, tick=False) as traveller:
        call_command("seed_demo", patients=12, stdout=StringIO())
        front_desk = User.objects.get(email="frontdesk@second.example")
        client = Client()
        client.force_login(front_desk)
        sunday = client.get("/c/second/").content.decode()
        traveller.move_to(MONDAY_MORNING)
        client.force_login(front_desk)  # the idle limit signed them out overnight
        monday = client.get("/c/second/").content.decode()
    assert "The clinic is closed today (Sunday)." in sunday
    assert 'Next open day: <a href="?date=2026-12-07">Monday, December 7</a>' in sunday
    assert "Roster · Monday, December 7" in sunday
    assert "9:00 AM–10:30 AM · Process group" in sunday  # the morning track's first group
    assert "closed today" not in monday
    assert "Roster · Monday, December 7" in monday
    assert "9:00 AM–10:30 AM · Process group" in monday
