"""How the core learns about the features without importing them (DESIGN.md §2).

The core (this package) sits below the calendar and the feature apps: it never imports them.
Where the core must let them act — a clinic was created, an enrollment changed — it calls
what they registered here from their `AppConfig.ready()`, in the order they asked for. The
same idea as Oscar's signals and Saleor's plugin manager, without the indirection of either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import random

    from django.http import HttpRequest

    from iop.models import Authorization, Clinic, Enrollment, User
    from iop.selectors import Chart

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

# Something a clinic's other systems may want to hear about happened (iop/events.py names
# the events), inside the transaction that did it: `(clinic_id, event, object_type, ids)`.
# Ids only, never patient details. The interop app sends them on to webhooks after commit.
DomainEvent = Callable[[int, str, str, list[int]], None]
domain_events: Registry[DomainEvent] = Registry("domain events")

# Authorizations about to be shown (the chart, the API): a feature fills in what it knows of
# them, for the whole list at once. The calendar counts the days billed against each.
AuthorizationsShown = Callable[["Clinic", list["Authorization"]], None]
authorizations_shown: Registry[AuthorizationsShown] = Registry("authorizations shown")


# --- The patient chart ------------------------------------------------------------------------
# The chart is the sections registered here, in order; the core registers its own
# (demographics, enrollments, diagnoses, medications, insurance) the same way.

# Counts that ride along in the chart's one patient query: name → expression (the calendar's
# unexcused misses), so a feature's header alert costs no query of its own.
ChartPatientAnnotations = Callable[["Clinic"], dict[str, Any]]
chart_patient_annotations: Registry[ChartPatientAnnotations] = Registry("chart annotations")

# The chips in the chart's header: (tone, text) pairs from what the chart loaded.
ChartAlerts = Callable[["Chart"], Iterable[tuple[str, str]]]
chart_alerts: Registry[ChartAlerts] = Registry("chart alerts")


@dataclass(frozen=True)
class ChartSection:
    """One section of the patient chart.

    `template` is rendered inside the chart's context (request, clinic, can, chart, patient)
    plus what `context(request, chart)` returns; it is loaded only for readers with
    `capability` (None: everyone who may open the chart). `title` is its entry in the chart's
    section links ("" for none); a section with `url_name` and no template is only a link to
    that page of the patient. A `banner` shows above the links (a safety flag)."""

    key: str
    title: str = ""
    template: str = ""
    capability: str | None = None
    context: Callable[[HttpRequest, Chart], dict[str, Any]] | None = None
    url_name: str = ""
    banner: bool = False


chart_sections: Registry[ChartSection] = Registry("chart sections")


# --- The Today page (the clinic's home) ------------------------------------------------------
@dataclass(frozen=True)
class TodayPanel:
    """Work that needs the signed-in person today, shown above the day's lists (a safety
    follow-up). `context(request)` returns the panel's values, or None when it has nothing for
    this person (nothing is rendered); it is asked only of readers with `capability`."""

    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    capability: str | None = None


today_panels: Registry[TodayPanel] = Registry("today panels")


# --- The first screen after sign-in (each role lands on its day, UI.md) -----------------------
@dataclass(frozen=True)
class DayPanel:
    """A part of a person's first screen (their groups, notes to sign, the caseload's alerts),
    shown to the `roles` it is for, in order, below the `today_panels` (what needs them now).
    `context(request)` returns the panel's values, or None to render an empty state from the
    template's own words; the roles named here all have what the panel reads."""

    key: str
    title: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    roles: frozenset[str]


day_panels: Registry[DayPanel] = Registry("day panels")


@dataclass(frozen=True)
class SetupGap:
    """Something the clinic has not set up that stops a part of its day (a track with no weekly
    template makes no sessions): what is missing, said plainly, and where to fix it."""

    text: str
    url: str


# Each feature says what it is missing, for the admin's first screen: called with the request,
# returns the gaps (an empty list when there are none).
setup_gaps: Registry[Callable[[HttpRequest], list[SetupGap]]] = Registry("set-up gaps")


# --- The demo (`seed_demo`) -----------------------------------------------------------------
@dataclass
class DemoClinic:
    """A demo clinic being seeded: its staff by role (admin, therapist, …), the patients to
    make, and the one seeded random source (the same demo every time)."""

    clinic: Clinic
    staff: dict[str, User]
    patients: int
    rng: random.Random


# Seeders run in order inside the clinic's transaction: the calendar's tracks (10), the
# core's patients (20) and inquiries (25), then each feature's history (30 and up).
DemoSeeder = Callable[[DemoClinic], None]
demo_seeders: Registry[DemoSeeder] = Registry("demo seeders")
