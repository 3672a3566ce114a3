"""The hours ledger: per patient per week, scheduled against attended minutes by kind, the
ASAM weekly minimum, billable days and a mid-week projection (DOMAIN.md: ASAM 2.1 needs 9
hours a week for adults, 6 for adolescents; a day bills as IOP with at least 3 hours).

Weeks run Monday to Sunday in the clinic's time zone; durations are real elapsed minutes, so
a week that crosses a daylight-saving change is counted correctly.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from iop import clock
from iop.models import Clinic, Patient

from .models import Attendance
from .services import elapsed_minutes

ATTENDED = ("present", "late", "left_early")
# The miss-risk flag: this many unexcused misses within the window (chart, caseload, make-ups).
MISS_RISK = 2
MISS_WINDOW_DAYS = 14


@dataclass
class Week:
    patient: Patient
    start: datetime.date
    minimum: int  # minutes
    adolescent: bool = False  # the minimum is the adolescents' one
    scheduled: int = 0
    attended: int = 0
    still_possible: int = 0  # minutes of sessions not yet held or marked
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_day: dict[datetime.date, int] = field(default_factory=lambda: defaultdict(int))
    billable_minutes: int = 180

    @property
    def hours(self) -> dict[str, float]:
        """attended, scheduled, minimum and reachable, in hours (one decimal) for display."""
        return {
            name: round(getattr(self, name) / 60, 1)
            for name in ("attended", "scheduled", "minimum", "reachable")
        }

    @property
    def billable_days(self) -> int:
        return sum(1 for minutes in self.by_day.values() if minutes >= self.billable_minutes)

    @property
    def reachable(self) -> int:
        """The most this week can still come to."""
        return self.attended + self.still_possible

    @property
    def under_minimum(self) -> bool:
        return self.scheduled > 0 and self.still_possible == 0 and self.attended < self.minimum

    @property
    def at_risk(self) -> bool:
        """Mid-week: even attending everything left would not reach the minimum."""
        return self.still_possible > 0 and self.reachable < self.minimum


def minimum_for(clinic: Clinic, patient: Patient) -> int:
    if patient.adolescent_on(clock.today(clinic)):
        return clinic.weekly_minimum_minutes_adolescent
    return clinic.weekly_minimum_minutes_adult


def _empty_week(clinic: Clinic, patient: Patient, start: datetime.date) -> Week:
    adolescent = patient.adolescent_on(clock.today(clinic))
    return Week(
        patient=patient, start=start, minimum=minimum_for(clinic, patient),
        adolescent=adolescent, billable_minutes=clinic.billable_day_minutes,
    )  # fmt: skip


def weeks_for(
    *,
    clinic: Clinic,
    start: datetime.date,
    weeks: int = 1,
    patients: list[Patient] | None = None,
    now: datetime.datetime | None = None,
) -> dict[tuple[int, datetime.date], Week]:
    """The ledger for `weeks` weeks from the Monday of `start`, as it stands at `now` (what is
    still possible), one query for all patients."""
    tz = clock.zone(clinic)
    first = clock.week_start(start)
    begin = clock.at(tz, first, datetime.time.min)
    end = clock.at(tz, first + datetime.timedelta(weeks=weeks), datetime.time.min)
    rows = (
        Attendance.objects.filter(
            clinic=clinic, is_active=True, starts_at__gte=begin, starts_at__lt=end
        )
        .exclude(session__status="cancelled")
        .select_related("session", "patient")
    )
    if patients is not None:
        rows = rows.filter(patient__in=patients)
    now = now or clock.now()
    ledger: dict[tuple[int, datetime.date], Week] = {}
    for row in rows:
        monday = clock.week_start(row.session.day)
        week = ledger.get((row.patient_id, monday))
        if week is None:
            week = ledger[(row.patient_id, monday)] = _empty_week(clinic, row.patient, monday)
        length = elapsed_minutes(row.starts_at, row.ends_at)
        week.scheduled += length
        if row.status in ATTENDED:
            minutes = row.minutes_attended or 0
            week.attended += minutes
            week.by_kind[row.session.kind] += minutes
            week.by_day[row.session.day] += minutes
        elif row.status == "expected" and row.ends_at > now:
            week.still_possible += length
    return ledger


def patient_weeks(*, clinic: Clinic, patient: Patient, weeks: int = 5) -> list[Week]:
    """The patient's last `weeks` weeks up to this one, oldest first (empty weeks included)."""
    this_monday = clock.week_start(clock.today(clinic))
    first = this_monday - datetime.timedelta(weeks=weeks - 1)
    ledger = weeks_for(clinic=clinic, start=first, weeks=weeks, patients=[patient])
    return [
        ledger.get(
            (patient.pk, first + datetime.timedelta(weeks=n)),
            _empty_week(clinic, patient, first + datetime.timedelta(weeks=n)),
        )
        for n in range(weeks)
    ]


def count_billed_units(*, clinic: Clinic, authorizations: list[Any]) -> None:
    """Set `billed_days` on each authorization: days in its window on which its patient
    attended at least the clinic's billable minimum (one query for the whole list)."""
    if not authorizations:
        return
    first = min(a.start_date for a in authorizations)
    last = max(a.end_date for a in authorizations)
    minutes = (
        Attendance.objects.filter(
            clinic=clinic,
            is_active=True,
            status__in=ATTENDED,
            patient_id__in={a.patient_id for a in authorizations},
            session__day__range=(first, last),
        )
        .values_list("patient_id", "session__day")
        .annotate(total=Sum("minutes_attended"))
    )
    billable = {
        (patient, day)
        for patient, day, total in minutes
        if (total or 0) >= clinic.billable_day_minutes
    }
    for authorization in authorizations:
        authorization.billed_days = sum(
            1
            for patient, day in billable
            if patient == authorization.patient_id
            and authorization.start_date <= day <= authorization.end_date
        )


def unexcused_miss(*, today: datetime.date, now: datetime.datetime) -> Q:
    """The one rule for an unexcused miss that counts towards the risk flag, as a filter on
    attendance: marked absent (not excused) on a session of the last `MISS_WINDOW_DAYS` days
    that has ended and was not cancelled. The attendance mark is the source, so the chart,
    the caseload and the make-ups queue agree from the moment it is made (the missed-session
    record waits out the grace period)."""
    return Q(
        is_active=True,
        status="absent",
        ends_at__lte=now,
        session__day__gte=today - datetime.timedelta(days=MISS_WINDOW_DAYS),
    ) & ~Q(session__status="cancelled")


def unexcused_misses(
    *, clinic: Clinic, patient_ids: list[int], now: datetime.datetime | None = None
) -> dict[int, int]:
    """Unexcused misses per patient (`unexcused_miss`), one query; `MISS_RISK` or more is
    the risk flag (`miss_risk`)."""
    now = now or clock.now()
    rows = (
        Attendance.objects.filter(clinic=clinic, patient_id__in=patient_ids)
        .filter(unexcused_miss(today=clock.local_date(clinic, now), now=now))
        .values("patient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["patient_id"]: row["n"] for row in rows}


def unexcused_misses_of_outer_patient(*, clinic: Clinic, now: datetime.datetime) -> Coalesce:
    """`unexcused_misses` as an annotation on a patient query (`OuterRef("pk")`): the chart
    gets its count with the patient, in the same query."""
    misses = (
        Attendance.objects.filter(clinic=clinic, patient=OuterRef("pk"))
        .filter(unexcused_miss(today=clock.local_date(clinic, now), now=now))
        .order_by()
        .values("patient")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(misses, output_field=IntegerField()), Value(0))


def miss_risk(misses: int) -> bool:
    return misses >= MISS_RISK
