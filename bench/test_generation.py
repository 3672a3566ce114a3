"""Benchmark, not a test: the session generator for a large clinic (50 tracks × 12 weeks)."""

import datetime
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock, services
from iop.models import Clinic, Track
from iop.tenancy import clinic_context
from scheduling import services as calendar
from tests import factories
from tests.conftest import build_tenant


def test_generate_50_tracks_12_weeks(db: None) -> None:
    tenant = build_tenant("bench-gen")
    admin = tenant.admin.user
    Clinic.objects.filter(pk=tenant.clinic.pk).update(generate_weeks_ahead=12)
    tenant.clinic.refresh_from_db()
    for n in range(49):
        start = datetime.time(7 + n % 12)
        factories.track(
            tenant.clinic, actor=admin, name=f"Track {n:02d}",
            hours=(start, datetime.time(start.hour + 3) if start.hour < 21 else datetime.time(23)),
        )  # fmt: skip
    for n in range(150):  # three patients on each track
        patient = factories.patient(tenant.clinic, actor=admin, legal_last_name=f"Bench{n}")
        with clinic_context(tenant.clinic.pk):
            track = Track.objects.filter(clinic=tenant.clinic).order_by("id")[n % 50]
        services.enrollment_create(
            patient=patient, actor=admin, track=track, admission_date=clock.today(tenant.clinic)
        )
    today = clock.today(tenant.clinic)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = calendar.sessions_generate(clinic=tenant.clinic, today=today)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = calendar.sessions_generate(clinic=tenant.clinic, today=today)
    second = time.perf_counter() - started
    print(
        f"\n50 tracks × 12 weeks: {result.sessions} sessions, {result.attendance} attendance rows "
        f"in {first:.2f} s ({len(queries)} queries); second run {second:.2f} s, "
        f"created {again.sessions}"
    )
