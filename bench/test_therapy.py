"""Benchmark, not a test: the weekly individual-session scheduler for 500 patients and 40
therapists (three tracks, Monday-to-Friday hours): propose, then book."""

import datetime
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.roles import Role
from tests import factories
from tests.therapy.records import caseload_clinic
from therapy import scheduler


def test_schedule_500_patients_40_therapists(db: None) -> None:
    clinic = factories.ClinicFactory(slug="bench-therapy", generate_weeks_ahead=3)
    admin = factories.member(clinic, Role.ADMIN).user
    caseload_clinic(clinic, actor=admin, therapists=40, patients=500)
    monday = clock.week_start(clock.today(clinic))
    monday += datetime.timedelta(weeks=1)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        plan = scheduler.week_propose(clinic=clinic, week_start=monday)
        proposed = time.perf_counter() - started
    started = time.perf_counter()
    booked = scheduler.week_book(clinic=clinic, actor=admin, week_start=monday)
    booking = time.perf_counter() - started
    assert len(plan.placed) + len(plan.unplaced) == 500
    assert len(booked.sessions) == len(plan.placed)
    print(
        f"\ntherapy scheduler, 500 patients / 40 therapists: propose {proposed:.2f} s "
        f"({len(queries)} queries), book {booking:.2f} s; placed {len(plan.placed)}, "
        f"unplaced {len(plan.unplaced)}"
    )
