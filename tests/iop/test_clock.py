"""The one clock: a clinic's today and week are its own wall clock's, at every instant, and
no product code reads the wall clock anywhere else."""

import ast
import datetime
from pathlib import Path

import pytest
import time_machine

from iop import clock
from iop.models import Clinic

ROOT = Path(__file__).resolve().parents[2]
UTC = datetime.UTC


def clinic_in(zone: str) -> Clinic:
    return Clinic(name=zone, slug="x", timezone=zone)


# --- no wall-clock reads outside iop/clock.py ---------------------------------------------------

# (module or class name, attribute): a read of the wall clock when called.
WALL_CLOCK = {
    ("timezone", "now"),
    ("timezone", "localdate"),
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def product_modules() -> list[Path]:
    """Every module of every app (a folder with apps.py), migrations and the clock aside;
    the bootstrap that runs before Django only measures durations (time.monotonic)."""
    apps = [p.parent for p in ROOT.glob("*/apps.py")]
    skip = {ROOT / "iop" / "clock.py", ROOT / "iop" / "devservers.py"}
    return sorted(
        path
        for app in apps
        for path in app.rglob("*.py")
        if "migrations" not in path.parts and path not in skip
    )


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.attr) in WALL_CLOCK:
                found.append((node.lineno, f"{name}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom):
            # `from django.utils.timezone import now` hides the read behind a bare name.
            owner = (node.module or "").rsplit(".", 1)[-1]
            found.extend(
                (node.lineno, f"{owner}.{alias.name}")
                for alias in node.names
                if (owner, alias.name) in WALL_CLOCK
            )
        # localtime() with no instant reads the clock; localtime(instant) only converts.
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "localtime"
            and not node.args
        ):
            found.append((node.lineno, "localtime()"))
    return sorted(found)


def test_the_guard_finds_each_kind_of_wall_clock_read() -> None:
    source = "\n".join(
        [
            "from django.utils import timezone",
            "import datetime, time",
            "a = timezone.now()",
            "b = timezone.localdate()",
            "c = datetime.date.today()",
            "d = datetime.datetime.now(tz=None)",
            "e = time.time()",
            "f = timezone.localtime()",
            "g = models.DateTimeField(default=timezone.now)",
            "h = timezone.localtime(instant)",  # a conversion, not a read
            "i = time.monotonic()",  # a duration, not the date
            "from django.utils.timezone import now",
            "from time import time",
            "from time import monotonic",
        ]
    )
    assert [line for line, _ in wall_clock_reads(source)] == [3, 4, 5, 6, 7, 8, 9, 12, 13]


def test_no_product_code_reads_the_wall_clock_outside_the_clock_module() -> None:
    modules = product_modules()
    assert len(modules) > 100  # the walk found the apps
    reads = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in modules
        for line, what in wall_clock_reads(path.read_text())
    ]
    assert reads == [], "ask iop.clock instead:\n" + "\n".join(reads)


# --- a clinic's today, week and wall-clock times ------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "zone", "today"),
    [
        # Sunday 23:30 in New York is Monday 04:30 UTC: New York is still on Sunday.
        (datetime.datetime(2026, 12, 7, 4, 30, tzinfo=UTC), "America/New_York", "2026-12-06"),
        (datetime.datetime(2026, 12, 7, 4, 30, tzinfo=UTC), "Asia/Kolkata", "2026-12-07"),
        (datetime.datetime(2026, 12, 7, 4, 30, tzinfo=UTC), "Pacific/Honolulu", "2026-12-06"),
        # 06:20 UTC is 01:20 in New York and 20:20 the evening before in Honolulu.
        (datetime.datetime(2026, 12, 3, 6, 20, tzinfo=UTC), "America/New_York", "2026-12-03"),
        (datetime.datetime(2026, 12, 3, 6, 20, tzinfo=UTC), "Pacific/Honolulu", "2026-12-02"),
        # Kolkata is already tomorrow at 19:00 UTC.
        (datetime.datetime(2026, 12, 2, 19, 0, tzinfo=UTC), "Asia/Kolkata", "2026-12-03"),
        # The first local hour of a day: 00:30 in New York.
        (datetime.datetime(2026, 12, 2, 5, 30, tzinfo=UTC), "America/New_York", "2026-12-02"),
    ],
)
def test_today_is_the_clinic_wall_clock_date(
    instant: datetime.datetime, zone: str, today: str
) -> None:
    clinic = clinic_in(zone)
    with time_machine.travel(instant, tick=False):
        assert clock.today(clinic).isoformat() == today
        assert clock.now() == instant
        assert clock.local_now(clinic).utcoffset() == clock.zone(clinic).utcoffset(
            instant.replace(tzinfo=None)
        )


def test_this_week_starts_on_the_clinic_monday() -> None:
    new_york, kolkata = clinic_in("America/New_York"), clinic_in("Asia/Kolkata")
    # Sunday 23:30 New York: its week began Monday 30 November; Kolkata's began 7 December.
    with time_machine.travel(datetime.datetime(2026, 12, 7, 4, 30, tzinfo=UTC), tick=False):
        assert clock.this_week(new_york) == datetime.date(2026, 11, 30)
        assert clock.this_week(kolkata) == datetime.date(2026, 12, 7)
    for offset in range(7):
        day = datetime.date(2026, 12, 7) + datetime.timedelta(days=offset)
        assert clock.week_start(day) == datetime.date(2026, 12, 7)
    assert clock.week_start(datetime.date(1, 1, 1)) == datetime.date(1, 1, 1)  # a Monday
    assert clock.week_start(datetime.date(9999, 12, 31)) == datetime.date(9999, 12, 27)


def test_wall_clock_times_across_daylight_saving() -> None:
    new_york = clinic_in("America/New_York")
    # Spring forward (Sunday 8 March 2026): 9:00 is 13:00 UTC, the day before it was 14:00.
    assert clock.at(new_york, datetime.date(2026, 3, 8), datetime.time(9)).astimezone(
        UTC
    ) == datetime.datetime(2026, 3, 8, 13, tzinfo=UTC)
    assert clock.at(new_york, datetime.date(2026, 3, 7), datetime.time(9)).astimezone(
        UTC
    ) == datetime.datetime(2026, 3, 7, 14, tzinfo=UTC)
    # Fall back (Sunday 1 November 2026): that local day has 25 hours.
    start, end = clock.day_bounds(new_york, datetime.date(2026, 11, 1))
    assert end - start == datetime.timedelta(hours=25)
    start, end = clock.day_bounds(new_york, datetime.date(2026, 3, 8))
    assert end - start == datetime.timedelta(hours=23)
    # 01:30 on the fall-back Sunday happens twice; the first pass (still daylight time).
    first = clock.at(new_york, datetime.date(2026, 11, 1), datetime.time(1, 30))
    assert first.astimezone(UTC) == datetime.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_today_around_the_daylight_saving_changes() -> None:
    new_york = clinic_in("America/New_York")
    # 23:30 local on the Saturday before spring forward (EST, -5) is 04:30 UTC Sunday.
    with time_machine.travel(datetime.datetime(2026, 3, 8, 4, 30, tzinfo=UTC), tick=False):
        assert clock.today(new_york) == datetime.date(2026, 3, 7)
    # 23:30 local on the fall-back Sunday (EST again) is 04:30 UTC Monday.
    with time_machine.travel(datetime.datetime(2026, 11, 2, 4, 30, tzinfo=UTC), tick=False):
        assert clock.today(new_york) == datetime.date(2026, 11, 1)
        assert clock.this_week(new_york) == datetime.date(2026, 10, 26)


def test_the_latest_today_is_ahead_of_every_clinic() -> None:
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, 30, tzinfo=UTC), tick=False):
        latest = clock.latest_today()
        assert latest == datetime.date(2026, 12, 3)
        for zone in ("Pacific/Honolulu", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"):
            assert clock.today(clinic_in(zone)) <= latest


def test_age_on_a_day() -> None:
    born = datetime.date(2008, 12, 3)
    assert clock.age_on(born, datetime.date(2026, 12, 2)) == 17
    assert clock.age_on(born, datetime.date(2026, 12, 3)) == 18
    leap = datetime.date(2008, 2, 29)
    assert clock.age_on(leap, datetime.date(2026, 2, 28)) == 17
    assert clock.age_on(leap, datetime.date(2026, 3, 1)) == 18
