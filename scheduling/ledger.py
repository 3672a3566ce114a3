"""The hours ledger: per patient per week, scheduled against attended minutes by kind, the
ASAM weekly minimum, billable days and a mid-week projection (DOMAIN.md: ASAM 2.1 needs 9
hours a week for adults, 6 for adolescents; a day bills as IOP with at least 3 hours).

Weeks run Monday to Sunday in the clinic's time zone; durations are real elapsed minutes, so
a week that crosses a daylight-saving change is counted correctly.

Three rules live here and nowhere else (every page, API and count calls them):

- *The weekly minimum follows the patient's age during that week* (ASAM Criteria, 3rd ed.,
  Level 2.1: adults 9 or more hours a week, adolescents 6 or more; DOMAIN.md: "adolescent =
  under 18 on the days of that week, not today"). The week's first day (Monday) decides:
  a patient who is 17 on the Monday is judged against the adolescent minimum all week, even
  if they turn 18 on the Tuesday. Age only grows, so "under 18 on the Monday" is the same as
  "under 18 on at least one day of the week": a birthday week counts as adolescent, and a
  birthday on the Monday itself makes the week adult.
- *H0015's "at least 3 days a week"* (HCPCS H0015 long descriptor: "treatment program that
  operates at least 3 hours/day and at least 3 days/week and is based on an individualized
  treatment plan"). We read it the conservative way a payer audits it: a week meets it when
  it holds at least 3 billable days (days with at least the clinic's billable minutes
  attended). `h0015_days_met` is the one check; the week's rows and the authorization counts
  both call it, so a biller never sees a day counted that the week cannot support.
- *A day counts toward one authorization only.* Of the patient's authorizations whose window
  holds the day (and, for an H0015 or S9480 one, whose week meets that code's weekly rule,
  `program_week_met`), the day goes to
  the earliest-starting one that still has units left (ties: the earlier end, then the
  earlier recorded); when none has units left, to the earliest-starting one, where it shows
  as over the authorization. Days are taken in date order, so an authorization fills before
  the next one starts counting, as a payer applies units. A day already on a claim is the
  payer's unit of the authorization that claim cites, whatever its attendance says now: those
  units are counted first, and only the days not yet claimed are placed as above.
- *Each program code's weekly rule* (`program_week_met`): H0015 the 3 days above; S9480
  (psychiatric IOP, per diem; DOMAIN.md, Billing: "commonly >=3 hours that day and 9
  scheduled hours a week") at least 9 hours scheduled in the week; any other code has none.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Extract, Floor

from iop import clock
from iop.models import Authorization, Clinic, Patient
from iop.models.billing import ServiceCode

from .models import Attendance

ATTENDED = ("present", "late", "left_early")
# The miss-risk flag: this many unexcused misses within the window (chart, caseload, make-ups).
MISS_RISK = 2
MISS_WINDOW_DAYS = 14
# HCPCS H0015: the program operates at least 3 days a week (see the module's docstring).
H0015_DAYS_A_WEEK = 3
# How long a list nobody marked stays open for its mark: the sweep keeps it on the front
# desk's to-dos (the roster's "lists not marked on earlier days") this many days.
MARKING_WINDOW_DAYS = 30
# HCPCS S9480: 9 hours of the program scheduled in the week (see the module's docstring).
S9480_SCHEDULED_MINUTES_A_WEEK = 9 * 60


def elapsed_time(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Real time between two instants. In UTC: Python subtracts two datetimes sharing a zone
    by wall clock, which is off by an hour across a daylight-saving change. (PostgreSQL's
    difference of two timestamptz is real time already.)"""
    return end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)


def whole_minutes(elapsed: datetime.timedelta) -> int:
    """The whole minutes of a real elapsed time."""
    return int(elapsed.total_seconds() // 60)


def elapsed_minutes(start: datetime.datetime, end: datetime.datetime) -> int:
    """Real minutes between two instants."""
    return whole_minutes(elapsed_time(start, end))


# `elapsed_minutes` of an attendance row, in SQL: whole real minutes (timestamptz subtraction
# is in real time whatever the zone), so the ledger's sums are the sums of `elapsed_minutes`.
ELAPSED_MINUTES = Cast(Floor(Extract(F("ends_at") - F("starts_at"), "epoch") / 60), IntegerField())


def h0015_days_met(billable_days: int) -> bool:
    """H0015's weekly condition: at least `H0015_DAYS_A_WEEK` billable days in the week."""
    return billable_days >= H0015_DAYS_A_WEEK


def s9480_hours_met(scheduled_minutes: int) -> bool:
    """S9480's weekly condition: at least `S9480_SCHEDULED_MINUTES_A_WEEK` minutes scheduled."""
    return scheduled_minutes >= S9480_SCHEDULED_MINUTES_A_WEEK


@dataclass(slots=True)  # one a patient a week, on every page that counts hours
class Week:
    patient: Patient
    start: datetime.date
    minimum: int  # minutes
    adolescent: bool = False  # the minimum is the adolescents' one
    scheduled: int = 0
    attended: int = 0
    # Minutes of sessions not yet held, or held and not yet marked while their list is still
    # open for its mark (`awaiting_mark`): unknown, not lost.
    still_possible: int = 0
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
    def h0015_days_met(self) -> bool:
        """The week meets H0015's "at least 3 days a week" (`h0015_days_met`)."""
        return h0015_days_met(self.billable_days)

    @property
    def s9480_hours_met(self) -> bool:
        """The week meets S9480's "9 scheduled hours a week" (`s9480_hours_met`)."""
        return s9480_hours_met(self.scheduled)

    @property
    def h0015_days_needed(self) -> int:
        return H0015_DAYS_A_WEEK

    @property
    def h0015_days_short(self) -> int:
        """Billable days still missing for H0015's weekly condition (0 when met)."""
        return max(0, H0015_DAYS_A_WEEK - self.billable_days)

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


def marking_window_opens(today: datetime.date) -> datetime.date:
    """The earliest session day whose unmarked list still waits for its mark."""
    return today - datetime.timedelta(days=MARKING_WINDOW_DAYS)


def awaiting_mark(*, today: datetime.date) -> Q:
    """The one rule for a place nobody has marked yet, as a filter on attendance: still
    "expected" on a list of `marking_window_opens(today)` or later. Such a place is not a miss
    (the sweep only records absent or excused marks) and not lost hours: the ledger counts it
    as still possible and the sweep keeps its list on the front desk's to-dos until the
    window closes; after that, nobody will mark it and the hours did not happen."""
    return Q(is_active=True, status="expected", session__day__gte=marking_window_opens(today))


def program_week_met(program_code: str, week: Week) -> bool:
    """Whether the week meets the weekly rule of the program billed under `program_code` (see
    the module's docstring); a code without one always does."""
    if program_code == ServiceCode.H0015:
        return week.h0015_days_met
    if program_code == ServiceCode.S9480:
        return week.s9480_hours_met
    return True


def held_to_minimum(week_start: datetime.date, *, admitted_on: datetime.date) -> bool:
    """Whether a shortfall in the week starting `week_start` counts against the patient.
    A week the patient joined after its Monday (rolling admission: a first partial week)
    could never hold the full minimum, so it is not judged; every later week is."""
    return admitted_on <= week_start


def minimum_shortfall(week: Week | None, *, admitted_on: datetime.date) -> str:
    """The weekly-minimum finding for one week: "under" (the week ended under the minimum),
    "at_risk" (mid-week, attending everything left would still fall short) or "" (met, on
    track, nothing scheduled, or a first partial week). Pages, flags and APIs call this."""
    if week is None or not held_to_minimum(week.start, admitted_on=admitted_on):
        return ""
    if week.under_minimum:
        return "under"
    if week.at_risk:
        return "at_risk"
    return ""


def adolescent_week(patient: Patient, day: datetime.date) -> bool:
    """The patient counts as an adolescent for the whole week `day` falls in when under 18
    on its first day (see the module's docstring)."""
    return patient.adolescent_on(clock.week_start(day))


def minimum_for(clinic: Clinic, patient: Patient, day: datetime.date) -> int:
    """The ASAM weekly minimum (minutes) for the week `day` falls in."""
    if adolescent_week(patient, day):
        return clinic.weekly_minimum_minutes_adolescent
    return clinic.weekly_minimum_minutes_adult


def _empty_week(clinic: Clinic, patient: Patient, start: datetime.date) -> Week:
    return Week(
        patient=patient, start=start, minimum=minimum_for(clinic, patient, start),
        adolescent=adolescent_week(patient, start), billable_minutes=clinic.billable_day_minutes,
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
    still possible): one query for all patients, summed by PostgreSQL per patient, day and
    kind of session (and one more for the patients when `patients` is not given)."""
    tz = clock.zone(clinic)
    first = clock.week_start(start)
    begin = clock.at(tz, first, datetime.time.min)
    end = clock.at(tz, first + datetime.timedelta(weeks=weeks), datetime.time.min)
    now = now or clock.now()
    window_opens = marking_window_opens(clock.local_date(clinic, now))
    attended = Q(status__in=ATTENDED)
    rows = (
        Attendance.objects.filter(
            clinic=clinic, is_active=True, starts_at__gte=begin, starts_at__lt=end
        )
        .exclude(session__status="cancelled")
        .values_list("patient_id", "session__day", "session__kind")
        .annotate(
            scheduled=Sum(ELAPSED_MINUTES),
            attended=Sum("minutes_attended", filter=attended),
            attended_rows=Count("id", filter=attended),
            # `awaiting_mark`, or not held yet
            possible=Sum(
                ELAPSED_MINUTES,
                filter=Q(status="expected", session__day__gte=window_opens),
            ),
        )
        .order_by("session__day", "patient_id")
    )
    if patients is not None:
        rows = rows.filter(patient__in=patients)
    found = list(rows)
    if patients is None:
        patients = list(Patient.objects.filter(clinic=clinic, pk__in={r[0] for r in found}))
    by_pk = {patient.pk: patient for patient in patients}
    ledger: dict[tuple[int, datetime.date], Week] = {}
    for patient_id, day, kind, scheduled, minutes, attended_rows, possible in found:
        monday = clock.week_start(day)
        week = ledger.get((patient_id, monday))
        if week is None:
            week = ledger[(patient_id, monday)] = _empty_week(clinic, by_pk[patient_id], monday)
        week.scheduled += scheduled or 0
        week.still_possible += possible or 0
        if attended_rows:
            week.attended += minutes or 0
            week.by_kind[kind] += minutes or 0
            week.by_day[day] += minutes or 0
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


@dataclass(frozen=True, slots=True)
class DayAuthorization:
    """Which authorization a billable day falls to, and whether a unit was left for it. A
    value: the days that fall alike share one (`authorization_days`)."""

    authorization: Any
    within_units: bool
    claimed: bool = False


def authorization_days(
    *,
    clinic: Clinic,
    patient_ids: set[int],
    claimed: Mapping[tuple[int, datetime.date], int | None] | None = None,
) -> tuple[list[Any], dict[tuple[int, datetime.date], DayAuthorization | None]]:
    """Every billable day (at least the clinic's billable minutes attended) of these patients,
    with the authorization it falls to under the one-authorization-a-day rule (see the
    module's docstring), or None when no authorization of theirs covers it. `claimed` maps
    each (patient, day) already on a claim to the authorization the claim cites (None: none):
    those days are that authorization's units first, and come back marked `claimed`. Also
    returns all of their authorizations, with `claimed_days` (units on claims) and
    `billed_days` (those and the days attended but not yet claimed) set. Two queries whatever
    the number of patients: their authorizations, and their attendance over the full weeks
    around the windows (a day's owner depends on the others, including ones not asked
    about)."""
    claimed = claimed or {}
    every = list(
        Authorization.objects.filter(clinic=clinic, patient_id__in=patient_ids).order_by(
            "patient_id", "start_date", "end_date", "id"
        )
    )
    if not every:
        return every, {}
    # Whole weeks, so each weekly condition sees days just outside a window.
    first = clock.week_start(min(a.start_date for a in every))
    last = clock.week_start(max(a.end_date for a in every)) + datetime.timedelta(days=6)
    minutes = (
        Attendance.objects.filter(
            clinic=clinic, is_active=True, patient_id__in=patient_ids,
            session__day__range=(first, last),
        )
        .exclude(session__status="cancelled")
        .values_list("patient_id", "session__day")
        .annotate(
            total=Sum("minutes_attended", filter=Q(status__in=ATTENDED)),
            scheduled=Sum(F("ends_at") - F("starts_at")),
        )
        .order_by()
    )  # fmt: skip
    billable: list[tuple[int, datetime.date, datetime.date]] = []  # patient, day, Monday
    days_in_week: dict[tuple[int, datetime.date], int] = defaultdict(int)
    scheduled_in_week: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for patient, day, total, scheduled in minutes:
        monday = clock.week_start(day)
        week = (patient, monday)
        scheduled_in_week[week] += whole_minutes(scheduled) if scheduled else 0
        if (total or 0) >= clinic.billable_day_minutes:
            billable.append((patient, day, monday))
            days_in_week[week] += 1
    billable.sort()
    # Each code's weekly rule, judged once a week.
    met_in_week = {
        week: {
            ServiceCode.H0015: h0015_days_met(days_in_week[week]),
            ServiceCode.S9480: s9480_hours_met(scheduled),
        }
        for week, scheduled in scheduled_in_week.items()
    }
    by_patient: dict[int, list[Any]] = defaultdict(list)
    for authorization in every:
        by_patient[authorization.patient_id].append(authorization)
    known = {a.pk: a for a in every}
    on_claims: dict[int, int] = defaultdict(int)
    owners: dict[tuple[int, datetime.date], DayAuthorization | None] = {}
    # One value per (authorization, within units, claimed), not one a day.
    alike: dict[tuple[int | None, bool, bool], DayAuthorization] = {}

    def falls_to(authorization: Any, within: bool, claimed: bool = False) -> DayAuthorization:
        key = (authorization.pk if authorization is not None else None, within, claimed)
        found = alike.get(key)
        if found is None:
            found = alike[key] = DayAuthorization(authorization, within, claimed=claimed)
        return found

    for (patient, day), cited in claimed.items():
        if cited in known:
            on_claims[cited] += 1
        owners[(patient, day)] = falls_to(known.get(cited or 0), True, claimed=True)
    taken: dict[int, int] = defaultdict(int, on_claims)
    for patient, day, monday in billable:
        if (patient, day) in claimed:
            continue
        met = met_in_week[(patient, monday)]
        covering = [
            a
            for a in by_patient[patient]
            if a.start_date <= day <= a.end_date and met.get(a.service_code, True)
        ]
        if not covering:
            owners[(patient, day)] = None
            continue
        owner = next(
            (a for a in covering if a.units_used + taken[a.pk] < a.units_authorized),
            None,
        )
        within = owner is not None
        owner = owner or covering[0]
        taken[owner.pk] += 1
        owners[(patient, day)] = falls_to(owner, within)
    for authorization in every:
        authorization.claimed_days = on_claims[authorization.pk]
        authorization.billed_days = taken[authorization.pk]
    return every, owners


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
