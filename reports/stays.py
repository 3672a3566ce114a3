"""Stays and completion, for the stays that ended within the range (SAMHSA TEDS-D counts a
discharge in the period it happened).

- *Length of stay* (TEDS): the discharge date, or the date of last contact if earlier, minus
  the admission date, in days; a stay under a day counts 1. The last contact is the last
  session the patient attended during the stay; a stay with none attended is measured to its
  discharge date.
- *Completion* (TEDS): the stay ended "completed". TEDS counts "transferred to further
  treatment" with it; the clinic's setting says whether this report does, and a step-down
  (to a lower level of care) is such a transfer.
- *Early drop-out*: a stay that ended neither completed nor (when they count) transferred,
  within the clinic's early drop-out days of admission (its length of stay, as above, is at
  most that many days).

Two queries: the stays, and the last attended session of their patients.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass

from iop.models import Clinic, Enrollment
from scheduling.ledger import ATTENDED
from scheduling.models import Attendance

from . import cohort
from .cohort import ReportFilter
from .models import ReportSettings

HOW = {
    "length": "Length of stay (SAMHSA TEDS): discharge date, or the last session attended if "
    "earlier, minus the admission date, in days; a stay under a day counts as 1. Stays that "
    "ended in the date range.",
    "completion": "Completion (TEDS): stays that ended 'completed treatment'{transfers}, over "
    "all stays that ended in the range.",
    "dropout": "Early drop-out: stays that ended otherwise within {days} days of admission, "
    "over all stays that ended in the range.",
}


@dataclass
class Stay:
    enrollment: Enrollment
    reason: str
    length: int
    completed: bool
    early_dropout: bool


@dataclass
class Lengths:
    name: str
    lengths: list[int]

    @property
    def count(self) -> int:
        return len(self.lengths)

    @property
    def median(self) -> float | None:
        return float(statistics.median(self.lengths)) if self.lengths else None

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.lengths), 1) if self.lengths else None


@dataclass
class StaysReport:
    filters: ReportFilter
    settings: ReportSettings
    stays: list[Stay]
    overall: Lengths
    by_track: list[Lengths]
    by_reason: list[Lengths]

    @property
    def ended(self) -> int:
        return len(self.stays)

    @property
    def completed(self) -> int:
        return sum(1 for stay in self.stays if stay.completed)

    @property
    def early_dropouts(self) -> int:
        return sum(1 for stay in self.stays if stay.early_dropout)

    @property
    def completion_rate(self) -> float | None:
        return cohort.rate(self.completed, self.ended)

    @property
    def early_dropout_rate(self) -> float | None:
        return cohort.rate(self.early_dropouts, self.ended)

    @property
    def how(self) -> dict[str, str]:
        transfers = (
            " or 'transferred' / 'stepped down' (TEDS counts transfers to further treatment)"
            if self.settings.completion_counts_transfers
            else " only (transfers and step-downs are not counted with it)"
        )
        return {
            "length": HOW["length"],
            "completion": HOW["completion"].format(transfers=transfers),
            "dropout": HOW["dropout"].format(days=self.settings.early_dropout_days),
        }


def length_of_stay(
    admission: datetime.date, ended: datetime.date, last_contact: datetime.date | None
) -> int:
    """TEDS: discharge (or last contact, if earlier) minus admission; under a day counts 1."""
    end = min(ended, last_contact) if last_contact and last_contact >= admission else ended
    return max(1, (end - admission).days)


def stays_report(*, clinic: Clinic, filters: ReportFilter) -> StaysReport:
    settings = cohort.settings_for(clinic)
    ended = [
        stay
        for stay in cohort.stays(clinic=clinic, filters=filters)
        if stay.ended_on and filters.start <= stay.ended_on <= filters.end
    ]
    contacts = _last_contacts(clinic=clinic, stays=ended)
    rows = []
    for enrollment in ended:
        if enrollment.ended_on is None:
            continue
        reason = cohort.ending(enrollment)
        length = length_of_stay(
            enrollment.admission_date, enrollment.ended_on, contacts.get(enrollment.pk)
        )
        completed = cohort.counts_as_completion(reason, settings)
        rows.append(
            Stay(
                enrollment=enrollment,
                reason=reason,
                length=length,
                completed=completed,
                early_dropout=not completed and length <= settings.early_dropout_days,
            )
        )
    by_track: dict[str, list[int]] = defaultdict(list)
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_track[row.enrollment.track.name].append(row.length)
        by_reason[row.reason].append(row.length)
    return StaysReport(
        filters=filters,
        settings=settings,
        stays=rows,
        overall=Lengths("All stays", [row.length for row in rows]),
        by_track=[Lengths(name, lengths) for name, lengths in sorted(by_track.items())],
        by_reason=[
            Lengths(cohort.ENDINGS[reason], by_reason[reason])
            for reason in cohort.ENDINGS
            if reason in by_reason
        ],
    )


def _last_contacts(*, clinic: Clinic, stays: list[Enrollment]) -> dict[int, datetime.date]:
    """The last day each stay's patient attended a session within the stay: one query over
    the patients, then matched to their stays (a patient admitted twice has two)."""
    if not stays:
        return {}
    first = min(stay.admission_date for stay in stays)
    last = max(stay.ended_on for stay in stays if stay.ended_on)
    days = (
        Attendance.objects.filter(
            clinic=clinic,
            is_active=True,
            status__in=ATTENDED,
            patient_id__in={stay.patient_id for stay in stays},
            session__day__range=(first, last),
        )
        .exclude(session__status="cancelled")
        .values_list("patient_id", "session__day")
        .order_by()
        .distinct()
    )
    attended: dict[int, list[datetime.date]] = defaultdict(list)
    for patient_id, day in days:
        attended[patient_id].append(day)
    out = {}
    for stay in stays:
        inside = [
            day
            for day in attended[stay.patient_id]
            if stay.admission_date <= day <= (stay.ended_on or day)
        ]
        if inside:
            out[stay.pk] = max(inside)
    return out
