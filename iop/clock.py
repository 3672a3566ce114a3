"""The one clock: "now", a clinic's "today" and "this week", and local wall-clock times.

Every date or time decision in product code asks this module, never `timezone.now()`,
`timezone.localdate()`, `date.today()` or `time.time()` (a test in tests/iop/test_clock.py
holds the count of those outside this module at zero). A clinic's day and week are the ones
on its own wall clock, whatever zone the server, the request or the worker runs in: for a
New York clinic at 23:30 local time it is still today, though UTC says tomorrow.

Tests pin the instant with `time-machine`, which moves everything read here.
"""

from __future__ import annotations

import datetime
import time
import zoneinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from iop.models import Clinic


def now() -> datetime.datetime:
    """This instant, aware (UTC). Instants need no clinic; their local date does."""
    return timezone.now()


def timestamp() -> float:
    """Seconds since the epoch, for counters kept in a session (idle sign-out)."""
    return time.time()


@lru_cache(maxsize=512)
def zone_named(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def zone(clinic: Clinic) -> zoneinfo.ZoneInfo:
    """The clinic's time zone."""
    return zone_named(clinic.timezone)


def local_now(clinic: Clinic) -> datetime.datetime:
    """The clinic's wall-clock time now, aware in its zone."""
    return now().astimezone(zone(clinic))


def today(clinic: Clinic) -> datetime.date:
    """The date on the clinic's wall clock now."""
    return local_now(clinic).date()


def latest_today() -> datetime.date:
    """Today's date where it is furthest ahead (UTC+14): a date after it is in the future for
    every clinic, whichever zone it is in. For checks that do not know the clinic."""
    return now().astimezone(zone_named("Etc/GMT-14")).date()


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the week `day` falls in (clinic weeks run Monday to Sunday)."""
    return day - datetime.timedelta(days=day.weekday())


def this_week(clinic: Clinic) -> datetime.date:
    """The Monday of the clinic's current week."""
    return week_start(today(clinic))


def local(clinic: Clinic, instant: datetime.datetime) -> datetime.datetime:
    """An instant on the clinic's wall clock."""
    return instant.astimezone(zone(clinic))


def local_date(clinic: Clinic, instant: datetime.datetime) -> datetime.date:
    """The clinic's date at an instant (a 23:30 New York instant is that day, not UTC's)."""
    return local(clinic, instant).date()


def at(
    clinic_or_zone: Clinic | datetime.tzinfo, day: datetime.date, wall: datetime.time
) -> datetime.datetime:
    """A date and wall-clock time in the clinic's zone as an aware instant.

    zoneinfo resolves the daylight-saving edges: a time in the skipped spring-forward hour
    lands an hour later in real time, and the repeated fall-back hour means its first pass.
    """
    tz = clinic_or_zone if isinstance(clinic_or_zone, datetime.tzinfo) else zone(clinic_or_zone)
    return datetime.datetime.combine(day, wall, tzinfo=tz)


def day_bounds(
    clinic: Clinic, first: datetime.date, last: datetime.date | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants where the clinic's day `first` starts and the day after `last` starts:
    a half-open range for "everything on these local days"."""
    last = first if last is None else last
    start = at(clinic, first, datetime.time.min)
    end = at(clinic, last + datetime.timedelta(days=1), datetime.time.min)
    # In UTC: Python subtracts two datetimes of one zone by wall clock, an hour off across a
    # daylight-saving change.
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Whole years of age on a day (a 29 February birthday turns over on 1 March)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday
