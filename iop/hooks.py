"""How the core learns about the features without importing them (DESIGN.md §2).

The core (this package) sits below the calendar and the feature apps: it never imports them.
Where the core must let them act — a clinic was created, an enrollment changed — it calls
what they registered here from their `AppConfig.ready()`, in the order they asked for. The
same idea as Oscar's signals and Saleor's plugin manager, without the indirection of either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from iop.models import Clinic, Enrollment, User

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
