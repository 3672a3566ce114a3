"""Benchmark, not a test: each report for 1,000 patients × 12 weeks, beside a raw-SQL floor.

The clinic gets two tracks (three 3-hour groups a week each), 1,000 stays admitted over the
twelve weeks (a quarter of them ended), every session's list marked (one in ten absent), a
PHQ-9 every two weeks and a BAM a week. Rows are bulk-inserted (a bench, not a walk through
the services). Each report is built as its page builds it (`selectors.report_build`), three
times after a warm-up; its query count is printed beside the time. The floor is one SQL
statement per report reading the same rows the report must read (the least any
implementation pays); the difference is the report's own work.
"""

import datetime
import random
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.models import Enrollment, Patient
from iop.tenancy import clinic_context
from progress.models import Measure
from reports import selectors
from reports.cohort import ReportFilter
from scheduling.models import Attendance, Session
from tests import factories
from tests.reports.cohort import BAM_ZERO

PATIENTS = 1_000
WEEKS = 12

FLOORS = {
    "census": """SELECT d::date, count(e.id) FROM generate_series(%(start)s::date, %(end)s::date,
        '1 day') d LEFT JOIN iop_enrollment e ON e.clinic_id = %(clinic)s
        AND e.admission_date <= d AND (e.ended_on IS NULL OR e.ended_on >= d) GROUP BY d""",
    "stays": """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(1, e.ended_on -
        e.admission_date)), avg(greatest(1, e.ended_on - e.admission_date))
        FROM iop_enrollment e WHERE e.clinic_id = %(clinic)s
        AND e.ended_on BETWEEN %(start)s AND %(end)s""",
    "attendance": """SELECT s.track_id, extract(dow FROM s.day), sum(a.minutes_attended),
        sum(extract(epoch FROM a.ends_at - a.starts_at) / 60) FROM scheduling_attendance a
        JOIN scheduling_session s ON s.id = a.session_id WHERE a.clinic_id = %(clinic)s
        AND s.day BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
    "outcomes": """SELECT m.patient_id, min(m.total), max(m.total), count(*) FROM progress_measure
        m WHERE m.clinic_id = %(clinic)s AND m.administered_on <= %(end)s GROUP BY 1""",
}


def _clinic_of_a_thousand() -> tuple[object, ReportFilter]:
    rng = random.Random(19)
    clinic = factories.ClinicFactory(slug="bench-reports", name="Bench reports")
    admin = factories.member(clinic).user
    tracks = [
        factories.track(clinic, actor=admin, name="Morning", active_from=datetime.date(2026, 1, 1)),
        factories.track(
            clinic,
            actor=admin,
            name="Evening",
            slot="evening",
            hours=(datetime.time(18), datetime.time(21)),
            active_from=datetime.date(2026, 1, 1),
        ),
    ]
    tz = clock.zone(clinic)
    first = clock.week_start(clock.today(clinic)) - datetime.timedelta(weeks=WEEKS)
    last = first + datetime.timedelta(weeks=WEEKS, days=-1)
    with clinic_context(clinic.pk):
        patients = Patient.objects.bulk_create(
            Patient(
                clinic=clinic,
                record_number=f"B{n:05}",
                legal_first_name="Bench",
                legal_last_name=f"P{n}",
                date_of_birth=datetime.date(1985, 1, 1),
            )
            for n in range(PATIENTS)
        )
        stays = []
        for n, patient in enumerate(patients):
            admitted = first + datetime.timedelta(days=rng.randrange(WEEKS * 7 - 14))
            ended = (
                admitted + datetime.timedelta(days=rng.randrange(10, 60)) if n % 4 == 0 else None
            )
            if ended and ended > last:
                ended = None
            stays.append(
                Enrollment(
                    clinic=clinic,
                    patient=patient,
                    track=tracks[n % 2],
                    admission_date=admitted,
                    planned_end_date=admitted + datetime.timedelta(weeks=10),
                    status="completed" if ended else "active",
                    ended_on=ended,
                )
            )
        Enrollment.objects.bulk_create(stays)
        sessions = []
        for track in tracks:
            start_hour = track.starts_at.hour
            for week in range(WEEKS):
                for weekday in track.weekdays:
                    day = first + datetime.timedelta(weeks=week, days=weekday)
                    sessions.append(
                        Session(
                            clinic=clinic,
                            kind="group",
                            track=track,
                            day=day,
                            status="held",
                            starts_at=clock.at(tz, day, datetime.time(start_hour)),
                            ends_at=clock.at(tz, day, datetime.time(start_hour + 3)),
                        )
                    )
        Session.objects.bulk_create(sessions)
        rows, measures = [], []
        for stay in stays:
            end = stay.ended_on or last
            for session in sessions:
                if session.track_id == stay.track_id and stay.admission_date <= session.day <= end:
                    absent = rng.random() < 0.1
                    rows.append(
                        Attendance(
                            clinic=clinic,
                            session=session,
                            patient=stay.patient,
                            starts_at=session.starts_at,
                            ends_at=session.ends_at,
                            status="absent" if absent else "present",
                            minutes_attended=0 if absent else 180,
                        )
                    )
            day = stay.admission_date
            while day <= end:
                measures.append(
                    Measure(
                        clinic=clinic,
                        patient=stay.patient,
                        instrument="phq9",
                        recorded_by=admin,
                        answers=[1] * 9,
                        total=rng.randrange(4, 22),
                        administered_on=day,
                    )
                )
                measures.append(
                    Measure(
                        clinic=clinic,
                        patient=stay.patient,
                        instrument="bam",
                        recorded_by=admin,
                        answers=BAM_ZERO,
                        bam_use=0,
                        bam_risk=rng.randrange(12),
                        bam_protective=rng.randrange(12),
                        administered_on=day + datetime.timedelta(days=3),
                    )
                )
                day += datetime.timedelta(days=14)
        Attendance.objects.bulk_create(rows, batch_size=5_000)
        Measure.objects.bulk_create(measures, batch_size=5_000)
    print(
        f"\n{PATIENTS} patients, {len(sessions)} sessions, {len(rows)} attendance rows, "
        f"{len(measures)} measures"
    )
    return clinic, ReportFilter(start=first, end=last)


def test_report_seconds_beside_a_raw_sql_floor(db: None) -> None:
    clinic, filters = _clinic_of_a_thousand()
    params = {"clinic": clinic.pk, "start": filters.start, "end": filters.end}  # type: ignore[attr-defined]
    with clinic_context(clinic.pk):  # type: ignore[attr-defined]
        for slug in selectors.REPORTS:
            selectors.report_build(clinic=clinic, slug=slug, filters=filters)  # type: ignore[arg-type]
            timings = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    selectors.report_build(clinic=clinic, slug=slug, filters=filters)  # type: ignore[arg-type]
                    timings.append(time.perf_counter() - started)
            floors = []
            with connection.cursor() as cursor:
                for _ in range(3):
                    started = time.perf_counter()
                    cursor.execute(FLOORS[slug], params)
                    cursor.fetchall()
                    floors.append(time.perf_counter() - started)
            print(
                f"{slug:<11} median {statistics.median(timings):.3f} s over 3, "
                f"{len(queries)} queries; raw-SQL floor {statistics.median(floors):.3f} s"
            )
