"""How the core learns about the features without importing them (DESIGN.md §2).

The core (this package) sits below the calendar and the feature apps: it never imports them.
Where the core must let them act — a clinic was created, an enrollment changed, the chart
shows their sections, a record list needs their counts, the demo seeds their data — it calls
what they registered here from their `AppConfig.ready()`, in the order they asked for. The
same idea as Oscar's signals and Saleor's plugin manager, without the indirection of either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from django.http import HttpRequest

    from iop.models import Clinic, Enrollment, Patient, User

T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """Entries in `order` (lower first; equal orders keep registration order). Registering the
    same entry twice is a no-op, so a reloaded app config does not run a hook twice."""

    name: str
    _entries: list[tuple[int, T]] = field(default_factory=list)

    def register(self, entry: T, *, order: int = 100) -> T:
        if all(existing is not entry for _o, existing in self._entries):
            self._entries.append((order, entry))
            self._entries.sort(key=lambda pair: pair[0])
        return entry

    def __iter__(self) -> Iterator[T]:
        return iter([entry for _order, entry in self._entries])


# A clinic was just created, inside its creating transaction: set up what the feature needs
# (the default curriculum, for one).
ClinicCreated = Callable[["Clinic"], None]
clinic_created: Registry[ClinicCreated] = Registry("clinic created")

# An enrollment was created, edited or changed status, inside that transaction; `actor` may be
# None for the system. The calendar follows it (rolling admission), aftercare schedules calls.
EnrollmentChanged = Callable[["Enrollment", "User | None"], None]
enrollment_changed: Registry[EnrollmentChanged] = Registry("enrollment changed")


@dataclass(frozen=True)
class ChartSection:
    """A part of the patient chart a feature contributes. `context` loads what the section
    shows (a fixed number of queries whatever the record's size) and returns the variables
    its `template` reads; it is called only for a reader with `capability` (None: anyone who
    may open the chart). `anchor` and `title` make the section's link in the chart's nav."""

    anchor: str
    title: str
    template: str
    capability: str | None = None
    context: Callable[[ChartRequest], dict[str, Any]] | None = None
    in_nav: bool = True


@dataclass(frozen=True)
class ChartRequest:
    request: HttpRequest
    clinic: Clinic
    patient: Patient
    chart: Any  # iop.selectors.Chart


chart_sections: Registry[ChartSection] = Registry("chart sections")

# Before a list of records of one kind is shown or serialized: fill in what another layer
# counts (the calendar counts the billed days of authorizations). Keyed by model label.
RecordPreparer = Callable[["Clinic", list[Any]], None]
record_preparers: dict[str, Registry[RecordPreparer]] = {}


def prepare_records(clinic: Clinic, records: list[Any]) -> list[Any]:
    """Run the preparers registered for these records' model (all of one kind)."""
    if records:
        for prepare in record_preparers.get(records[0]._meta.label_lower, ()):
            prepare(clinic, records)
    return records


def register_record_preparer(label: str, preparer: RecordPreparer) -> None:
    record_preparers.setdefault(label, Registry(f"prepare {label}")).register(preparer)


@dataclass
class DemoClinic:
    """What the demo seeders share for one clinic: the staff by role and what earlier seeders
    made (the calendar's tracks and patients, for the features that build on them)."""

    clinic: Clinic
    staff: dict[str, Any]
    patients: int
    rng: Any
    made: dict[str, Any] = field(default_factory=dict)


# Each feature seeds its part of a demo clinic, the calendar first (order 10).
DemoSeeder = Callable[[DemoClinic], None]
demo_seeders: Registry[DemoSeeder] = Registry("demo seeders")
