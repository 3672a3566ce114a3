"""Attendance, over whole weeks (Monday to Sunday, the ledger's weeks) from the week of the
range's first day to the week of its last, for the patients of the stays the filters select,
in the weeks one of those stays covers.

- *Attended over scheduled minutes*: the hours ledger's minutes (scheduling.ledger): a
  session's full length is scheduled, its attended minutes count when the patient was present,
  late or left early; cancelled sessions and sessions still to come are left out.
- *Weeks under the ASAM minimum*: the ledger's `under_minimum` (the minimum by the patient's
  age that week), over the weeks that had sessions and are over.
- *Missed sessions*: the missed-session records the sweep keeps (absent or excused, one per
  attendance, corrected marks withdrawn). *Made up within the window*: the make-up was
  attended no later than the clinic's make-up window after the missed session.
- *Billable-day rate*: the ledger's billable days (at least the clinic's billable minutes
  attended that day) over the days the patient had a session that was held.

Five queries: the stays, the ledger, the minutes by track, group type and weekday, the
misses and their make-ups.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from iop import clock
from iop.models import Clinic, Enrollment
from scheduling import ledger
from scheduling.models import Attendance, MissedSession, MissedStatus, SessionKind

from . import cohort
from .cohort import ReportFilter

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

HOW = {
    "minutes": "Minutes attended (present, late or left early) over the minutes of sessions "
    "held, from the hours ledger; whole weeks, Monday to Sunday.",
    "minimum": "Patient-weeks with sessions, now over, where attended hours stayed under the "
    "ASAM 2.1 minimum for the patient's age that week.",
    "misses": "Missed sessions (absent or excused) the missed-session sweep recorded; made up "
    "when the make-up was attended within the clinic's make-up window of {window} days.",
    "billable": "Days with at least {hours} hours attended, over the days a patient had a "
    "session that was held.",
}


@dataclass
class Share:
    name: str
    attended: int = 0  # minutes
    scheduled: int = 0

    @property
    def rate(self) -> float | None:
        return cohort.rate(self.attended, self.scheduled)


@dataclass
class AttendanceReport:
    filters: ReportFilter
    first_week: datetime.date
    weeks: int
    overall: Share
    by_track: list[Share]
    by_group_type: list[Share]
    by_weekday: list[Share]
    patient_weeks: int
    weeks_under_minimum: int
    misses: int
    unexcused_misses: int
    made_up_in_window: int
    billable_days: int
    held_days: int
    makeup_window_days: int
    billable_day_minutes: int

    @property
    def under_minimum_rate(self) -> float | None:
        return cohort.rate(self.weeks_under_minimum, self.patient_weeks)

    @property
    def recovery_rate(self) -> float | None:
        return cohort.rate(self.made_up_in_window, self.misses)

    @property
    def billable_day_rate(self) -> float | None:
        return cohort.rate(self.billable_days, self.held_days)

    @property
    def how(self) -> dict[str, str]:
        return {
            "minutes": HOW["minutes"],
            "minimum": HOW["minimum"],
            "misses": HOW["misses"].format(window=self.makeup_window_days),
            "billable": HOW["billable"].format(hours=round(self.billable_day_minutes / 60, 1)),
        }


def _covered(stays: list[Enrollment], monday: datetime.date) -> bool:
    sunday = monday + datetime.timedelta(days=6)
    return any(
        stay.admission_date <= sunday and (stay.ended_on is None or stay.ended_on >= monday)
        for stay in stays
    )


def attendance_report(
    *, clinic: Clinic, filters: ReportFilter, now: datetime.datetime | None = None
) -> AttendanceReport:
    now = now or clock.now()
    first = cohort.week_of(filters.start)
    weeks = (cohort.week_of(filters.end) - first).days // 7 + 1
    after = first + datetime.timedelta(weeks=weeks)
    by_patient: dict[int, list[Enrollment]] = defaultdict(list)
    for stay in cohort.stays(clinic=clinic, filters=filters):
        by_patient[stay.patient_id].append(stay)
    patients = [stays[0].patient for stays in by_patient.values()]

    the_ledger = ledger.weeks_for(
        clinic=clinic, start=first, weeks=weeks, patients=patients, now=now
    )
    patient_weeks = under = billable = 0
    for (patient_id, monday), week in the_ledger.items():
        if not _covered(by_patient[patient_id], monday):
            continue
        billable += week.billable_days
        if week.scheduled and not week.still_possible:
            patient_weeks += 1
            under += week.under_minimum

    overall = Share("All sessions")
    tracks: dict[str, Share] = {}
    types: dict[str, Share] = {}
    weekdays = [Share(name) for name in WEEKDAY_NAMES]
    held: set[tuple[int, datetime.date]] = set()
    kinds = {value: str(label) for value, label in SessionKind.choices}
    rows = (
        Attendance.objects.filter(
            clinic=clinic,
            is_active=True,
            patient_id__in=by_patient,
            session__day__gte=first,
            session__day__lt=after,
        )
        .exclude(session__status="cancelled")
        .exclude(status="expected", ends_at__gt=now)
        .values_list(
            "patient_id",
            "session__day",
            "session__track__name",
            "session__kind",
            "session__group_type__name",
            "status",
            "minutes_attended",
            "starts_at",
            "ends_at",
        )
        .order_by()
    )
    for patient_id, day, track, kind, group_type, status, minutes, starts, ends in rows:
        if not _covered(by_patient[patient_id], clock.week_start(day)):
            continue
        held.add((patient_id, day))
        length = ledger.elapsed_minutes(starts, ends)
        got = (minutes or 0) if status in ledger.ATTENDED else 0
        for share in (
            overall,
            _share(tracks, track or "No track"),
            _share(types, group_type or kinds.get(kind, kind)),
            weekdays[day.weekday()],
        ):
            share.scheduled += length
            share.attended += got

    misses = unexcused = made_up = 0
    missed = (
        MissedSession.objects.filter(
            clinic=clinic,
            patient_id__in=by_patient,
            session__day__gte=first,
            session__day__lt=after,
        )
        .exclude(status=MissedStatus.WITHDRAWN)
        .values_list(
            "patient_id",
            "session__day",
            "excused",
            "status",
            "makeup__status",
            "makeup__session__day",
        )
        .order_by()
    )
    window = datetime.timedelta(days=clinic.makeup_window_days)
    for patient_id, day, excused, status, makeup_status, makeup_day in missed:
        if not _covered(by_patient[patient_id], clock.week_start(day)):
            continue
        misses += 1
        unexcused += not excused
        made_up += bool(
            status == MissedStatus.MADE_UP
            and makeup_status in ledger.ATTENDED
            and makeup_day is not None
            and makeup_day - day <= window
        )
    return AttendanceReport(
        filters=filters,
        first_week=first,
        weeks=weeks,
        overall=overall,
        by_track=[tracks[name] for name in sorted(tracks)],
        by_group_type=[types[name] for name in sorted(types)],
        by_weekday=[share for share in weekdays if share.scheduled],
        patient_weeks=patient_weeks,
        weeks_under_minimum=under,
        misses=misses,
        unexcused_misses=unexcused,
        made_up_in_window=made_up,
        billable_days=billable,
        held_days=len(held),
        makeup_window_days=clinic.makeup_window_days,
        billable_day_minutes=clinic.billable_day_minutes,
    )


def _share(shares: dict[str, Share], name: str) -> Share:
    if name not in shares:
        shares[name] = Share(name)
    return shares[name]
