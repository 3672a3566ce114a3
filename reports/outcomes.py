"""Outcomes: do people get better, and are they measured (Joint Commission CTS.03.01.09, CARF
1.M: standardized measures at admission, at intervals and at discharge, aggregated).

Per stay the filters select (a patient admitted twice has two stays, each measured on its own):

- *Intake score*: the first PHQ-9 (GAD-7) within the clinic's measure window of the admission
  date (before or after). *Latest*: the last one after it, up to the stay's end or the range's
  last day. *At discharge*: the last one after intake within the window before the stay ended
  (stays that ended in the range).
- *Mean change*: latest (discharge) minus intake, over the stays that have both.
- *Response and remission* (HEDIS DRR-E): the denominator is the stays whose intake score was
  elevated (PHQ-9 > 9); response is a later score at least 50 % below it, remission a later
  score under 5. A stay with no later score counts in the denominator and in neither, as HEDIS
  counts a member with no follow-up. HEDIS reads the follow-up 120–240 days after the elevated
  score, which an 8–12-week program rarely reaches: this report reads it at the latest score
  and at discharge, and says so. GAD-7 uses the same cut points (10 elevated, under 5 remission)
  by analogy; HEDIS defines them for the PHQ-9 only.
- *Measurement coverage*: stays with any standardized measure at admission (within the window
  of admission), at 30 days (within the window of day 30, stays still open on day 30) and at
  discharge (within the window before the end, stays that ended in the range).
- *BAM*: mean use, risk and protective scores by week of the stay (week 1 = days 0–6).
- *Drug tests*: tests with at least one result, by the week they were ordered for; the share
  with a positive the patient's medications do not explain (an unexpected positive).
- *Follow-up calls*: calls due in the range, after stays the filters select, that are already
  due; reached = the call's outcome was "reached".
- *Readmissions*: stays that ended in the range followed by a new admission of the same patient
  within 30 (90) days, over the stays whose 30 (90) days are over by today.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from aftercare.models import FOLLOW_UP_MONTHS, FollowUp, FollowUpStatus
from iop import clock
from iop.models import Clinic, Enrollment
from progress.instruments import Instrument
from progress.models import DrugTest, Measure

from . import cohort
from .cohort import ReportFilter
from .models import ReportSettings

ELEVATED = 10  # HEDIS DRR-E: a PHQ-9 total greater than 9
REMISSION_UNDER = 5
SCORED = (Instrument.PHQ9, Instrument.GAD7)

HOW = {
    "change": "First score within {w} days of admission, compared with the latest one after it "
    "and with the last one within {w} days before discharge; mean of later minus first.",
    "response": "HEDIS DRR-E: of stays with an elevated first score (10 or more), the share "
    "with a later score at least 50 % lower (response) and under 5 (remission); no later score "
    "counts as neither. Read at the latest score and at discharge, not 120–240 days later. "
    "GAD-7 uses the same cut points by analogy.",
    "coverage": "Stays with any standardized measure within {w} days of admission, of day 30 "
    "(stays open on day 30) and before discharge (stays that ended in the range).",
    "bam": "Mean BAM use, risk and protective scores by week of the stay.",
    "tests": "Drug tests with results by the week they were ordered for; share with a positive "
    "the patient's medications do not explain.",
    "followups": "Follow-up calls due in the range that are due by today; reached = the "
    "patient was reached.",
    "readmissions": "Stays that ended in the range with a new admission within 30 (90) days, "
    "over stays whose 30 (90) days are over by today.",
}


@dataclass
class Scores:
    instrument: str
    label: str
    with_intake: int = 0
    changes_latest: list[int] = field(default_factory=list)
    changes_discharge: list[int] = field(default_factory=list)
    elevated: int = 0
    followed_up: int = 0
    response_latest: int = 0
    remission_latest: int = 0
    elevated_discharged: int = 0
    response_discharge: int = 0
    remission_discharge: int = 0

    @property
    def mean_change_latest(self) -> float | None:
        return round(statistics.fmean(self.changes_latest), 1) if self.changes_latest else None

    @property
    def mean_change_discharge(self) -> float | None:
        changes = self.changes_discharge
        return round(statistics.fmean(changes), 1) if changes else None

    @property
    def response_rate(self) -> float | None:
        return cohort.rate(self.response_latest, self.elevated)

    @property
    def remission_rate(self) -> float | None:
        return cohort.rate(self.remission_latest, self.elevated)

    @property
    def response_rate_discharge(self) -> float | None:
        return cohort.rate(self.response_discharge, self.elevated_discharged)

    @property
    def remission_rate_discharge(self) -> float | None:
        return cohort.rate(self.remission_discharge, self.elevated_discharged)


@dataclass
class Coverage:
    name: str
    measured: int = 0
    eligible: int = 0

    @property
    def rate(self) -> float | None:
        return cohort.rate(self.measured, self.eligible)


@dataclass
class BamWeek:
    week: int
    count: int
    use: float
    risk: float
    protective: float


@dataclass
class TestWeek:
    start: datetime.date
    tested: int = 0
    unexpected: int = 0

    @property
    def rate(self) -> float | None:
        return cohort.rate(self.unexpected, self.tested)


@dataclass
class FollowUps:
    months: int
    due: int = 0
    reached: int = 0

    @property
    def rate(self) -> float | None:
        return cohort.rate(self.reached, self.due)


@dataclass
class Readmissions:
    days: int
    readmitted: int = 0
    eligible: int = 0

    @property
    def rate(self) -> float | None:
        return cohort.rate(self.readmitted, self.eligible)


@dataclass
class OutcomesReport:
    filters: ReportFilter
    settings: ReportSettings
    stays: int
    scores: list[Scores]
    coverage: list[Coverage]
    bam: list[BamWeek]
    tests: list[TestWeek]
    followups: list[FollowUps]
    readmissions: list[Readmissions]

    @property
    def how(self) -> dict[str, str]:
        w = self.settings.measure_window_days
        return {key: text.format(w=w) for key, text in HOW.items()}


def outcomes_report(*, clinic: Clinic, filters: ReportFilter) -> OutcomesReport:
    settings = cohort.settings_for(clinic)
    window = datetime.timedelta(days=settings.measure_window_days)
    today = clock.today(clinic)
    stays = list(cohort.stays(clinic=clinic, filters=filters))
    patient_ids = {stay.patient_id for stay in stays}
    measures: dict[int, list[Measure]] = defaultdict(list)
    if stays:
        earliest = min(stay.admission_date for stay in stays) - window
        for measure in Measure.objects.filter(
            clinic=clinic,
            patient_id__in=patient_ids,
            administered_on__gte=earliest,
            administered_on__lte=filters.end,
        ).order_by("administered_on", "id"):
            measures[measure.patient_id].append(measure)

    labels = dict(Instrument.choices)
    scores = {name: Scores(name, labels[name]) for name in SCORED}
    coverage = [Coverage("At admission"), Coverage("At 30 days"), Coverage("At discharge")]
    bam: dict[int, list[Measure]] = defaultdict(list)
    for stay in stays:
        until = min(stay.ended_on or filters.end, filters.end)
        ended = stay.ended_on is not None and stay.ended_on <= filters.end
        own = [
            m
            for m in measures[stay.patient_id]
            if stay.admission_date - window <= m.administered_on <= until
        ]
        for name in SCORED:
            _score(scores[name], stay, [m for m in own if m.instrument == name], window, ended)
        days = [m.administered_on for m in own]
        coverage[0].eligible += 1
        coverage[0].measured += any(
            abs((d - stay.admission_date).days) <= window.days for d in days
        )
        day30 = stay.admission_date + datetime.timedelta(days=30)
        if day30 <= until:
            coverage[1].eligible += 1
            coverage[1].measured += any(abs((d - day30).days) <= window.days for d in days)
        if ended and stay.ended_on is not None:
            last = stay.ended_on
            coverage[2].eligible += 1
            coverage[2].measured += any(last - window <= d <= last for d in days)
        for m in own:
            if m.instrument == Instrument.BAM and filters.start <= m.administered_on:
                week = max(0, (m.administered_on - stay.admission_date).days) // 7 + 1
                bam[week].append(m)

    return OutcomesReport(
        filters=filters,
        settings=settings,
        stays=len(stays),
        scores=list(scores.values()),
        coverage=coverage,
        bam=[_bam_week(week, bam[week]) for week in sorted(bam)],
        tests=_tests(clinic=clinic, filters=filters, patient_ids=patient_ids),
        followups=_followups(clinic=clinic, filters=filters, today=today),
        readmissions=_readmissions(clinic=clinic, stays=stays, filters=filters, today=today),
    )


def _score(
    scores: Scores,
    stay: Enrollment,
    own: list[Measure],
    window: datetime.timedelta,
    ended: bool,
) -> None:
    intake = next((m for m in own if abs(m.administered_on - stay.admission_date) <= window), None)
    if intake is None or intake.total is None:
        return
    scores.with_intake += 1
    later = [
        m
        for m in own
        if m.total is not None and (m.administered_on, m.pk) > (intake.administered_on, intake.pk)
    ]
    latest = later[-1] if later else None
    at_discharge = None
    if ended and stay.ended_on:
        near_end = [m for m in later if m.administered_on >= stay.ended_on - window]
        at_discharge = near_end[-1] if near_end else None
    elevated = intake.total >= ELEVATED
    if latest is not None:
        scores.changes_latest.append(int(latest.total or 0) - intake.total)
    if at_discharge is not None:
        scores.changes_discharge.append(int(at_discharge.total or 0) - intake.total)
    if elevated:
        scores.elevated += 1
        if latest is not None:
            scores.followed_up += 1
            scores.response_latest += _responded(intake.total, latest.total)
            scores.remission_latest += int(latest.total or 0) < REMISSION_UNDER
        if ended:
            scores.elevated_discharged += 1
            if at_discharge is not None:
                scores.response_discharge += _responded(intake.total, at_discharge.total)
                scores.remission_discharge += int(at_discharge.total or 0) < REMISSION_UNDER


def _responded(first: int, later: int | None) -> bool:
    """HEDIS response: the later score is at least 50 % lower than the first."""
    return later is not None and 2 * later <= first


def _bam_week(week: int, rows: list[Measure]) -> BamWeek:
    def mean(name: str) -> float:
        values = [getattr(m, name) for m in rows if getattr(m, name) is not None]
        return round(statistics.fmean(values), 1) if values else 0.0

    return BamWeek(
        week=week,
        count=len(rows),
        use=mean("bam_use"),
        risk=mean("bam_risk"),
        protective=mean("bam_protective"),
    )


def _tests(*, clinic: Clinic, filters: ReportFilter, patient_ids: set[int]) -> list[TestWeek]:
    rows = (
        DrugTest.objects.filter(
            clinic=clinic,
            patient_id__in=patient_ids,
            ordered_for__gte=filters.start,
            ordered_for__lte=filters.end,
        )
        .annotate(
            results_n=Count("results"),
            unexpected_n=Count(
                "results", filter=Q(results__outcome="positive", results__expected=False)
            ),
        )
        .filter(results_n__gt=0)
        .values_list("ordered_for", "unexpected_n")
        .order_by()
    )
    weeks: dict[datetime.date, TestWeek] = {}
    for day, unexpected in rows:
        week = weeks.setdefault(cohort.week_of(day), TestWeek(cohort.week_of(day)))
        week.tested += 1
        week.unexpected += unexpected > 0
    return [weeks[start] for start in sorted(weeks)]


def _followups(*, clinic: Clinic, filters: ReportFilter, today: datetime.date) -> list[FollowUps]:
    selected = cohort.narrowed(
        Enrollment.objects.filter(clinic=clinic), clinic=clinic, filters=filters
    )
    rows = (
        FollowUp.objects.filter(
            clinic=clinic,
            due_on__gte=filters.start,
            due_on__lte=min(filters.end, today),
            enrollment__in=selected.values("pk"),
        )
        .values_list("months_after", "status")
        .order_by()
    )
    out = {months: FollowUps(months) for months in FOLLOW_UP_MONTHS}
    for months, status in rows:
        calls = out.setdefault(months, FollowUps(months))
        calls.due += 1
        calls.reached += status == FollowUpStatus.DONE
    return [out[months] for months in sorted(out)]


def _readmissions(
    *, clinic: Clinic, stays: list[Enrollment], filters: ReportFilter, today: datetime.date
) -> list[Readmissions]:
    ended = [s for s in stays if s.ended_on and filters.start <= s.ended_on <= filters.end]
    admissions: dict[int, list[tuple[int, datetime.date]]] = defaultdict(list)
    if ended:
        for pk, patient_id, admitted in (
            Enrollment.objects.filter(clinic=clinic, patient_id__in={s.patient_id for s in ended})
            .values_list("pk", "patient_id", "admission_date")
            .order_by()
        ):
            admissions[patient_id].append((pk, admitted))
    out = []
    for days in (30, 90):
        counted = Readmissions(days)
        span = datetime.timedelta(days=days)
        for stay in ended:
            if stay.ended_on is None or stay.ended_on + span > today:
                continue
            counted.eligible += 1
            counted.readmitted += any(
                pk != stay.pk and stay.ended_on <= admitted <= stay.ended_on + span
                for pk, admitted in admissions[stay.patient_id]
            )
        out.append(counted)
    return out
