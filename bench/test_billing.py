"""Benchmark, not a test: claim readiness for 300 patients × 30 days, beside a raw-SQL floor.

One IOP track of five three-hour groups a week; 300 patients enrolled before the range, each
on every group's list (one in ten absent), with a verified primary coverage of a set-up payer,
an H0015 authorization, a primary diagnosis and a Part 2 consent; every group's note signed;
a third of the patients' first week already on claims. Rows are bulk-inserted (a bench, not a
walk through the services). The product is `claim_readiness` over the 30 days, as the worklist
and the API call it; the floor is one SQL statement reading the same attendance rows, summed
per patient and day (the least any readiness must read). Samples are interleaved (floor,
product, …) and reduced to medians (bench/floors.py).
"""

import datetime
import random
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import floors
from billing import selectors
from billing.models import Claim, ClaimLine
from groups.models import GroupNote
from iop import clock
from iop.models import Authorization, Coverage, Diagnosis, Enrollment, Patient
from iop.tenancy import clinic_context
from scheduling.models import Attendance, Session
from tests import factories
from tests.billing.records import payer as make_payer
from tests.billing.records import provider as make_provider

PATIENTS = 300
DAYS = 30

FLOOR = """SELECT a.patient_id, s.day, sum(a.minutes_attended) FROM scheduling_attendance a
    JOIN scheduling_session s ON s.id = a.session_id WHERE a.clinic_id = %(clinic)s
    AND a.is_active AND a.status IN ('present', 'late', 'left_early')
    AND s.day BETWEEN %(start)s AND %(end)s GROUP BY 1, 2"""


def _clinic(rng: random.Random) -> tuple[object, datetime.date, datetime.date, int]:
    clinic = factories.ClinicFactory(slug="bench-billing", name="Bench billing")
    admin = factories.member(clinic).user
    therapist = factories.member(clinic, "therapist")
    make_provider(clinic, actor=admin)
    payer = make_payer(clinic, actor=admin, rate_per_unit=Decimal("250.00"))
    track = factories.track(clinic, actor=admin, active_from=datetime.date(2026, 1, 1))
    tz = clock.zone(clinic)
    end = clock.today(clinic) - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=DAYS - 1)
    admitted = start - datetime.timedelta(days=7)
    with clinic_context(clinic.pk):
        patients = Patient.objects.bulk_create(
            Patient(clinic=clinic, record_number=f"BB{n:04}", legal_first_name="Bench",
                    legal_last_name=f"B{n}", date_of_birth=datetime.date(1985, 1, 1))
            for n in range(PATIENTS)
        )  # fmt: skip
        stays = Enrollment.objects.bulk_create(
            Enrollment(clinic=clinic, patient=p, track=track, admission_date=admitted,
                       planned_end_date=admitted + datetime.timedelta(weeks=12), status="active")
            for p in patients
        )  # fmt: skip
        coverages = Coverage.objects.bulk_create(
            Coverage(clinic=clinic, patient=p, payer=payer.name, member_id=f"M{p.pk}",
                     verification_status="verified")
            for p in patients
        )  # fmt: skip
        authorizations = Authorization.objects.bulk_create(
            Authorization(clinic=clinic, patient=p, coverage=c, number=f"AU{p.pk}",
                          service_code="H0015", units_authorized=20, start_date=admitted,
                          end_date=end + datetime.timedelta(days=60))
            for p, c in zip(patients, coverages, strict=True)
        )  # fmt: skip
        Diagnosis.objects.bulk_create(
            Diagnosis(clinic=clinic, patient=p, icd10_code="F10.20", description="Primary",
                      category="substance_use", is_primary=True, diagnosed_on=admitted)
            for p in patients
        )  # fmt: skip
        sessions = Session.objects.bulk_create(
            Session(clinic=clinic, kind="group", track=track, day=day, status="held",
                    starts_at=clock.at(tz, day, datetime.time(9)),
                    ends_at=clock.at(tz, day, datetime.time(12)))
            for day in (start + datetime.timedelta(days=n) for n in range(DAYS))
            if day.weekday() < 5
        )  # fmt: skip
        GroupNote.objects.bulk_create(
            GroupNote(clinic=clinic, session=s, summary="Skills", signed_by=therapist.user,
                      signed_at=s.ends_at)
            for s in sessions
        )  # fmt: skip
        rows = [
            Attendance(clinic=clinic, session=s, patient=p, starts_at=s.starts_at,
                       ends_at=s.ends_at, status="absent" if absent else "present",
                       minutes_attended=0 if absent else 180)
            for s in sessions
            for p in patients
            for absent in [rng.random() < 0.1]
        ]  # fmt: skip
        Attendance.objects.bulk_create(rows, batch_size=5_000)
        # A third of the patients' first week already claimed: readiness skips those days.
        first_week = [s.day for s in sessions if s.day < start + datetime.timedelta(days=7)]
        claims = Claim.objects.bulk_create(
            Claim(clinic=clinic, patient=p, payer=payer, enrollment=e, member_id=f"M{p.pk}",
                  claim_format=payer.claim_format, period_start=start, period_end=end,
                  diagnosis_codes=["F10.20"])
            for p, e in list(zip(patients, stays, strict=True))[::3]
        )  # fmt: skip
        by_patient = {a.patient_id: a for a in authorizations}
        ClaimLine.objects.bulk_create(
            ClaimLine(clinic=clinic, claim=c, patient_id=c.patient_id, service_date=day,
                      procedure_code="H0015", revenue_code="0906", place_of_service="57",
                      charge=payer.rate_per_unit, authorization=by_patient[c.patient_id],
                      authorization_number=by_patient[c.patient_id].number,
                      diagnosis_pointers=[1])
            for c in claims
            for day in first_week
        )  # fmt: skip
    print(f"\n{PATIENTS} patients, {len(sessions)} sessions, {len(rows)} attendance rows")
    return clinic, start, end, len(rows)


def test_claim_readiness_beside_a_raw_sql_floor(db: None) -> None:
    clinic, start, end, attendance = _clinic(random.Random(18))
    params = {"clinic": clinic.pk, "start": start, "end": end}  # type: ignore[attr-defined]
    # Twice: as loaded (no statistics: the planner takes each table for one row and nests
    # loops), then analyzed, as autovacuum leaves a live database soon after a load this size.
    for state in ("no statistics yet", "analyzed"):
        if state == "analyzed":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        with clinic_context(clinic.pk), connection.cursor() as cursor:  # type: ignore[attr-defined]

            def floor() -> object:
                cursor.execute(FLOOR, params)
                return cursor.fetchall()

            def product() -> object:
                return selectors.claim_readiness(clinic=clinic, start=start, end=end)  # type: ignore[arg-type]

            with CaptureQueriesContext(connection) as ran:
                readiness = product()
            assert readiness.days  # type: ignore[attr-defined]
            floor_ms, product_ms = floors.interleaved(floor, product)
        days = len(readiness.days)  # type: ignore[attr-defined]
        ready = readiness.ready_days  # type: ignore[attr-defined]
        floors.record(
            floors.Row(
                f"claim readiness, {PATIENTS} patients × {DAYS} days, {state}",
                "one SELECT of the attended minutes per patient and day",
                floor_ms,
                product_ms,
                queries=f"{len(ran)}",
                note=f"{attendance} attendance rows, {days} days judged, {ready} ready",
            )
        )
