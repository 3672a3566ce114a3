"""The realistic size of issue #16, shared by the benches that measure whole pages: one clinic
with 300 active patients and 12 weeks of history (`realistic_clinic`), and 1,000 other
clinics whose rows share its tables (`other_clinics`).

The clinic is `build_tenant`'s (every role, a token, one patient with a full record) and its
Mon/Tue/Thu morning track, with 299 more patients enrolled on it, admitted over the twelve
weeks. Every held group since each patient's admission has them on its list (one in ten
absent, the rest present for the three hours), a PHQ-9 every two weeks, and the absences
swept into the make-up queue. Today one three-hour group, begun half an hour ago, has all
300 on its list, two thirds marked present: the roster of the issue's "300 attendees".

Rows are bulk-inserted (a bench, not a walk through the services), as the other benches do.
"""

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

from iop import clock
from iop.models import Clinic, Diagnosis, Enrollment, Patient, Track, User
from iop.tenancy import clinic_context
from progress.models import Measure
from scheduling import makeups
from scheduling import services as calendar
from scheduling.models import Attendance, Session
from tests.conftest import Tenant, build_tenant

PATIENTS = 300
WEEKS = 12
OTHER_CLINICS = 1_000
# Each other clinic: a track, its patients enrolled on it, two groups a week for the twelve
# weeks with everyone on every list, a diagnosis and a PHQ-9 each.
OTHER_PATIENTS = 20
OTHER_SESSIONS = 2 * WEEKS
OTHER_CLINIC_MODELS = (Clinic, Track, Patient, Enrollment, Session, Attendance, Diagnosis, Measure)


@dataclass
class Realistic:
    tenant: Tenant
    session: Session  # today's, with all 300 on its list
    attendance: int  # history rows
    measures: int
    misses: int

    @property
    def slug(self) -> str:
        return str(self.tenant.clinic.slug)

    @property
    def roster_url(self) -> str:
        return f"/c/{self.slug}/roster/?date={self.session.day:%Y-%m-%d}"

    def pages(self) -> dict[str, str]:
        """The main pages at this size, by name: what `bench/test_sizes.py` weighs."""
        c = f"/c/{self.slug}"
        return {
            "today (the roster), 300 attendees": f"{c}/",
            "patients list": f"{c}/patients/",
            "chart": f"{c}/patients/{self.tenant.patient.pk}/",
            "caseload": f"{c}/caseload/",
            "make-ups": f"{c}/makeups/",
            "claim readiness": f"{c}/billing/",
        }


def realistic_clinic(slug: str) -> Realistic:
    rng = random.Random(16)
    tenant = build_tenant(slug)
    clinic, admin = tenant.clinic, tenant.admin.user
    today = clock.today(clinic)
    tz = clock.zone(clinic)
    first = today - datetime.timedelta(weeks=WEEKS)
    with clinic_context(clinic.pk):
        track = Track.objects.get(pk=tenant.records["enrollment_id"].track_id)
        extra = Patient.objects.bulk_create(
            Patient(clinic=clinic, record_number=f"R{n:05d}", legal_first_name="Real",
                    legal_last_name=f"Size{n:04d}", date_of_birth=datetime.date(1985, 1, 1))
            for n in range(PATIENTS - 1)
        )  # fmt: skip
        admitted = {tenant.patient.pk: tenant.records["enrollment_id"].admission_date}
        for patient in extra:
            admitted[patient.pk] = first + datetime.timedelta(days=rng.randrange(WEEKS * 7 - 7))
        Enrollment.objects.bulk_create(
            Enrollment(clinic=clinic, patient=p, track=track, status="active",
                       admission_date=admitted[p.pk],
                       planned_end_date=admitted[p.pk] + datetime.timedelta(weeks=WEEKS))
            for p in extra
        )  # fmt: skip
        days = (first + datetime.timedelta(days=n) for n in range(WEEKS * 7))
        sessions = Session.objects.bulk_create(
            Session(clinic=clinic, kind="group", track=track, day=day, status="held",
                    starts_at=clock.at(tz, day, track.starts_at),
                    ends_at=clock.at(tz, day, track.ends_at))
            for day in days
            if day.weekday() in track.weekdays
        )  # fmt: skip
        # The fixture patient's record has sessions of its own: none of theirs may overlap.
        taken = {
            tenant.patient.pk: list(
                Attendance.objects.filter(patient=tenant.patient, is_active=True).values_list(
                    "starts_at", "ends_at"
                )
            )
        }
        rows = [
            Attendance(clinic=clinic, session=s, patient_id=pk, starts_at=s.starts_at,
                       ends_at=s.ends_at, status="absent" if absent else "present",
                       minutes_attended=0 if absent else 180)
            for s in sessions
            for pk, since in admitted.items()
            if since <= s.day
            and not any(a < s.ends_at and s.starts_at < b for a, b in taken.get(pk, ()))
            for absent in [rng.random() < 0.1]
        ]  # fmt: skip
        Attendance.objects.bulk_create(rows, batch_size=5_000)
        measures = [
            Measure(clinic=clinic, patient_id=pk, instrument="phq9", recorded_by=admin,
                    answers=[1] * 9, total=rng.randrange(4, 22),
                    administered_on=since + datetime.timedelta(days=14 * n))
            for pk, since in admitted.items()
            for n in range((today - since).days // 14 + 1)
        ]  # fmt: skip
        Measure.objects.bulk_create(measures, batch_size=5_000)
    swept = makeups.missed_sweep(clinic=clinic)
    session = _todays_group(tenant, [tenant.patient.pk, *(p.pk for p in extra)])
    return Realistic(tenant, session, len(rows), len(measures), swept.missed)


def _todays_group(tenant: Tenant, patient_ids: list[int]) -> Session:
    """A three-hour group begun half an hour ago with everyone on its list, two thirds of
    them present (as tests/scheduling/test_roster.py's `todays_session` makes one)."""
    clinic = tenant.clinic
    start = clock.now().replace(microsecond=0) - datetime.timedelta(minutes=30)
    session = calendar.session_create(
        clinic=clinic, actor=tenant.admin.user, kind="group",
        day=clock.local_date(clinic, start), starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
    )  # fmt: skip
    with clinic_context(clinic.pk):
        Attendance.objects.filter(
            clinic=clinic, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at
        ).update(is_active=False)
        Attendance.objects.bulk_create(
            Attendance(clinic=clinic, session=session, patient_id=pk, starts_at=session.starts_at,
                       ends_at=session.ends_at,
                       **({"status": "present", "minutes_attended": 180,
                           "arrived_at": session.starts_at} if n % 3 != 2 else {}))
            for n, pk in enumerate(patient_ids)
        )  # fmt: skip
    return session


# --- 1,000 other clinics ----------------------------------------------------------------------


def _insert_select(
    template: Model, computed: dict[str, str], source: str
) -> tuple[str, dict[str, Any]]:
    """INSERT … SELECT of `template`'s table: the columns in `computed` from SQL over
    `source`, every other column the template's own value (as bulk_create would write it)."""
    columns, values, params = [], [], {}
    for field in template._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in computed:
            values.append(computed[field.column])
        else:
            values.append(f"%({field.column})s")
            value = field.pre_save(template, add=True)
            params[field.column] = field.get_db_prep_save(value, connection)
    table = template._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
    return sql, params


def other_clinics(count: int = OTHER_CLINICS) -> int:
    """`count` clinics with a few rows each in the tables the pages read (patients,
    enrollments, sessions, attendance, diagnoses, measures), by a handful of INSERT … SELECT
    statements per clinic, each bound to its clinic as row-level security requires. The
    clinic rows themselves are one bulk insert. Returns the tenant rows written."""
    clinics = Clinic.objects.bulk_create(
        Clinic(name=f"Other clinic {n}", slug=f"other-{n:04d}", timezone="America/Chicago")
        for n in range(count)
    )
    today = clock.now().date()
    first = today - datetime.timedelta(weeks=WEEKS)
    start = datetime.datetime.combine(first, datetime.time(15), tzinfo=datetime.UTC)
    sample = clinics[0]
    patient = Patient(clinic=sample, record_number="", legal_first_name="Other",
                      legal_last_name="", date_of_birth=datetime.date(1980, 1, 1))  # fmt: skip
    track = Track(clinic=sample, name="Morning IOP", slot="morning", weekdays=[1, 3],
                  starts_at=datetime.time(9), ends_at=datetime.time(12),
                  active_from=first)  # fmt: skip
    enrollment = Enrollment(clinic=sample, patient=patient, track=track, status="active",
                            admission_date=first, planned_end_date=today)  # fmt: skip
    session = Session(clinic=sample, kind="group", track=track, day=first, status="held",
                      starts_at=start, ends_at=start + datetime.timedelta(hours=3))  # fmt: skip
    attendance = Attendance(clinic=sample, session=session, patient=patient, starts_at=start,
                            ends_at=start, status="present", minutes_attended=180)  # fmt: skip
    diagnosis = Diagnosis(clinic=sample, patient=patient, icd10_code="F10.20",
                          description="Alcohol dependence", category="substance_use",
                          is_primary=True, diagnosed_on=first)  # fmt: skip
    recorder = User.objects.create(email="other-clinics@bench.example")
    measure = Measure(clinic=sample, patient=patient, instrument="phq9", recorded_by=recorder,
                      answers=[1] * 9, total=9, administered_on=today)  # fmt: skip
    c = "%(clinic)s"
    statements = [
        _insert_select(track, {"clinic_id": c}, ""),
        _insert_select(
            patient,
            {"clinic_id": c, "record_number": "'O' || n", "legal_last_name": "'Other' || n"},
            f"FROM generate_series(1, {OTHER_PATIENTS}) n",
        ),
        _insert_select(
            enrollment,
            {"clinic_id": c, "patient_id": "p.id", "track_id": "t.id"},
            "FROM iop_patient p, scheduling_track t WHERE p.clinic_id = %(clinic)s"
            " AND t.clinic_id = %(clinic)s",
        ),
        # Every third day from twelve weeks ago, 9:00 to 12:00 in Chicago.
        _insert_select(
            session,
            {
                "clinic_id": c,
                "track_id": "t.id",
                "day": "%(first)s::date + n * 3",
                "starts_at": "%(start)s::timestamptz + n * interval '3 days'",
                "ends_at": "%(start)s::timestamptz + n * interval '3 days' + interval '3 hours'",
            },
            f"FROM scheduling_track t, generate_series(0, {OTHER_SESSIONS - 1}) n"
            " WHERE t.clinic_id = %(clinic)s",
        ),
        _insert_select(
            attendance,
            {
                "clinic_id": c,
                "session_id": "s.id",
                "patient_id": "p.id",
                "starts_at": "s.starts_at",
                "ends_at": "s.ends_at",
            },
            "FROM scheduling_session s, iop_patient p WHERE s.clinic_id = %(clinic)s"
            " AND p.clinic_id = %(clinic)s",
        ),
        _insert_select(
            diagnosis,
            {"clinic_id": c, "patient_id": "p.id"},
            "FROM iop_patient p WHERE p.clinic_id = %(clinic)s",
        ),
        _insert_select(
            measure,
            {"clinic_id": c, "patient_id": "p.id"},
            "FROM iop_patient p WHERE p.clinic_id = %(clinic)s",
        ),
    ]
    shared = {"first": first, "start": start}
    written = 0
    with connection.cursor() as cursor:
        for clinic in clinics:
            with clinic_context(clinic.pk):
                for sql, params in statements:
                    cursor.execute(sql, {**params, **shared, "clinic": clinic.pk})
                    written += cursor.rowcount
    return written
