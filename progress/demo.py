"""Demo progress data for `seed_demo`: up to 12 weeks of measures, check-ins, daily ratings
and drug tests per enrolled patient, with believable trends — most patients improving, some
at risk (rising PHQ-9, an unexpected positive, recent misses, an item-9 safety task).

Bulk inserts keep it fast; scores always come from the real scoring functions, validity from
the real validity function, expected/unexpected from the real medication mapping. Dates are
the clinic's (`clock.today`); a cup is collected on one of the patient's group days just
before their group, and never later than now.
"""

import datetime
import random
import secrets
from decimal import Decimal
from typing import Any

from iop import clock
from iop.models import Clinic, Enrollment, Medication, User
from iop.models.care import OPEN_STATUSES
from scheduling.models import Attendance

from . import services
from .instruments import SPECS, score
from .models import (
    CheckIn,
    DailyRating,
    DrugTest,
    Measure,
    PanelSubstance,
    RandomSelection,
    SubstanceResult,
)
from .validity import explaining_medication, validity_of

WEEKS = 12
PROGRESS_NOTES = [
    "Attended all groups; used the urge-surfing skill twice this week.",
    "Reconnected with a sponsor; went to three NA meetings.",
    "Hard week: argument at home, but no use. Practised the STOP skill.",
    "Sleep improving with the new routine; journaling most evenings.",
    "Missed Tuesday for a job interview; made it up Thursday.",
    "Talked through triggers at work; plan to avoid the after-shift bar.",
]
NEXT_STEPS = [
    "Two NA meetings; call sponsor daily.",
    "Finish the relapse-prevention worksheet.",
    "Apply to two jobs; bring the list next week.",
    "Family session next Thursday.",
]


def answers_for(code: str, total: int, rng: random.Random, *, item9: int = 0) -> list[int]:
    """Answers that add up to `total` (each item within its options)."""
    items = len(SPECS[code].items)
    top = max(v for v, _ in SPECS[code].items[0].options)
    answers = [0] * items
    fixed = {8: item9} if code == "phq9" else {}
    for index, value in fixed.items():
        answers[index] = value
    free = [i for i in range(items) if i not in fixed]
    # Never more than the free items can hold (else the loop below would not end).
    remaining = min(max(0, total - sum(fixed.values())), len(free) * top)
    while remaining > 0:
        index = rng.choice(free)
        if answers[index] < top:
            answers[index] += 1
            remaining -= 1
    return answers


def bam_answers(progress: float, improving: bool, rng: random.Random) -> list[int]:
    use = round((1 - progress) * 3) if improving else rng.choice([1, 2, 3])
    protective = round(1 + progress * 3) if improving else rng.choice([1, 2])
    answers = [
        rng.choice([1, 2, 3]), max(0, use - 1 + rng.choice([0, 1])), use, use,
        max(0, use - 1), use, 0, use + rng.choice([0, 1]), protective, protective,
        use, rng.choice([1, 2, 3]), protective, 4 if protective > 2 else 0, rng.choice([0, 1, 2]),
        protective, protective,
    ]  # fmt: skip
    answers = [min(4, a) for a in answers]
    if answers[13] not in (0, 4):
        answers[13] = 4
    # Item 7 is asked as 7A–7G: the drug days of item 6 fall on one drug class.
    drug_days = [0] * 7
    drug_days[rng.randrange(7)] = answers[5]
    return [*answers[:6], *drug_days, *answers[7:]]


def seed_progress(*, clinic: Clinic, admin: User, nurse: User, rng: random.Random) -> None:
    ProgressSeeder(clinic=clinic, admin=admin, nurse=nurse, rng=rng).run()


class ProgressSeeder:
    def __init__(self, *, clinic: Clinic, admin: User, nurse: User, rng: random.Random) -> None:
        self.clinic, self.admin, self.nurse, self.rng = clinic, admin, nurse, rng
        self.today = clock.today(clinic)
        self.now = clock.now()
        self.measures: list[Measure] = []
        self.check_ins: list[CheckIn] = []
        self.ratings: list[DailyRating] = []
        self.tests: list[DrugTest] = []
        self.results: list[SubstanceResult] = []
        self.item9: list[tuple[Any, list[int], datetime.date]] = []
        self.medications: dict[int, list[Medication]] = {}
        self.missing: list[int] = []
        self.using: set[int] = set()

    def run(self) -> None:
        clinic = self.clinic
        panels = services.panel_defaults_create(clinic=clinic, actor=self.admin)
        self.cup = next(p for p in panels if p.name.startswith("12-panel"))
        self.cup_substances = list(
            PanelSubstance.objects.filter(clinic=clinic, panel=self.cup).values_list(
                "substance", flat=True
            )
        )
        self.expectations = services.expectations_create_defaults(
            clinic=clinic
        ) or services.active_expectations(clinic_id=clinic.pk)
        for medication in Medication.objects.filter(clinic=clinic):
            self.medications.setdefault(medication.patient_id, []).append(medication)
        enrollments = Enrollment.objects.filter(clinic=clinic).select_related("patient", "track")
        in_care = 0  # patients in care so far: every `RISK_EVERY`th few is at risk
        for enrollment in enrollments.order_by("id"):
            start = max(enrollment.admission_date, self.today - datetime.timedelta(weeks=WEEKS))
            end = min(enrollment.ended_on or self.today, self.today)
            if end <= start:
                continue
            # Most improve; a few are at risk in one way: mood, use, or attendance — the
            # handful a case manager acts on today, not most of the caseload.
            risk = ""
            if enrollment.status in OPEN_STATUSES:
                risk, in_care = RISKS.get(in_care % RISK_EVERY, ""), in_care + 1
            at_risk = bool(risk)
            self._measures(enrollment, start, end, at_risk=risk == "mood")
            if risk == "attendance":
                self.missing.append(enrollment.patient_id)
            if risk == "use":
                self.using.add(enrollment.patient_id)
            weeks = (end - start).days // 7 + 1
            for week in range(weeks):
                on = start + datetime.timedelta(weeks=week)
                if on <= end:
                    self._week(enrollment, on, end, week / max(1, weeks - 1), at_risk)
        Measure.objects.bulk_create(self.measures)
        CheckIn.objects.bulk_create(self.check_ins)
        DailyRating.objects.bulk_create(self.ratings)
        DrugTest.objects.bulk_create(self.tests)
        SubstanceResult.objects.bulk_create(self.results)
        for patient, answers, on in self.item9:
            # Through the service: item 9 opens a real safety task for the primary therapist.
            services.measure_submit(
                clinic=clinic, actor=self.admin, patient=patient, instrument="phq9",
                answers=answers, administered_on=on,
            )  # fmt: skip
        _recent_misses(clinic, self.missing, self.today)
        _random_selection(clinic, self.cup, self.nurse, self.today)

    def _measures(
        self, enrollment: Enrollment, start: datetime.date, end: datetime.date, *, at_risk: bool
    ) -> None:
        """PHQ-9 and GAD-7 at intake and every 2 weeks; AUDIT-C at intake."""
        rng, patient = self.rng, enrollment.patient
        days = (end - start).days
        phq_start, gad_start = rng.randint(12, 19), rng.randint(9, 16)
        previous = phq_start
        for offset in range(0, days + 1, 14):
            n, on = offset // 14, start + datetime.timedelta(days=offset)
            if at_risk:
                phq = min(27, 9 + 3 * n + rng.randint(0, 2))
                gad = min(21, 8 + 2 * n + rng.randint(0, 2))
            else:
                phq = max(2, phq_start - 3 * n + rng.randint(-1, 1))
                gad = max(1, gad_start - 2 * n + rng.randint(-1, 1))
            if at_risk and offset + 14 > days:
                # The latest one jumps (≥ 5 points) and answers item 9 above 0.
                phq = min(27, previous + 5 + rng.randint(0, 2))
                self.item9.append((patient, answers_for("phq9", phq, rng, item9=1), end))
            else:
                self._add("phq9", patient, answers_for("phq9", phq, rng), on)
            previous = phq
            self._add("gad7", patient, answers_for("gad7", gad, rng), on)
        sex = rng.choice(["female", "male"])
        self._add("audit_c", patient, answers_for("audit_c", rng.randint(1, 9), rng), start, sex)

    def _add(
        self, code: str, patient: Any, answers: list[int], on: datetime.date, sex: str = ""
    ) -> None:
        result = score(code, answers, sex=sex)
        self.measures.append(
            Measure(
                clinic=self.clinic, patient=patient, instrument=code, answers=answers,
                administered_on=on, sex=sex, total=result.total, band=result.band,
                recorded_by=self.admin, bam_use=result.subscales.get("use"),
                bam_risk=result.subscales.get("risk"),
                bam_protective=result.subscales.get("protective"),
            )
        )  # fmt: skip

    def _week(
        self,
        enrollment: Enrollment,
        on: datetime.date,
        end: datetime.date,
        trend: float,
        at_risk: bool,
    ) -> None:
        """A BAM, a check-in, three days of ratings and a 12-panel cup."""
        rng, patient = self.rng, enrollment.patient
        self._add("bam", patient, bam_answers(trend, not at_risk, rng), on)
        self.check_ins.append(
            CheckIn(
                clinic=self.clinic, patient=patient, held_on=on, staff=self.admin,
                progress=rng.choice(PROGRESS_NOTES), next_steps=rng.choice(NEXT_STEPS),
                barriers=rng.sample(BARRIERS, rng.choice([0, 0, 1, 2])),
                vocational_status=rng.choice(VOCATIONAL),
            )
        )  # fmt: skip
        lift = -trend if at_risk else trend
        for day in (0, 2, 3):
            rated_on = on + datetime.timedelta(days=day)
            if rated_on <= end:
                self.ratings.append(
                    DailyRating(
                        clinic=self.clinic, patient=patient, rated_on=rated_on,
                        recorded_by=self.admin,
                        mood=_clamp(4 + 4 * lift + rng.randint(-1, 1)),
                        stress=_clamp(7 - 3 * lift + rng.randint(-1, 1)),
                        cravings=_clamp(6 - 5 * lift + rng.randint(-1, 1)),
                        sleep=_clamp(4 + 3 * lift + rng.randint(-1, 1)),
                    )
                )  # fmt: skip
        track = enrollment.track
        # The cup is taken as the patient arrives for group on their first group day after
        # the check-in; today's only once that moment has passed.
        tested_on = next(
            on + datetime.timedelta(days=d) for d in range(1, 8)
            if (on + datetime.timedelta(days=d)).weekday() in track.weekdays
        )  # fmt: skip
        collected_at = clock.at(self.clinic, tested_on, _before(track.starts_at, minutes=15))
        if tested_on <= end and collected_at <= self.now:
            self._test(patient, tested_on, collected_at, end)

    def _test(
        self, patient: Any, day: datetime.date, collected_at: datetime.datetime, end: datetime.date
    ) -> None:
        rng = self.rng
        dilute = rng.random() < 0.06
        values = {
            "creatinine": Decimal(rng.choice([12, 15]) if dilute else rng.randint(40, 180)),
            "specific_gravity": Decimal("1.002" if dilute else f"1.0{rng.randint(10, 25)}"),
            "ph": Decimal(f"{rng.randint(5, 7)}.{rng.randint(0, 9)}"),
        }
        validity = validity_of(
            creatinine=values["creatinine"], specific_gravity=values["specific_gravity"],
            ph=values["ph"],
        )  # fmt: skip
        test = DrugTest(
            clinic=self.clinic, patient=patient, panel=self.cup, reason="scheduled",
            ordered_for=day, ordered_by=self.admin, collected_at=collected_at,
            specimen_type="urine", observed=rng.random() < 0.3,
            temperature=Decimal("96.4"), temperature_unit="F", temperature_in_range=True,
            custody_id=f"CC-{rng.randint(100000, 999999)}", validity=validity.result,
            validity_criteria=validity.criteria, validity_basis=validity.basis, **values,
        )  # fmt: skip
        self.tests.append(test)
        medications = self.medications.get(patient.pk, [])
        positives = {"coc"} if patient.pk in self.using and (end - day).days < 14 else set()
        if explaining_medication("bup", medications, day, self.expectations):
            positives.add("bup")
        for substance in self.cup_substances:
            positive = substance in positives
            explained = (
                explaining_medication(substance, medications, day, self.expectations)
                if positive
                else None
            )
            self.results.append(
                SubstanceResult(
                    clinic=self.clinic, test=test, substance=substance, method="presumptive",
                    outcome="positive" if positive else "negative", recorded_by=self.nurse,
                    expected=(explained is not None) if positive else None,
                    explained_by=explained.name if explained else "",
                )
            )  # fmt: skip


RISKS = {1: "mood", 6: "use", 11: "attendance"}
RISK_EVERY = 14
BARRIERS = ["transport", "work", "housing", "childcare"]
VOCATIONAL = ["employed_full", "employed_part", "seeking", "training"]


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


def _before(start: datetime.time, *, minutes: int) -> datetime.time:
    """The wall-clock time `minutes` before `start` (a track's start, never near midnight)."""
    hours, minutes = divmod(start.hour * 60 + start.minute - minutes, 60)
    return datetime.time(hours, minutes)


def _recent_misses(clinic: Clinic, patient_ids: list[int], today: datetime.date) -> None:
    """At-risk patients missed two of their last sessions without an excuse."""
    for patient_id in patient_ids:
        recent = list(
            Attendance.objects.filter(
                clinic=clinic, patient_id=patient_id, session__day__lt=today,
                session__day__gte=today - datetime.timedelta(days=13),
            ).order_by("-starts_at").values_list("id", flat=True)[:4:2]
        )  # fmt: skip
        Attendance.objects.filter(clinic=clinic, pk__in=recent).update(
            status="absent", minutes_attended=0, arrived_at=None, left_at=None
        )


def _random_selection(clinic: Clinic, panel: Any, nurse: User, today: datetime.date) -> None:
    """Last week's random selections, recorded as the service records them."""
    for days_ago in (7, 2):
        day = today - datetime.timedelta(days=days_ago)
        candidates = services.attendees_on(clinic=clinic, day=day)
        if not candidates:
            continue
        seed = secrets.token_hex(16)
        RandomSelection.objects.create(
            clinic=clinic, day=day, panel=panel, percent=20, seed=seed, candidates=candidates,
            selected=services.select_patients(seed=seed, candidates=candidates, percent=20),
            created_by=nurse,
        )  # fmt: skip
