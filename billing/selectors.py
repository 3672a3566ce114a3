"""Reads for billing. Every read takes the clinic; another clinic's object is a 404, the same as
a missing one.

`claim_readiness` is the one place that decides whether an attended day can be billed, and if
not, why (each blocker by name). It reads hours, billable days, each program's weekly rule and
which authorization a day falls to from the attendance ledger (scheduling/ledger.py); it
computes none of them itself. Its query count does not grow with the number of patients or
days. A day already on a live claim (`claimed_days`) is not offered again, and counts against
the authorization its claim cites (`authorization_units`, also behind the chart and the API).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from groups.models import GroupNote
from iop import clock
from iop.models import Clinic, Coverage, Diagnosis, Enrollment
from iop.models.billing import CoveragePriority, VerificationStatus
from iop.models.care import DiagnosisCategory, LevelOfCare
from scheduling import ledger
from scheduling.models import Attendance, SessionKind
from therapy.models import ProgressNote, TreatmentPlan

from . import codes
from .models import (
    BillingProvider,
    Claim,
    ClaimFile,
    ClaimLine,
    ClaimStatus,
    Payer,
    PayerConsent,
    Remittance,
    RemittanceLine,
    SampleRemittance,
)

# The longest range one readiness read covers (a quarter: a biller works a month at a time).
MAX_RANGE_DAYS = 92
GROUP_NOTE_KINDS = (SessionKind.GROUP, SessionKind.WORKSHOP)
PROGRESS_NOTE_KINDS = (SessionKind.INDIVIDUAL, SessionKind.FAMILY)


class Blocker:
    """What holds a day back from a claim, by name. The order is the worklist's."""

    UNDER_HOURS = "under_hours"
    NOTE_UNSIGNED = "note_unsigned"
    NO_AUTHORIZATION = "no_authorization"
    UNITS_USED_UP = "units_used_up"
    NO_COVERAGE = "no_coverage"
    COVERAGE_UNVERIFIED = "coverage_unverified"
    PAYER_NOT_SET_UP = "payer_not_set_up"
    NO_PRIMARY_DIAGNOSIS = "no_primary_diagnosis"
    NO_SIGNED_PLAN = "no_signed_plan"
    WEEK_RULE = "week_rule"
    LEVEL_OF_CARE_OVERLAP = "level_of_care_overlap"
    PROVIDER_INCOMPLETE = "provider_incomplete"
    PART2_NO_CONSENT = "part2_no_consent"


BLOCKERS: dict[str, str] = {
    Blocker.UNDER_HOURS: "Under the billable hours that day",
    Blocker.NOTE_UNSIGNED: "No signed note for a service that day",
    Blocker.NO_AUTHORIZATION: "No authorization covering the date",
    Blocker.UNITS_USED_UP: "Authorization units used up",
    Blocker.NO_COVERAGE: "No active coverage (none on file, or ended)",
    Blocker.COVERAGE_UNVERIFIED: "Coverage not verified",
    Blocker.PAYER_NOT_SET_UP: "The coverage's payer is not set up for billing",
    Blocker.NO_PRIMARY_DIAGNOSIS: "No primary diagnosis",
    Blocker.NO_SIGNED_PLAN: "No signed treatment plan in force",
    Blocker.WEEK_RULE: "The week fails the program's days-per-week rule",
    Blocker.LEVEL_OF_CARE_OVERLAP: "Overlaps another level of care",
    Blocker.PROVIDER_INCOMPLETE: "Billing provider data missing",
    Blocker.PART2_NO_CONSENT: "Part 2: no consent on file for disclosure to this payer",
}


@dataclass(slots=True)  # thousands a page: no __dict__ each
class BillableDay:
    """One attended day of one IOP enrollment, and what holds it back (empty: ready)."""

    patient: Any
    enrollment: Enrollment
    day: datetime.date
    minutes: int
    coverage: Coverage | None = None
    payer: Payer | None = None
    authorization: Any = None
    diagnosis_codes: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def amount(self) -> Decimal:
        return self.payer.rate_per_unit if self.payer is not None else Decimal("0.00")

    @property
    def blocker_labels(self) -> list[str]:
        return [BLOCKERS[code] for code in self.blockers]


@dataclass
class HeldBy:
    blocker: str
    label: str
    days: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass
class Readiness:
    start: datetime.date
    end: datetime.date
    days: list[BillableDay]
    held: list[HeldBy]
    ready_days: int
    ready_amount: Decimal


def readiness_range(
    clinic: Clinic, start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    """The range asked for, or the clinic's current month; never longer than
    `MAX_RANGE_DAYS` and never past today (a day not yet lived is not billable)."""
    today = clock.today(clinic)
    if start is None:
        start = today.replace(day=1)
    if end is None:
        end = today
    end = min(end, today, start + datetime.timedelta(days=MAX_RANGE_DAYS - 1))
    return start, end


def _in_enrollment(enrollment: Enrollment, day: datetime.date) -> bool:
    return enrollment.admission_date <= day and (
        enrollment.ended_on is None or day <= enrollment.ended_on
    )


@dataclass
class _Facts:
    """Everything a day's readiness is judged on, loaded once for all patients."""

    clinic: Clinic
    iop_enrollments: list[Enrollment]
    others: dict[int, list[Enrollment]]
    weeks: dict[tuple[int, datetime.date], ledger.Week]
    owners: dict[tuple[int, datetime.date], ledger.DayAuthorization | None]
    claimed: dict[tuple[int, datetime.date], int | None]
    authorizations: dict[int, list[Any]]
    unsigned: set[tuple[int, datetime.date]]
    coverages: dict[int, Coverage]
    payers: dict[str, Payer]
    providers: dict[int | None, BillingProvider]
    diagnoses: dict[int, list[Diagnosis]]
    plans: dict[int, list[dict[str, Any]]]
    consents: dict[tuple[int, int], list[PayerConsent]]
    # Each list of blockers once: the days held by the same ones share it (read, never changed).
    alike: dict[tuple[str, ...], list[str]] = field(default_factory=dict)


def _unsigned_days(
    clinic: Clinic, patient_ids: set[int], start: datetime.date, end: datetime.date
) -> set[tuple[int, datetime.date]]:
    """(patient, day) pairs with an attended group/workshop without a signed group note, or an
    attended individual/family session without the patient's signed progress note."""
    group_signed = GroupNote.objects.filter(
        clinic=clinic, session_id=OuterRef("session_id"), signed_at__isnull=False
    )
    note_signed = ProgressNote.objects.filter(
        clinic=clinic, session_id=OuterRef("session_id"), patient_id=OuterRef("patient_id"),
        signed_at__isnull=False,
    )  # fmt: skip
    rows = (
        Attendance.objects.filter(
            clinic=clinic,
            is_active=True,
            status__in=ledger.ATTENDED,
            patient_id__in=patient_ids,
            session__day__range=(start, end),
        )
        .exclude(session__status="cancelled")
        # Only the unsigned rows come back: the database judges each row's note.
        .filter(
            (Q(session__kind__in=GROUP_NOTE_KINDS) & ~Exists(group_signed))
            | (Q(session__kind__in=PROGRESS_NOTE_KINDS) & ~Exists(note_signed))
        )
        .values_list("patient_id", "session__day")
        .order_by()
    )
    return set(rows)


def _load(clinic: Clinic, start: datetime.date, end: datetime.date) -> _Facts | None:
    enrollments = list(
        Enrollment.objects.filter(clinic=clinic, admission_date__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .select_related("patient", "track")
        .order_by("patient_id", "admission_date", "id")
    )
    iop_enrollments = [e for e in enrollments if e.level_of_care == LevelOfCare.IOP]
    if not iop_enrollments:
        return None
    others: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        if enrollment.level_of_care != LevelOfCare.IOP:
            others[enrollment.patient_id].append(enrollment)
    patients = {e.patient_id: e.patient for e in iop_enrollments}
    ids = set(patients)
    weeks_n = (clock.week_start(end) - clock.week_start(start)).days // 7 + 1
    weeks = ledger.weeks_for(
        clinic=clinic, start=start, weeks=weeks_n, patients=list(patients.values())
    )
    every, owners, claimed = authorization_units(clinic=clinic, patient_ids=ids)
    facts = _Facts(
        clinic=clinic, iop_enrollments=iop_enrollments, others=others, weeks=weeks,
        owners=owners, claimed=claimed, authorizations=defaultdict(list),
        unsigned=_unsigned_days(clinic, ids, start, end),
        coverages={
            c.patient_id: c
            for c in Coverage.objects.filter(
                clinic=clinic, patient_id__in=ids, priority=CoveragePriority.PRIMARY,
                is_active=True,
            )
        },
        payers={p.name.lower(): p for p in Payer.objects.filter(clinic=clinic, is_active=True)},
        providers={p.site_id: p for p in BillingProvider.objects.filter(clinic=clinic)},
        diagnoses=defaultdict(list), plans=defaultdict(list), consents=defaultdict(list),
    )  # fmt: skip
    for authorization in every:
        facts.authorizations[authorization.patient_id].append(authorization)
    for diagnosis in Diagnosis.objects.filter(
        clinic=clinic, patient_id__in=ids, is_active=True
    ).order_by("-is_primary", "id"):
        facts.diagnoses[diagnosis.patient_id].append(diagnosis)
    for plan in TreatmentPlan.objects.filter(
        clinic=clinic, patient_id__in=ids, acknowledged_at__isnull=False
    ).values("enrollment_id", "acknowledged_at", "superseded_at", "review_due"):
        facts.plans[plan["enrollment_id"]].append(dict(plan))
    for consent in PayerConsent.objects.filter(clinic=clinic, patient_id__in=ids):
        facts.consents[(consent.patient_id, consent.payer_id)].append(consent)
    return facts


def live_claim_lines(*, clinic: Clinic) -> QuerySet[ClaimLine]:
    """The claim lines that stand: on a claim that was not denied and has no replacement that
    stands in its place (a replacement carries the same days; counting both would bill a day
    twice)."""
    replaced = Claim.objects.filter(clinic=clinic, replaces_id=OuterRef("claim_id")).exclude(
        status=ClaimStatus.DENIED
    )
    return (
        ClaimLine.objects.filter(clinic=clinic)
        .exclude(claim__status=ClaimStatus.DENIED)
        .exclude(Exists(replaced))
    )


def claimed_days(
    *, clinic: Clinic, patient_ids: set[int]
) -> dict[tuple[int, datetime.date], int | None]:
    """Each (patient, day) on a live claim line, with the authorization the line cites (None
    when it cites none). One query."""
    rows = (
        live_claim_lines(clinic=clinic)
        .filter(patient_id__in=patient_ids)
        .values_list("patient_id", "service_date", "authorization_id")
        .order_by("patient_id", "service_date", "id")
    )
    return {(patient, day): cited for patient, day, cited in rows}


def authorization_units(
    *, clinic: Clinic, patient_ids: set[int]
) -> tuple[
    list[Any],
    dict[tuple[int, datetime.date], ledger.DayAuthorization | None],
    dict[tuple[int, datetime.date], int | None],
]:
    """The one count of an authorization's units: the days on live claims that cite it come
    first, then the billable days not yet claimed fall to authorizations under the ledger's
    one-authorization-a-day rule. Returns the patients' authorizations (with `claimed_days`
    and `billed_days` set), each day's owner, and the claimed days. Three queries."""
    claimed = claimed_days(clinic=clinic, patient_ids=patient_ids)
    every, owners = ledger.authorization_days(
        clinic=clinic, patient_ids=patient_ids, claimed=claimed
    )
    return every, owners, claimed


def count_authorization_units(*, clinic: Clinic, authorizations: list[Any]) -> None:
    """Set `claimed_days` and `billed_days` on authorizations about to be shown (the chart and
    the API), by `authorization_units`."""
    if not authorizations:
        return
    every, _, _ = authorization_units(
        clinic=clinic, patient_ids={a.patient_id for a in authorizations}
    )
    counted = {a.pk: a for a in every}
    for authorization in authorizations:
        found = counted.get(authorization.pk)
        authorization.claimed_days = found.claimed_days if found else 0
        authorization.billed_days = found.billed_days if found else 0


def _plan_windows(plans: list[dict[str, Any]], clinic: Clinic) -> list[tuple[Any, ...]]:
    """Each signed (acknowledged) plan version as the days it is in force: from its signing
    day to its review date, and before the day it was superseded (None: not superseded)."""
    return [
        (
            clock.local_date(clinic, plan["acknowledged_at"]),
            plan["review_due"],
            clock.local_date(clinic, plan["superseded_at"]) if plan["superseded_at"] else None,
        )
        for plan in plans
    ]


def _plan_in_force(windows: list[tuple[Any, ...]], day: datetime.date) -> bool:
    """A signed plan version in force on the day (`_plan_windows`)."""
    return any(
        signed <= day <= review_due and (superseded is None or day < superseded)
        for signed, review_due, superseded in windows
    )


def _coverage_blockers(coverage: Coverage | None, payer: Payer | None) -> list[str]:
    if coverage is None:
        return [Blocker.NO_COVERAGE]
    found = []
    if coverage.verification_status != VerificationStatus.VERIFIED:
        found.append(Blocker.COVERAGE_UNVERIFIED)
    if payer is None:
        found.append(Blocker.PAYER_NOT_SET_UP)
    return found


@dataclass
class _Stay:
    """What all the days of one IOP enrollment share, judged once for all of them."""

    enrollment: Enrollment
    coverage: Coverage | None
    payer: Payer | None
    diagnosis_codes: list[str]  # one list for all the days: read, never changed
    primary_from: datetime.date | None  # the first day a primary diagnosis stands (None: none)
    plans: list[tuple[Any, ...]]  # `_plan_windows`
    others: list[Enrollment]  # the patient's other levels of care
    consents: list[PayerConsent] | None  # Part 2 applies: the consents to this payer
    needs_authorization: bool
    windows: list[tuple[datetime.date, datetime.date]]  # the authorizations' date windows
    coverage_blockers: list[str]
    provider_incomplete: bool


def _stay(facts: _Facts, enrollment: Enrollment) -> _Stay:
    pid = enrollment.patient_id
    coverage = facts.coverages.get(pid)
    payer = facts.payers.get(coverage.payer.strip().lower()) if coverage else None
    diagnoses = facts.diagnoses[pid]
    site_id = enrollment.track.site_id if enrollment.track_id else None
    provider = facts.providers.get(site_id) or facts.providers.get(None)
    part2 = any(d.category == DiagnosisCategory.SUBSTANCE_USE for d in diagnoses)
    return _Stay(
        enrollment=enrollment, coverage=coverage, payer=payer,
        diagnosis_codes=[d.icd10_code for d in diagnoses],
        primary_from=min(
            (d.diagnosed_on or datetime.date.min for d in diagnoses if d.is_primary),
            default=None,
        ),
        plans=_plan_windows(facts.plans[enrollment.pk], facts.clinic),
        others=facts.others[pid],
        consents=facts.consents[(pid, payer.pk)] if part2 and payer is not None else None,
        needs_authorization=payer is None or payer.authorization_required,
        windows=[(a.start_date, a.end_date) for a in facts.authorizations[pid]],
        coverage_blockers=_coverage_blockers(coverage, payer),
        provider_incomplete=provider is None or bool(provider.missing),
    )  # fmt: skip


def _authorization_blockers(
    stay: _Stay, day: datetime.date, billable: bool,
    owner: ledger.DayAuthorization | None, program_met: bool,
) -> list[str]:  # fmt: skip
    if not stay.needs_authorization:
        return []
    if not any(first <= day <= last for first, last in stay.windows):
        return [Blocker.NO_AUTHORIZATION]
    if owner is None:
        # A window holds the day, yet no authorization takes it: the authorization's code has
        # a weekly rule the week fails though the payer's program passes (an H0015
        # authorization for an S9480 payer's 2-day week). A week failing the payer's own rule
        # is that blocker, and a short day is under hours.
        return [Blocker.NO_AUTHORIZATION] if billable and program_met else []
    if not owner.within_units:
        return [Blocker.UNITS_USED_UP]
    return []


def _enrollment_days(
    facts: _Facts, enrollment: Enrollment, weeks: list[ledger.Week],
    start: datetime.date, end: datetime.date,
) -> list[BillableDay]:  # fmt: skip
    """The attended days of one IOP enrollment from `start` to `end` not yet on a claim, each
    with its blockers in the worklist's order. What the enrollment's days share is judged
    once (`_stay`), each week's program rule once a week, and only what depends on the day
    once a day."""
    stay = _stay(facts, enrollment)
    pid, payer = enrollment.patient_id, stay.payer
    billable_minutes = facts.clinic.billable_day_minutes
    days: list[BillableDay] = []
    for week in weeks:
        # The payer's program rule (`program_week_met`), once a week; no payer, no rule.
        program_met = ledger.program_week_met(payer.program_code if payer else "", week)
        for day, minutes in week.by_day.items():
            if not (start <= day <= end and minutes > 0 and _in_enrollment(enrollment, day)):
                continue
            if (pid, day) in facts.claimed:
                continue
            owner = facts.owners.get((pid, day))
            checks = [
                (Blocker.UNDER_HOURS, minutes < billable_minutes),
                (Blocker.NOTE_UNSIGNED, (pid, day) in facts.unsigned),
            ]
            found = [code for code, failed in checks if failed]
            found += _authorization_blockers(
                stay, day, minutes >= billable_minutes, owner, program_met
            )
            found += stay.coverage_blockers
            checks = [
                (Blocker.NO_PRIMARY_DIAGNOSIS,
                 stay.primary_from is None or day < stay.primary_from),
                (Blocker.NO_SIGNED_PLAN, not _plan_in_force(stay.plans, day)),
                (Blocker.WEEK_RULE, payer is not None and not program_met),
                (Blocker.LEVEL_OF_CARE_OVERLAP, any(_in_enrollment(o, day) for o in stay.others)),
                (Blocker.PROVIDER_INCOMPLETE, stay.provider_incomplete),
                (Blocker.PART2_NO_CONSENT,
                 stay.consents is not None and not any(c.in_force(day) for c in stay.consents)),
            ]  # fmt: skip
            found += [code for code, failed in checks if failed]
            found = facts.alike.setdefault(tuple(found), found)
            days.append(
                BillableDay(
                    patient=enrollment.patient, enrollment=enrollment, day=day,
                    minutes=minutes, coverage=stay.coverage, payer=payer,
                    authorization=owner.authorization if owner is not None else None,
                    diagnosis_codes=stay.diagnosis_codes, blockers=found,
                )
            )  # fmt: skip
    return days


def _days(facts: _Facts, start: datetime.date, end: datetime.date) -> list[BillableDay]:
    by_patient: dict[int, list[ledger.Week]] = defaultdict(list)
    for (pid, _monday), week in facts.weeks.items():
        by_patient[pid].append(week)
    days: list[BillableDay] = []
    for enrollment in facts.iop_enrollments:
        days += _enrollment_days(facts, enrollment, by_patient[enrollment.patient_id], start, end)
    return days


def claim_readiness(
    *,
    clinic: Clinic,
    start: datetime.date,
    end: datetime.date,
    payer_id: int | None = None,
    track_id: int | None = None,
    blocker: str | None = None,
) -> Readiness:
    """Every attended day of every IOP enrollment from `start` to `end` not yet on a live
    claim, oldest first, each with its blockers; and the days and dollars each blocker holds.
    Twelve queries whatever the number of patients and days. Filters (payer, track, blocker)
    choose the days shown; the totals follow them."""
    facts = _load(clinic, start, end)
    if facts is None:
        return Readiness(start, end, [], [], 0, Decimal("0.00"))
    days = _days(facts, start, end)
    if payer_id is not None:
        days = [d for d in days if d.payer is not None and d.payer.pk == payer_id]
    if track_id is not None:
        days = [d for d in days if d.enrollment.track_id == track_id]
    if blocker:
        days = [d for d in days if blocker in d.blockers]
    days.sort(key=lambda d: (d.day, d.patient.legal_last_name, d.patient.legal_first_name,
                             d.patient.pk))  # fmt: skip
    held = {code: HeldBy(code, label) for code, label in BLOCKERS.items()}
    ready_days, ready_amount = 0, Decimal("0.00")
    for entry in days:
        if entry.ready:
            ready_days += 1
            ready_amount += entry.amount
        for code in entry.blockers:
            held[code].days += 1
            held[code].amount += entry.amount
    return Readiness(
        start=start, end=end, days=days, held=[h for h in held.values() if h.days],
        ready_days=ready_days, ready_amount=ready_amount,
    )  # fmt: skip


# --- set-up ------------------------------------------------------------------------------------


def payer_list(*, clinic: Clinic) -> QuerySet[Payer]:
    return Payer.objects.filter(clinic=clinic).order_by("name", "id")


def payer_get(*, clinic: Clinic, payer_id: int) -> Payer:
    payer = Payer.objects.filter(clinic=clinic, pk=payer_id).first()
    if payer is None:
        raise Http404("No such payer.")
    return payer


def provider_list(*, clinic: Clinic) -> QuerySet[BillingProvider]:
    return BillingProvider.objects.filter(clinic=clinic).select_related("site")


def provider_get(*, clinic: Clinic, provider_id: int) -> BillingProvider:
    provider = (
        BillingProvider.objects.filter(clinic=clinic, pk=provider_id).select_related("site").first()
    )
    if provider is None:
        raise Http404("No such billing provider.")
    return provider


# --- claims ------------------------------------------------------------------------------------


def claim_list(
    *,
    clinic: Clinic,
    status: str | None = None,
    payer_id: int | None = None,
    patient_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[Claim]:
    """The clinic's claims, newest period first, with their line count and total; filtered by
    status, payer, patient, and billing periods that overlap `start`..`end`."""
    rows = Claim.objects.filter(clinic=clinic)
    if status:
        rows = rows.filter(status=status)
    if payer_id is not None:
        rows = rows.filter(payer_id=payer_id)
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    if start is not None:
        rows = rows.filter(period_end__gte=start)
    if end is not None:
        rows = rows.filter(period_start__lte=end)
    return (
        rows.select_related("patient", "payer")
        .annotate(
            line_count=Count("lines"),
            total=Coalesce(
                Sum("lines__charge"), Value(Decimal("0.00")), output_field=DecimalField()
            ),
        )
        .order_by("-period_start", "patient__legal_last_name", "id")
    )


def claim_detail(*, clinic: Clinic, claim_id: int) -> Claim:
    """One claim as the list shows it, with its lines (two queries)."""
    claim = (
        claim_list(clinic=clinic)
        .filter(pk=claim_id)
        .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.filter(clinic=clinic)))
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_get(*, clinic: Clinic, claim_id: int) -> Claim:
    claim = Claim.objects.filter(clinic=clinic, pk=claim_id).select_related("patient").first()
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_file_list(*, clinic: Clinic) -> QuerySet[ClaimFile]:
    return ClaimFile.objects.filter(clinic=clinic).defer("content", "csv")


def claim_file_get(*, clinic: Clinic, claim_file_id: int) -> ClaimFile:
    claim_file = ClaimFile.objects.filter(clinic=clinic, pk=claim_file_id).first()
    if claim_file is None:
        raise Http404("No such claim file.")
    return claim_file


# --- remittances and denials -------------------------------------------------------------------


def remittance_list(*, clinic: Clinic) -> QuerySet[Remittance]:
    return Remittance.objects.filter(clinic=clinic).select_related("payer").defer("content")


def remittance_get(*, clinic: Clinic, remittance_id: int) -> Remittance:
    remittance = (
        Remittance.objects.filter(clinic=clinic, pk=remittance_id)
        .select_related("payer")
        .defer("content")
        .first()
    )
    if remittance is None:
        raise Http404("No such remittance.")
    return remittance


def remittance_lines(*, remittance: Remittance) -> QuerySet[RemittanceLine]:
    return (
        RemittanceLine.objects.filter(clinic_id=remittance.clinic_id, remittance=remittance)
        .select_related("patient", "claim")
        .order_by("claim_id", "service_date", "id")
    )


def sample_remittance(*, clinic: Clinic) -> SampleRemittance | None:
    return SampleRemittance.objects.filter(clinic=clinic).first()


@dataclass
class Denial:
    """One denied or partly denied line: what was refused, why in words, and the readiness
    blocker that would have held the day back before the claim went out."""

    line: RemittanceLine
    reasons: list[tuple[str, str, str]]  # (group, CARC, words)
    remarks: list[tuple[str, str]]  # (RARC, words)
    blocker: str | None
    blocker_label: str


@dataclass
class Denials:
    rows: list[Denial]
    count: int
    amount: Decimal
    held: list[HeldBy]


def denials(*, clinic: Clinic, payer_id: int | None = None, reason: str | None = None) -> Denials:
    """Every posted line the payer refused in whole or in part, oldest date of service
    first, with the reason in words and the blocker that would have caught it; the days and
    dollars held, in all and by blocker. Two queries whatever the number of lines."""
    rows = (
        RemittanceLine.objects.filter(clinic=clinic, denied_amount__gt=0)
        .select_related("patient", "claim", "remittance__payer")
        .order_by("service_date", "patient__legal_last_name", "id")
    )
    if payer_id is not None:
        rows = rows.filter(remittance__payer_id=payer_id)
    if reason:
        rows = rows.filter(reasons__contains=[reason])
    labels = {**BLOCKERS, **codes.CAUSE_LABELS}
    found: list[Denial] = []
    held: dict[str, HeldBy] = {}
    total = Decimal("0.00")
    for line in rows:
        refused = [a for a in line.adjustments if not codes.not_denied(a["group"], a["reason"])]
        blocker = codes.blocker_for([a["reason"] for a in refused], line.remarks)
        label = labels.get(blocker or "", "No readiness check covers this reason")
        found.append(Denial(
            line=line,
            reasons=[(a["group"], a["reason"], codes.carc_text(a["reason"])) for a in refused],
            remarks=[(code, codes.rarc_text(code)) for code in line.remarks],
            blocker=blocker, blocker_label=label,
        ))  # fmt: skip
        total += line.denied_amount
        key = blocker or ""
        entry = held.setdefault(key, HeldBy(key, label))
        entry.days += 1
        entry.amount += line.denied_amount
    return Denials(
        rows=found, count=len(found), amount=total,
        held=sorted(held.values(), key=lambda h: (-h.amount, h.label)),
    )  # fmt: skip


def denial_reasons(*, clinic: Clinic) -> list[str]:
    """The CARC codes on the clinic's denied lines, for the worklist's filter."""
    codes_seen: set[str] = set()
    for reasons in RemittanceLine.objects.filter(clinic=clinic, denied_amount__gt=0).values_list(
        "reasons", flat=True
    ):
        codes_seen.update(reasons)
    return sorted(codes_seen, key=lambda c: (len(c), c))
