"""Who a report is about: the filters every report takes and the stays (enrollments) they
select, read once per report.

A stay belongs to a report when it overlaps the date range (admitted on or before its last day
and not ended before its first) and matches the track, site, level of care, primary therapist
and payer asked for. The payer is the patient's active primary coverage (iop.Coverage): the
billing app is a sibling of this one and is not read here.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from iop import clock
from iop.models import Clinic, Coverage, Enrollment
from iop.models.billing import CoveragePriority
from iop.models.care import DischargeType, EnrollmentStatus

from .models import ReportSettings

# Exports meant for outside the clinic show counts from 1 to 10 as "< 11" (CMS cell-size
# suppression: a cell of fewer than 11 people may let someone be recognised).
SMALL_CELL = 11
SUPPRESSED = "< 11"


@dataclass(frozen=True)
class ReportFilter:
    start: datetime.date
    end: datetime.date
    track_id: int | None = None
    site_id: int | None = None
    level_of_care: str = ""
    therapist_id: int | None = None  # the patient's primary therapist (a membership)
    payer: str = ""

    @property
    def days(self) -> Iterator[datetime.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += datetime.timedelta(days=1)


def settings_for(clinic: Clinic) -> ReportSettings:
    found = ReportSettings.objects.filter(clinic=clinic).first()
    return found or ReportSettings(clinic=clinic)


def stays(*, clinic: Clinic, filters: ReportFilter) -> QuerySet[Enrollment]:
    """The stays the filters select (one query when evaluated; track, site and patient come
    with each row)."""
    rows = Enrollment.objects.filter(clinic=clinic, admission_date__lte=filters.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=filters.start)
    )
    return narrowed(rows, clinic=clinic, filters=filters)


def narrowed(
    rows: QuerySet[Enrollment], *, clinic: Clinic, filters: ReportFilter
) -> QuerySet[Enrollment]:
    """The filters other than the date range, on any enrollment query."""
    if filters.track_id:
        rows = rows.filter(track_id=filters.track_id)
    if filters.site_id:
        rows = rows.filter(track__site_id=filters.site_id)
    if filters.level_of_care:
        rows = rows.filter(level_of_care=filters.level_of_care)
    if filters.therapist_id:
        rows = rows.filter(patient__primary_therapist_id=filters.therapist_id)
    if filters.payer:
        rows = rows.filter(
            Exists(
                Coverage.objects.filter(
                    clinic=clinic,
                    patient=OuterRef("patient_id"),
                    is_active=True,
                    priority=CoveragePriority.PRIMARY,
                    payer__iexact=filters.payer,
                )
            )
        )
    return rows.select_related("track", "track__site", "patient").order_by("admission_date", "id")


# How a stay ended, in the words a report prints. A step-down is its own status on the
# enrollment; TEDS files it under "transferred to further treatment".
ENDINGS = {
    "completed": "Completed treatment",
    "stepped_down": "Stepped down",
    "transferred": "Transferred",
    "against_advice": "Left against advice",
    "administrative": "Administrative",
}


def ending(stay: Enrollment) -> str:
    """The reason a stay ended ("" while it is open)."""
    if stay.ended_on is None:
        return ""
    if stay.status == EnrollmentStatus.COMPLETED:
        return "completed"
    if stay.status == EnrollmentStatus.STEPPED_DOWN:
        return "stepped_down"
    return stay.discharge_type or DischargeType.ADMINISTRATIVE


def counts_as_completion(reason: str, settings: ReportSettings) -> bool:
    if reason == "completed":
        return True
    return settings.completion_counts_transfers and reason in ("transferred", "stepped_down")


def week_of(day: datetime.date) -> datetime.date:
    return clock.week_start(day)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def rate(numerator: int, denominator: int) -> float | None:
    """A share as a percentage with one decimal; None when nobody is in the denominator."""
    if not denominator:
        return None
    return round(100 * numerator / denominator, 1)


def suppressed(value: int) -> int | str:
    """A count as an outside export shows it."""
    return SUPPRESSED if 0 < value < SMALL_CELL else value
