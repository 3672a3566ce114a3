import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q

from iop import clock
from iop.models import Clinic, Membership
from iop.roles import Role
from iop.tenancy import clinic_context
from scheduling.models import Session
from therapy import scheduler
from therapy.models import Availability, NoteAddendum, ProgressNote, TreatmentPlan


def test_seed_demo_has_weekly_sessions_plans_and_signed_notes(db: None) -> None:
    call_command("seed_demo", patients=12, stdout=StringIO())
    demo = Clinic.objects.get(slug="demo")
    with clinic_context(demo.pk):
        assert Availability.objects.count() == 10  # Mon-Fri for each of the two therapists
        individual = Session.objects.filter(kind="individual")
        assert individual.count() >= 8
        assert TreatmentPlan.objects.filter(version=2).exists()
        assert TreatmentPlan.objects.filter(superseded_at__isnull=False).exists()
        signed = ProgressNote.objects.filter(signed_at__isnull=False)
        assert signed.count() >= 2
        assert ProgressNote.objects.filter(signed_at__isnull=True).exists()
        assert NoteAddendum.objects.exists()


# A Sunday night in both clinics (UTC is already on Monday).
SUNDAY_NIGHT = datetime.datetime(2026, 12, 7, 4, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_every_demo_therapist_works_hours_that_hold_what_they_lead() -> None:
    """No therapist is seeded without working hours, nothing a therapist leads (groups,
    the Wednesday-evening family groups, individual sessions) falls outside them, and every
    track group has a lead."""
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        call_command("seed_demo", patients=6, stdout=StringIO())
    for clinic in Clinic.objects.all():
        tz = clock.zone(clinic)
        with clinic_context(clinic.pk):
            therapists = Membership.objects.filter(role=Role.THERAPIST)
            assert therapists.count() == 2  # the clinic's own and the shared clinician
            hours: dict[tuple[int, int], list[tuple[datetime.time, datetime.time]]] = {}
            for who, weekday, t0, t1 in Availability.objects.values_list(
                "therapist_id", "weekday", "starts_at", "ends_at"
            ):
                hours.setdefault((who, weekday), []).append((t0, t1))
            for member in therapists:
                assert [d for d in range(5) if (member.pk, d) in hours] == [0, 1, 2, 3, 4]
            led = Session.objects.filter(
                Q(lead__role=Role.THERAPIST) | Q(co_lead__role=Role.THERAPIST)
            ).exclude(status="cancelled")
            outside = []
            for lead, co_lead, s, e in led.values_list(
                "lead_id", "co_lead_id", "starts_at", "ends_at"
            ):
                start, end = s.astimezone(tz), e.astimezone(tz)
                for who in {lead, co_lead} - {None}:
                    if not therapists.filter(pk=who).exists():
                        continue
                    windows = hours.get((who, start.weekday()), [])
                    if not any(t0 <= start.time() and end.time() <= t1 for t0, t1 in windows):
                        outside.append((who, start, end))
            assert led.exists()
            assert outside == []
            # Every track group has a lead (the admin's day shows no "No lead"), and the
            # day tracks are not all on one person.
            groups = Session.objects.filter(kind="group", track__isnull=False).exclude(
                status="cancelled"
            )
            assert groups.exists()
            assert not groups.filter(lead__isnull=True).exists()
            assert groups.values("lead").distinct().count() >= 2


@pytest.mark.django_db
def test_the_scheduler_places_every_demo_patient_in_a_fresh_week() -> None:
    with time_machine.travel(SUNDAY_NIGHT, tick=False):
        call_command("seed_demo", patients=40, stdout=StringIO())
        for clinic in Clinic.objects.all():
            week = clock.week_start(clock.today(clinic)) + datetime.timedelta(weeks=2)
            plan = scheduler.week_propose(clinic=clinic, week_start=week)
            # All 25 in active care, in both clinics: the team's therapist (everyone's
            # primary) leads no track group, so their program-day hours are free for these.
            assert len(plan.placed) == 25
            assert plan.unplaced == []
