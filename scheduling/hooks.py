"""What the calendar learns from the apps above it through registries, as the core does
(iop/hooks.py): filled in those apps' `AppConfig.ready()`, never imported from them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iop.hooks import Registry

if TYPE_CHECKING:
    from iop.models import Clinic, Membership


@dataclass
class StaffHours:
    """When a staff member works: weekly windows by weekday (0 = Monday) in the clinic's wall
    clock, and the instants they are away (leave, training)."""

    weekly: dict[int, list[tuple[datetime.time, datetime.time]]] = field(default_factory=dict)
    away: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)


# A staff member's hours between two dates (therapy records its therapists' availability);
# where nothing is registered or recorded, make-ups assume the usual working day.
StaffHoursOf = Callable[["Clinic", "Membership", datetime.date, datetime.date], StaffHours]
staff_hours: Registry[StaffHoursOf] = Registry("staff hours")
