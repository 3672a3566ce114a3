"""Census: how many patients the program treats each day, and who came and went.

- *Active on a day*: a stay counts on every day from its admission to its end, both included
  (the discharge day is a treatment day; a stay admitted and ended on one day counts on that
  day). On hold counts as active: the patient is still enrolled.
- *Admissions* fall in the week (Monday) and month of their admission date; *discharges*,
  step-downs and transfers in those of the day the stay ended.

One query: the stays the filters select (`cohort.stays`).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from iop.models import Clinic
from iop.models.care import LevelOfCare

from . import cohort
from .cohort import ReportFilter

HOW = {
    "active": "Patients whose stay covers the day: from the admission date to the day the "
    "stay ended, both included; on hold counts as active.",
    "flow": "Admissions by the week (Monday) and month of the admission date; discharges by "
    "the week and month they ended, by how they ended. A step-down is a move to a lower level "
    "of care; a transfer, a discharge to another program.",
}


@dataclass
class Period:
    start: datetime.date
    admissions: int = 0
    discharges: Counter[str] = field(default_factory=Counter)

    @property
    def discharged(self) -> int:
        return sum(self.discharges.values())

    @property
    def step_downs(self) -> int:
        return self.discharges["stepped_down"]

    @property
    def transfers(self) -> int:
        return self.discharges["transferred"]


@dataclass
class Census:
    filters: ReportFilter
    days: list[datetime.date]
    active: list[int]
    by_track: dict[str, list[int]]
    by_site: dict[str, list[int]]
    by_level: dict[str, list[int]]
    weeks: list[Period]
    months: list[Period]

    @property
    def average_active(self) -> float | None:
        return round(sum(self.active) / len(self.active), 1) if self.active else None


def census(*, clinic: Clinic, filters: ReportFilter) -> Census:
    days = list(filters.days)
    index = {day: n for n, day in enumerate(days)}
    active = [0] * len(days)
    by: dict[str, dict[str, list[int]]] = {
        dim: defaultdict(lambda: [0] * len(days)) for dim in ("track", "site", "level")
    }
    weeks: dict[datetime.date, Period] = {}
    months: dict[datetime.date, Period] = {}
    levels = dict(LevelOfCare.choices)
    for stay in cohort.stays(clinic=clinic, filters=filters):
        first = max(stay.admission_date, filters.start)
        last = min(stay.ended_on or filters.end, filters.end)
        names = {
            "track": stay.track.name,
            "site": stay.track.site.name if stay.track.site else "No site",
            "level": levels.get(stay.level_of_care, stay.level_of_care),
        }
        day = first
        while day <= last:
            n = index[day]
            active[n] += 1
            for dim, name in names.items():
                by[dim][name][n] += 1
            day += datetime.timedelta(days=1)
        if filters.start <= stay.admission_date:
            _period(weeks, cohort.week_of(stay.admission_date)).admissions += 1
            _period(months, cohort.month_of(stay.admission_date)).admissions += 1
        if stay.ended_on and stay.ended_on <= filters.end:
            reason = cohort.ending(stay)
            _period(weeks, cohort.week_of(stay.ended_on)).discharges[reason] += 1
            _period(months, cohort.month_of(stay.ended_on)).discharges[reason] += 1
    return Census(
        filters=filters,
        days=days,
        active=active,
        by_track=dict(sorted(by["track"].items())),
        by_site=dict(sorted(by["site"].items())),
        by_level=dict(sorted(by["level"].items())),
        weeks=_every(weeks, cohort.week_of(filters.start), filters.end, _next_week),
        months=_every(months, cohort.month_of(filters.start), filters.end, _next_month),
    )


def _period(periods: dict[datetime.date, Period], start: datetime.date) -> Period:
    if start not in periods:
        periods[start] = Period(start=start)
    return periods[start]


def _next_week(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(weeks=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _every(
    periods: dict[datetime.date, Period],
    first: datetime.date,
    last: datetime.date,
    step: Callable[[datetime.date], datetime.date],
) -> list[Period]:
    """Every period of the range, the empty ones included (a quiet week reads as 0)."""
    out = []
    start = first
    while start <= last:
        out.append(periods.get(start, Period(start=start)))
        start = step(start)
    return out
