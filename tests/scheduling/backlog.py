"""A clinic with a backlog of missed group sessions, built in bulk (no sweep runs while it
is built): the sweep's regression test and its benchmark share it."""

import datetime

from iop import clock
from iop.models import Clinic, Enrollment, Patient, Track
from iop.tenancy import clinic_context
from scheduling import services as calendar
from scheduling.models import Attendance, GroupType, Session
from tests import factories
from tests.conftest import Tenant

TRACKS = 10


def build_backlog(tenant: Tenant, misses: int, *, patients_per_track: int = 84) -> int:
    """Ten tracks of one group type, four weeks of history and four ahead, every patient on
    their track's sessions and absent from past ones until `misses` rows: returns how many."""
    clinic, admin = tenant.clinic, tenant.admin.user
    Clinic.objects.filter(pk=clinic.pk).update(generate_weeks_ahead=8)
    clinic.refresh_from_db()
    for n in range(TRACKS - 1):
        start = datetime.time(7 + n)
        factories.track(
            clinic, actor=admin, name=f"Track {n:02d}", capacity=200,
            hours=(start, datetime.time(start.hour + 3)),
        )  # fmt: skip
    today = clock.today(clinic)
    with clinic_context(clinic.pk):
        skills = GroupType.objects.get(clinic=clinic, kind="skills")
        tracks = list(Track.objects.filter(clinic=clinic).order_by("id"))
        patients = Patient.objects.bulk_create(
            Patient(
                clinic=clinic, record_number=f"B{n:05d}", legal_first_name="Bench",
                legal_last_name=f"P{n:05d}", date_of_birth=datetime.date(1980, 1, 1),
            )
            for n in range(TRACKS * patients_per_track)
        )  # fmt: skip
        Enrollment.objects.bulk_create(
            Enrollment(
                clinic=clinic, patient=p, track=tracks[n % TRACKS], status="active",
                admission_date=today - datetime.timedelta(weeks=5),
                planned_end_date=today + datetime.timedelta(weeks=5),
            )
            for n, p in enumerate(patients)
        )  # fmt: skip
    calendar.sessions_generate(clinic=clinic, today=today - datetime.timedelta(weeks=4))
    with clinic_context(clinic.pk):
        Session.objects.filter(clinic=clinic).update(group_type=skills)
        past = list(
            Session.objects.filter(
                clinic=clinic, ends_at__lt=clock.now() - datetime.timedelta(hours=1)
            )
            .order_by("-starts_at")  # the latest first: they have coming sessions to propose
            .values_list("id", "track_id", "starts_at", "ends_at")
        )
        rows = [
            Attendance(
                clinic=clinic, session_id=sid, patient=p, starts_at=start, ends_at=end,
                status="absent", minutes_attended=0,
            )
            for sid, track_id, start, end in past
            for n, p in enumerate(patients)
            if tracks[n % TRACKS].pk == track_id
        ][:misses]  # fmt: skip
        Attendance.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
