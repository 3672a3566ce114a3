"""Tracks: the program schedules patients enroll in (morning, afternoon, evening).

A track belongs to the core, beside the enrollment that names it: the core must not import the
calendar, which builds each track's sessions from its weekly template (scheduling.TrackBlock).
The table keeps the name it had when the calendar owned it.
"""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from .tenancy import TenantModel

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class TimeSlot(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"


class Track(TenantModel):
    """A program schedule patients join: e.g. "Evening IOP", Mon/Tue/Thu 6–9 pm."""

    name = models.CharField(max_length=80)
    slot = models.CharField(max_length=10, choices=TimeSlot.choices)
    site = models.ForeignKey("iop.Site", null=True, blank=True, on_delete=models.SET_NULL)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]),
        help_text="0 = Monday … 6 = Sunday; IOP tracks meet 3 to 5 days a week.",
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    capacity = models.PositiveSmallIntegerField(default=14, validators=[MinValueValidator(1)])
    active_from = models.DateField()
    active_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "scheduling_track"
        ordering = ["starts_at", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="track_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="track_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        days = sorted(set(self.weekdays or []))
        if not 3 <= len(days) <= 5:
            raise ValidationError({"weekdays": "An IOP track meets on 3 to 5 days a week."})
        self.weekdays = days
        if self.active_until and self.active_until < self.active_from:
            raise ValidationError({"active_until": "Must be on or after the start date."})

    @property
    def weekday_names(self) -> str:
        names = dict(WEEKDAYS)
        return ", ".join(names[day] for day in self.weekdays)

    def runs_on(self, day: datetime.date) -> bool:
        return (
            self.is_active
            and day.weekday() in self.weekdays
            and self.active_from <= day
            and (self.active_until is None or day <= self.active_until)
        )
