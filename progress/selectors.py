"""Reads: the caseload (a fixed number of queries whatever its size), measures due, and a
patient's progress series."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from iop import clock
from iop.models import Clinic, Enrollment, Membership, Patient
from iop.models.care import OPEN_STATUSES
from iop.roles import Role
from scheduling import ledger
from scheduling.ledger import ATTENDED, Week, patient_weeks, weeks_for
from scheduling.models import Attendance

from .instruments import Instrument
from .models import (
    CheckIn,
    DailyRating,
    DrugTest,
    DrugTestPanel,
    Measure,
    MedicationExpectation,
    MedicationFinding,
    ProgressSettings,
    RecollectionTask,
    ResultMethod,
    ResultOutcome,
    SafetyTask,
    SubstanceResult,
)
from .services import settings_for

RATE_WINDOW_DAYS = 28
UNEXPECTED_WINDOW_DAYS = 30
SCHEDULED = (Instrument.PHQ9, Instrument.GAD7, Instrument.BAM, Instrument.AUDIT_C)


def get_or_404(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found.")
    return found


def drug_test_get(*, clinic: Clinic, test_id: int) -> DrugTest:
    return get_or_404(
        DrugTest.objects.filter(clinic=clinic)
        .select_related("panel", "patient", "clinic")
        .prefetch_related("results"),
        test_id,
    )


def panel_get(*, clinic: Clinic, panel_id: int) -> DrugTestPanel:
    return get_or_404(DrugTestPanel.objects.filter(clinic=clinic), panel_id)


def safety_task_get(*, clinic: Clinic, task_id: int, patient: Patient | None = None) -> SafetyTask:
    tasks = SafetyTask.objects.filter(clinic=clinic).select_related("clinic", "patient")
    if patient is not None:
        tasks = tasks.filter(patient=patient)
    return get_or_404(tasks, task_id)


def recollection_task_get(*, clinic: Clinic, task_id: int) -> RecollectionTask:
    return get_or_404(
        RecollectionTask.objects.filter(clinic=clinic).select_related("clinic", "patient"), task_id
    )


def expectation_get(*, clinic: Clinic, expectation_id: int) -> MedicationExpectation:
    return get_or_404(
        MedicationExpectation.objects.filter(clinic=clinic).select_related("clinic"),
        expectation_id,
    )


def safety_tasks_for(
    *, clinic: Clinic, membership: Membership, limit: int = 50
) -> list[SafetyTask]:
    """The open safety tasks a person must act on, oldest due first, in one query: those of
    the patients they are primary therapist or case manager for; a clinical lead (admin) also
    sees the escalated ones and those of patients with no care team."""
    mine = Q(patient__primary_therapist=membership) | Q(patient__case_manager=membership)
    if membership.role == Role.ADMIN:
        mine |= Q(escalated_at__isnull=False) | Q(
            patient__primary_therapist__isnull=True, patient__case_manager__isnull=True
        )
    return list(
        SafetyTask.objects.filter(mine, clinic=clinic, closed_at__isnull=True)
        .select_related("patient")
        .order_by("due_on", "id")[:limit]
    )


def open_safety_tasks(*, clinic: Clinic, patient_id: int) -> list[SafetyTask]:
    return list(
        SafetyTask.objects.filter(clinic=clinic, patient_id=patient_id, closed_at__isnull=True)
        .select_related("assigned_to__user")
        .order_by("due_on", "id")
    )


# --- Measures due -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    instrument: str
    since: datetime.date
    label: str


def measures_due(
    *,
    settings: ProgressSettings,
    admission: datetime.date,
    latest: dict[str, datetime.date],
    today: datetime.date,
) -> list[Due]:
    """At intake (nothing since admission), then every N days (0 = intake only)."""
    due = []
    for instrument in SCHEDULED:
        every = settings.every_days(instrument)
        last = latest.get(instrument)
        label = Instrument(instrument).label.split(" ")[0]
        if last is None or last < admission:
            due.append(Due(instrument, admission, label))
        elif every and last + datetime.timedelta(days=every) <= today:
            due.append(Due(instrument, last + datetime.timedelta(days=every), label))
    return due


def latest_measure_dates(
    *, clinic: Clinic, patient_ids: list[int]
) -> dict[int, dict[str, datetime.date]]:
    latest: dict[int, dict[str, datetime.date]] = defaultdict(dict)
    rows = (
        Measure.objects.filter(clinic=clinic, patient_id__in=patient_ids)
        .values_list("patient_id", "instrument")
        .annotate(last=Max("administered_on"))
        .order_by()
    )
    for patient_id, instrument, last in rows:
        latest[patient_id][instrument] = last
    return latest


# --- The caseload -------------------------------------------------------------------------------


@dataclass
class Trend:
    latest: int | None = None
    previous: int | None = None
    band: str = ""
    on: datetime.date | None = None

    @property
    def change(self) -> int | None:
        if self.latest is None or self.previous is None:
            return None
        return self.latest - self.previous

    @property
    def arrow(self) -> str:
        change = self.change
        if change is None:
            return ""
        return "↑" if change > 0 else "↓" if change < 0 else "→"


@dataclass
class CaseloadRow:
    patient: Patient
    enrollment: Enrollment
    this_week: Week | None = None
    last_week: Week | None = None
    minimum: int = 0
    attended_sessions: int = 0
    missed_sessions: int = 0  # unexcused, in the rate window
    unexcused_14d: int = 0
    last_test: DrugTest | None = None
    last_test_unexpected: bool = False
    unexpected_recent: list[str] = field(default_factory=list)
    medication_findings: list[str] = field(default_factory=list)  # their words, unreviewed
    phq9: Trend = field(default_factory=Trend)
    gad7: Trend = field(default_factory=Trend)
    item9: bool = False
    open_safety_tasks: int = 0
    due: list[Due] = field(default_factory=list)
    week_of: datetime.date = datetime.date.min  # this week's Monday

    @property
    def attendance_rate(self) -> int | None:
        counted = self.attended_sessions + self.missed_sessions
        return round(100 * self.attended_sessions / counted) if counted else None

    @property
    def hours_this_week(self) -> float:
        return round((self.this_week.attended if self.this_week else 0) / 60, 1)

    @property
    def hours_last_week(self) -> float:
        return round((self.last_week.attended if self.last_week else 0) / 60, 1)

    @property
    def minimum_hours(self) -> float:
        return round(self.minimum / 60, 1)

    @property
    def this_week_shortfall(self) -> str:
        """The ledger's finding for the week shown in "Hours this week" ("" in a first
        partial week)."""
        return ledger.minimum_shortfall(self.this_week, admitted_on=self.admitted_on)

    @property
    def last_week_shortfall(self) -> str:
        """Last week's finding, shown in its own column; history, so not a flag."""
        return ledger.minimum_shortfall(self.last_week, admitted_on=self.admitted_on)

    @property
    def admitted_on(self) -> datetime.date:
        return self.enrollment.admission_date

    @property
    def this_week_first_partial(self) -> bool:
        return not ledger.held_to_minimum(self.week_of, admitted_on=self.admitted_on)

    @property
    def last_week_first_partial(self) -> bool:
        last_monday = self.week_of - datetime.timedelta(weeks=1)
        return not ledger.held_to_minimum(last_monday, admitted_on=self.admitted_on)

    @property
    def last_week_words(self) -> str:
        return week_span(self.week_of - datetime.timedelta(weeks=1))

    @property
    def week_words(self) -> str:
        return week_span(self.week_of)

    @cached_property
    def flags(self) -> list[tuple[str, str, str]]:
        """(code, tone, words) — what needs action today, most urgent first. Read once the
        row is filled in (`caseload`), then kept: the page asks for it several times a row."""
        found = []
        if self.item9 or self.open_safety_tasks:
            found.append(("item9", "danger", "PHQ-9 item 9: safety follow-up"))
        if self.unexpected_recent:
            found.append(("unexpected", "danger", "Unexpected positive"))
        if self.medication_findings:
            found.append(("medication", "warn", "Medication-assisted treatment: result to review"))
        if ledger.miss_risk(self.unexcused_14d):
            found.append(("missed", "warn", f"{self.unexcused_14d} unexcused misses in 14 days"))
        if self.this_week is not None and self.under_minimum:
            hours = self.this_week.hours
            words = (
                f"Under the {hours['minimum']:g} h minimum this week: {hours['attended']:g} h"
                if self.this_week_shortfall == "under"
                else f"Short of the {hours['minimum']:g} h minimum this week: "
                f"at most {hours['reachable']:g} h possible"
            )
            found.append(("under_minimum", "warn", words))
        if self.phq9.change is not None and self.phq9.change >= 5:
            found.append(("phq9_up", "warn", f"PHQ-9 up {self.phq9.change} points"))
        return found

    @property
    def under_minimum(self) -> bool:
        """This week (the one the page shows) ended under the minimum, or cannot reach it
        even if every remaining session is attended — the ledger's rule, which leaves out a
        first partial week."""
        return bool(self.this_week_shortfall)

    @property
    def risk(self) -> int:
        """Ordered by what needs someone today: a safety follow-up outranks any number of
        lesser flags; hours that can still be made up this week come before a score trend."""
        weights = {
            "item9": 32, "unexpected": 16, "medication": 8, "missed": 4, "under_minimum": 2,
            "phq9_up": 1,
        }  # fmt: skip
        return sum(weights[code] for code, _tone, _words in self.flags)


def week_span(monday: datetime.date) -> str:
    """ "Nov 30–Dec 6" for the week starting `monday`."""
    sunday = monday + datetime.timedelta(days=6)
    if sunday.month == monday.month:
        return f"{monday:%b} {monday.day}–{sunday.day}"
    return f"{monday:%b} {monday.day}–{sunday:%b} {sunday.day}"


FLAG_CHOICES = [
    ("", "All patients"),
    ("any", "Any risk flag"),
    ("item9", "PHQ-9 item 9"),
    ("unexpected", "Unexpected positive"),
    ("medication", "Medication-assisted treatment finding"),
    ("missed", "Two unexcused misses in 14 days"),
    ("phq9_up", "PHQ-9 up 5 or more"),
    ("under_minimum", "Under the weekly minimum"),
]


def case_managers(*, clinic: Clinic) -> list[Membership]:
    return list(
        Membership.objects.filter(clinic=clinic, role=Role.CASE_MANAGER, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def caseload(
    *,
    clinic: Clinic,
    case_manager_id: int | None = None,
    flag: str = "",
    query: str = "",
    now: datetime.datetime | None = None,
) -> list[CaseloadRow]:
    """One row per patient in an open enrollment (of one case manager, or all), sorted by
    risk, as it stands at `now` (the clock's, unless given). A fixed number of queries
    whatever the number of patients."""
    enrollments = (
        Enrollment.objects.filter(clinic=clinic, status__in=OPEN_STATUSES)
        .select_related("patient", "track")
        .order_by("patient__legal_last_name", "patient__legal_first_name", "id")
    )
    if case_manager_id is not None:
        enrollments = enrollments.filter(patient__case_manager_id=case_manager_id)
    for word in query.replace("\x00", "").split():
        enrollments = enrollments.filter(
            Q(patient__record_number__iexact=word)
            | Q(patient__legal_first_name__istartswith=word)
            | Q(patient__legal_last_name__istartswith=word)
            | Q(patient__preferred_name__istartswith=word)
        )
    now = now or clock.now()
    today = clock.local_date(clinic, now)
    rows = {}
    for enrollment in enrollments:
        enrollment.clinic = enrollment.patient.clinic = clinic
        rows[enrollment.patient_id] = CaseloadRow(
            patient=enrollment.patient, enrollment=enrollment,
            minimum=ledger.minimum_for(clinic, enrollment.patient, today),
            week_of=clock.week_start(today),
        )  # fmt: skip
    if not rows:
        return []
    _add_hours(clinic, rows, today, now)
    _add_attendance(clinic, rows, today, now)
    _add_tests(clinic, rows, now)
    _add_measures(clinic, rows, today)
    found = list(rows.values())
    if flag == "any":
        found = [row for row in found if row.flags]
    elif flag:
        found = [row for row in found if any(code == flag for code, _t, _w in row.flags)]
    # Stable: within a risk level, patients with a measure due today first, then by name.
    found.sort(key=lambda row: (-row.risk, not row.due))
    return found


Rows = dict[int, CaseloadRow]


def _add_hours(clinic: Clinic, rows: Rows, today: datetime.date, now: datetime.datetime) -> None:
    """Last week and this one from the hours ledger: one query."""
    monday = clock.week_start(today)
    patients = [row.patient for row in rows.values()]
    ledger = weeks_for(
        clinic=clinic,
        start=monday - datetime.timedelta(weeks=1),
        weeks=2,
        patients=patients,
        now=now,
    )
    for (patient_id, start), week in ledger.items():
        if start == monday:
            rows[patient_id].this_week = week
        else:
            rows[patient_id].last_week = week


def _add_attendance(
    clinic: Clinic, rows: Rows, today: datetime.date, now: datetime.datetime
) -> None:
    """Attendance rate (28 days) and unexcused absences (14 days): one query. The window is
    bounded on the attendance's own start too, so the (clinic, patient, starts_at) index
    reads 28 days of each patient, not their whole history (a session's places start on its
    day)."""
    since = today - datetime.timedelta(days=RATE_WINDOW_DAYS)
    counts = (
        Attendance.objects.filter(
            clinic=clinic, patient_id__in=list(rows), is_active=True, ends_at__lte=now,
            starts_at__gte=clock.at(clock.zone(clinic), since, datetime.time.min),
            session__day__gte=since,
        )
        .exclude(session__status="cancelled")
        .values("patient_id")
        .annotate(
            attended=Count("id", filter=Q(status__in=ATTENDED)),
            absent=Count("id", filter=Q(status="absent")),
            missed_14=Count("id", filter=ledger.unexcused_miss(today=today, now=now)),
        )
        .order_by()
    )  # fmt: skip
    for item in counts:
        row = rows[item["patient_id"]]
        row.attended_sessions, row.missed_sessions = item["attended"], item["absent"]
        row.unexcused_14d = item["missed_14"]


def _add_tests(clinic: Clinic, rows: Rows, now: datetime.datetime) -> None:
    """The last collected test (DISTINCT ON), the unexpected positives of the last 30
    days (a lab result overriding the cup) and the medication findings of tests not yet
    reviewed: three queries."""
    ids = list(rows)
    last_tests = (
        DrugTest.objects.filter(clinic=clinic, patient_id__in=ids, collected_at__isnull=False)
        .select_related("panel")
        .order_by("patient_id", "-collected_at", "-id")
        .distinct("patient_id")
    )
    for test in last_tests:
        rows[test.patient_id].last_test = test
    since = now - datetime.timedelta(days=UNEXPECTED_WINDOW_DAYS)
    results = SubstanceResult.objects.filter(
        clinic=clinic, test__patient_id__in=ids, test__collected_at__gte=since
    ).values_list("test_id", "test__patient_id", "substance", "method", "outcome", "expected")
    for test_id, patient_id, substance, unexpected in final_unexpected(results):
        row = rows[patient_id]
        if unexpected:
            row.unexpected_recent.append(substance)
            if row.last_test is not None and row.last_test.pk == test_id:
                row.last_test_unexpected = True
    findings = (
        MedicationFinding.objects.filter(
            clinic=clinic, patient_id__in=ids, test__reviewed_at__isnull=True
        )
        .order_by("patient_id", "id")
        .values_list("patient_id", "message")
    )
    for patient_id, message in findings:
        rows[patient_id].medication_findings.append(message)


def _add_measures(clinic: Clinic, rows: Rows, today: datetime.date) -> None:
    """PHQ-9 and GAD-7 trends (the latest two of each, picked by PostgreSQL), open safety
    tasks, measures due: four queries."""
    ids = list(rows)
    newest_first = [F("administered_on").desc(), F("id").desc()]
    measures = (
        Measure.objects.filter(
            clinic=clinic, patient_id__in=ids, instrument__in=[Instrument.PHQ9, Instrument.GAD7]
        )
        .annotate(
            nth=Window(
                RowNumber(), partition_by=[F("patient_id"), F("instrument")], order_by=newest_first
            )
        )
        .filter(nth__lte=2)
        .order_by("patient_id", "instrument", "-administered_on", "-id")
        .values_list("patient_id", "instrument", "administered_on", "total", "band", "answers")
    )
    for patient_id, instrument, on, total, band, answers in measures:
        row = rows[patient_id]
        trend = row.phq9 if instrument == Instrument.PHQ9 else row.gad7
        if trend.latest is None:
            trend.latest, trend.band, trend.on = total, band, on
            row.item9 = row.item9 or (instrument == Instrument.PHQ9 and answers[8] > 0)
        elif trend.previous is None:
            trend.previous = total
    open_tasks = (
        SafetyTask.objects.filter(clinic=clinic, patient_id__in=ids, closed_at__isnull=True)
        .values_list("patient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for patient_id, number in open_tasks:
        rows[patient_id].open_safety_tasks = number
    settings = settings_for(clinic)
    latest = latest_measure_dates(clinic=clinic, patient_ids=ids)
    for patient_id, row in rows.items():
        row.due = measures_due(
            settings=settings, admission=row.enrollment.admission_date,
            latest=latest.get(patient_id, {}), today=today,
        )  # fmt: skip


def final_unexpected(rows: Any) -> list[tuple[int, int, str, bool]]:
    """(test, patient, substance, unexpected) per substance tested: a lab-confirmed result
    replaces the presumptive one (a cup positive the lab did not confirm is not held
    against the patient)."""
    final: dict[tuple[int, str], tuple[int, str, str, bool | None]] = {}
    for test_id, patient_id, substance, method, outcome, expected in rows:
        key = (test_id, substance)
        if key in final and final[key][1] == ResultMethod.CONFIRMED:
            continue
        final[key] = (patient_id, method, outcome, expected)
    return [
        (test_id, patient_id, substance, outcome == ResultOutcome.POSITIVE and expected is False)
        for (test_id, substance), (patient_id, _method, outcome, expected) in final.items()
    ]


# --- A patient's progress -----------------------------------------------------------------------


@dataclass
class Progress:
    patient: Patient
    phq9: list[Measure]
    gad7: list[Measure]
    bam: list[Measure]
    audit_c: list[Measure]
    pcl5: list[Measure]
    pacs: list[Measure]
    crafft: list[Measure]
    weeks: list[Week]
    attendance_by_week: list[tuple[datetime.date, int, int]]  # monday, attended, on the list
    ratings: list[DailyRating]
    tests: list[DrugTest]
    check_ins: list[CheckIn]
    safety_tasks: list[SafetyTask]
    due: list[Due]
    first: datetime.date  # the Monday the charts start on
    weeks_shown: int


PROGRESS_WEEKS = 12


def chart_start(*, today: datetime.date, admitted_on: datetime.date | None) -> datetime.date:
    """The charts' first Monday: the admission week, or 12 weeks back if that is longer ago
    (an axis spans the data, not a fixed 12 weeks)."""
    earliest = clock.week_start(today) - datetime.timedelta(weeks=PROGRESS_WEEKS - 1)
    if admitted_on is None:
        return earliest
    return max(earliest, min(clock.week_start(admitted_on), clock.week_start(today)))


def patient_progress(*, clinic: Clinic, patient: Patient, include_tests: bool) -> Progress:
    today = clock.today(clinic)
    enrollment = (
        Enrollment.objects.filter(clinic=clinic, patient=patient, status__in=OPEN_STATUSES)
        .order_by("-admission_date")
        .first()
    )
    first_monday = chart_start(
        today=today, admitted_on=enrollment.admission_date if enrollment else None
    )
    weeks_shown = (clock.week_start(today) - first_monday).days // 7 + 1
    measures = list(
        Measure.objects.filter(clinic=clinic, patient=patient).order_by("administered_on", "id")
    )
    by_instrument: dict[str, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_instrument[measure.instrument].append(measure)

    attendance: dict[datetime.date, list[int]] = {
        first_monday + datetime.timedelta(weeks=n): [0, 0] for n in range(weeks_shown)
    }
    rows = (
        Attendance.objects.filter(
            clinic=clinic, patient=patient, is_active=True, session__day__gte=first_monday,
            ends_at__lte=clock.now(),
        )
        .exclude(session__status="cancelled")
        .exclude(status="excused")
        .values_list("session__day", "status")
    )  # fmt: skip
    for day, status in rows:
        counts = attendance[clock.week_start(day)]
        counts[1] += 1
        counts[0] += status in ATTENDED
    tests: list[DrugTest] = []
    if include_tests:
        tests = list(
            DrugTest.objects.filter(clinic=clinic, patient=patient, ordered_for__gte=first_monday)
            .select_related("panel")
            .prefetch_related("results")
            .order_by("ordered_for", "id")
        )
    latest: dict[str, datetime.date] = {}
    for measure in measures:
        latest[measure.instrument] = measure.administered_on
    due = (
        measures_due(
            settings=settings_for(clinic), admission=enrollment.admission_date,
            latest=latest, today=today,
        )
        if enrollment
        else []
    )  # fmt: skip
    return Progress(
        patient=patient,
        phq9=by_instrument[Instrument.PHQ9],
        gad7=by_instrument[Instrument.GAD7],
        bam=by_instrument[Instrument.BAM],
        audit_c=by_instrument[Instrument.AUDIT_C],
        pcl5=by_instrument[Instrument.PCL5],
        pacs=by_instrument[Instrument.PACS],
        crafft=by_instrument[Instrument.CRAFFT],
        weeks=patient_weeks(clinic=clinic, patient=patient, weeks=weeks_shown),
        attendance_by_week=[(monday, a, n) for monday, (a, n) in attendance.items()],
        ratings=list(
            DailyRating.objects.filter(
                clinic=clinic, patient=patient, rated_on__gte=first_monday
            ).order_by("rated_on", "id")
        ),
        tests=tests,
        check_ins=list(
            CheckIn.objects.filter(clinic=clinic, patient=patient)
            .select_related("staff")
            .order_by("-held_on", "-id")[:10]
        ),
        safety_tasks=list(
            SafetyTask.objects.filter(clinic=clinic, patient=patient)
            .select_related("assigned_to__user", "closed_by")
            .order_by("closed_at", "-due_on")[:20]
        ),
        due=due,
        first=first_monday,
        weeks_shown=weeks_shown,
    )
