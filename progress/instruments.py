"""The outcome measures: item text, answer options, scoring and severity bands.

Pure functions, no database: `score(code, answers, sex=...)` is the one entry point and is
tested against hand-worked cases at every band boundary (tests/progress/test_instruments.py).

Sources (DOMAIN.md "Measurement-based care"): PHQ-9 0–27, bands at 5/10/15/20, any answer
above 0 on item 9 needs a same-day safety follow-up; GAD-7 0–21, bands at 5/10/15; AUDIT-C
0–12, positive at ≥ 4 for men and ≥ 3 for women; BAM 17 items and no total — Use = items
4–6, Risk = 1, 2, 3, 8, 11, 15, Protective = 9, 10, 12, 13, 14, 16 (item 7 details item 6
and item 17 is in no subscale).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9 (depression)"
    GAD7 = "gad7", "GAD-7 (anxiety)"
    AUDIT_C = "audit_c", "AUDIT-C (alcohol)"
    BAM = "bam", "BAM (Brief Addiction Monitor)"


class ScoringSex(models.TextChoices):
    """Only AUDIT-C uses it. "Not stated" scores with the more sensitive cutoff (≥ 3)."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_STATED = "not_stated", "Not stated (women's cutoff, the more sensitive)"


Options = tuple[tuple[int, str], ...]

FREQUENCY_2W: Options = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)
# BAM day counts are recorded on its 0–4 scale (BAM scoring guide).
DAYS_30: Options = (
    (0, "0 days"),
    (1, "1–3 days"),
    (2, "4–8 days"),
    (3, "9–15 days"),
    (4, "16–30 days"),
)
AMOUNT: Options = (
    (0, "Not at all"),
    (1, "Slightly"),
    (2, "Moderately"),
    (3, "Considerably"),
    (4, "Extremely"),
)
HEALTH: Options = ((0, "Excellent"), (1, "Very good"), (2, "Good"), (3, "Fair"), (4, "Poor"))
YES_NO_INCOME: Options = ((0, "No"), (4, "Yes"))


@dataclass(frozen=True)
class Item:
    text: str
    options: Options

    @property
    def values(self) -> set[int]:
        return {value for value, _ in self.options}


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    stem: str
    items: tuple[Item, ...]
    # (lowest score of the band, band name), ascending; empty for the BAM.
    bands: tuple[tuple[int, str], ...] = ()
    maximum: int = 0


PHQ9 = Spec(
    code=Instrument.PHQ9,
    name="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following?",
    items=tuple(
        Item(text, FREQUENCY_2W)
        for text in (
            "Little interest or pleasure in doing things",
            "Feeling down, depressed, or hopeless",
            "Trouble falling or staying asleep, or sleeping too much",
            "Feeling tired or having little energy",
            "Poor appetite or overeating",
            (
                "Feeling bad about yourself — or that you are a failure or have let yourself or "
                "your family down"
            ),
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            (
                "Moving or speaking so slowly that other people could have noticed, or the "
                "opposite — being so fidgety or restless that you have been moving around a lot "
                "more than usual"
            ),
            "Thoughts that you would be better off dead, or of hurting yourself in some way",
        )
    ),
    bands=(
        (0, "Minimal"),
        (5, "Mild"),
        (10, "Moderate"),
        (15, "Moderately severe"),
        (20, "Severe"),
    ),
    maximum=27,
)

GAD7 = Spec(
    code=Instrument.GAD7,
    name="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=tuple(
        Item(text, FREQUENCY_2W)
        for text in (
            "Feeling nervous, anxious, or on edge",
            "Not being able to stop or control worrying",
            "Worrying too much about different things",
            "Trouble relaxing",
            "Being so restless that it is hard to sit still",
            "Becoming easily annoyed or irritable",
            "Feeling afraid, as if something awful might happen",
        )
    ),
    bands=((0, "Minimal"), (5, "Mild"), (10, "Moderate"), (15, "Severe")),
    maximum=21,
)

AUDIT_C = Spec(
    code=Instrument.AUDIT_C,
    name="AUDIT-C",
    stem="About your drinking in the past year.",
    items=(
        Item(
            "How often do you have a drink containing alcohol?",
            (
                (0, "Never"),
                (1, "Monthly or less"),
                (2, "2–4 times a month"),
                (3, "2–3 times a week"),
                (4, "4 or more times a week"),
            ),
        ),
        Item(
            "How many standard drinks containing alcohol do you have on a typical day?",
            ((0, "1 or 2"), (1, "3 or 4"), (2, "5 or 6"), (3, "7 to 9"), (4, "10 or more")),
        ),
        Item(
            "How often do you have six or more drinks on one occasion?",
            (
                (0, "Never"),
                (1, "Less than monthly"),
                (2, "Monthly"),
                (3, "Weekly"),
                (4, "Daily or almost daily"),
            ),
        ),
    ),
    maximum=12,
)

BAM = Spec(
    code=Instrument.BAM,
    name="BAM",
    stem="About the past 30 days unless the question says otherwise.",
    items=(
        Item("In the past 30 days, would you say your physical health has been…", HEALTH),
        Item("How many nights did you have trouble falling asleep or staying asleep?", DAYS_30),
        Item(
            "How many days have you felt depressed, anxious, angry or very upset throughout "
            "most of the day?",
            DAYS_30,
        ),
        Item("How many days did you drink any alcohol?", DAYS_30),
        Item(
            "How many days did you have at least 5 drinks (if you are a man) or at least 4 "
            "drinks (if you are a woman)?",
            DAYS_30,
        ),
        Item(
            "How many days did you use any illegal or street drugs or misuse any prescription "
            "medications?",
            DAYS_30,
        ),
        Item(
            "Of those days (item 6), on how many did you use the drug used most — marijuana, "
            "sedatives, cocaine, other stimulants, opioids, inhalants or other? (details item "
            "6; not scored)",
            DAYS_30,
        ),
        Item(
            "How much were you bothered by cravings or urges to drink alcohol or use drugs?",
            AMOUNT,
        ),
        Item(
            "How confident are you in your ability to be completely abstinent from alcohol "
            "and drugs in the next 30 days?",
            AMOUNT,
        ),
        Item(
            "How many days did you attend self-help meetings like AA or NA to support your "
            "recovery?",
            DAYS_30,
        ),
        Item(
            "How many days were you in situations or with people that might put you at an "
            "increased risk for using alcohol or drugs?",
            DAYS_30,
        ),
        Item("Does your religion or spirituality help support your recovery?", AMOUNT),
        Item(
            "How many days did you spend much of the time at work, school, or doing volunteer "
            "work?",
            DAYS_30,
        ),
        Item(
            "Do you have enough income (from legal sources) to pay for necessities such as "
            "housing, transportation, food and clothing for yourself and your dependents?",
            YES_NO_INCOME,
        ),
        Item(
            "How much have you been bothered by arguments or problems getting along with any "
            "family members or friends?",
            AMOUNT,
        ),
        Item(
            "How many days were you in contact or spent time with any family members or "
            "friends who are supportive of your recovery?",
            DAYS_30,
        ),
        Item("How satisfied are you with your progress toward your recovery goals?", AMOUNT),
    ),
)

SPECS: dict[str, Spec] = {spec.code: spec for spec in (PHQ9, GAD7, AUDIT_C, BAM)}

# 1-based item numbers, as the BAM manual and DOMAIN.md give them.
BAM_USE = (4, 5, 6)
BAM_RISK = (1, 2, 3, 8, 11, 15)
BAM_PROTECTIVE = (9, 10, 12, 13, 14, 16)
AUDIT_C_CUTOFF: dict[str, int] = {
    ScoringSex.MALE: 4,
    ScoringSex.FEMALE: 3,
    ScoringSex.NOT_STATED: 3,
}


@dataclass(frozen=True)
class Score:
    total: int | None  # None for the BAM (it has no total)
    band: str
    subscales: dict[str, int] = field(default_factory=dict)
    safety_concern: bool = False  # PHQ-9 item 9 above 0

    @property
    def positive(self) -> bool:
        return self.band == "Positive"


def band_for(spec: Spec, total: int) -> str:
    name = spec.bands[0][1]
    for lowest, band in spec.bands:
        if total >= lowest:
            name = band
    return name


def validate_answers(code: str, answers: list[int] | tuple[int, ...]) -> list[int]:
    """Every item answered with one of its options, or a ValidationError on `answers` that
    says which item is wrong."""
    if code not in SPECS:
        raise ValidationError({"instrument": f"Unknown instrument “{code}”."})
    spec = SPECS[code]
    if not isinstance(answers, list | tuple):
        raise ValidationError({"answers": "Give the answers as a list, one per item."})
    if len(answers) != len(spec.items):
        raise ValidationError(
            {"answers": f"{spec.name} has {len(spec.items)} items; {len(answers)} answered."}
        )
    problems = []
    for number, (item, answer) in enumerate(zip(spec.items, answers, strict=True), start=1):
        if isinstance(answer, bool) or not isinstance(answer, int) or answer not in item.values:
            allowed = ", ".join(str(v) for v in sorted(item.values))
            problems.append(f"Item {number}: answer with one of {allowed}.")
    if problems:
        raise ValidationError({"answers": problems})
    return list(answers)


def score(code: str, answers: list[int] | tuple[int, ...], *, sex: str = "") -> Score:
    answers = validate_answers(code, answers)
    spec = SPECS[code]
    if code == Instrument.BAM:
        if answers[5] == 0 and answers[6] != 0:
            raise ValidationError(
                {"answers": "Item 7: no drug days in item 6, so item 7 must be 0 days."}
            )
        if answers[6] > answers[5]:
            raise ValidationError({"answers": "Item 7 details item 6: it cannot be more days."})

        def subscale(items: tuple[int, ...]) -> int:
            return sum(answers[n - 1] for n in items)

        return Score(
            total=None,
            band="",
            subscales={
                "use": subscale(BAM_USE),
                "risk": subscale(BAM_RISK),
                "protective": subscale(BAM_PROTECTIVE),
            },
        )
    total = sum(answers)
    if code == Instrument.AUDIT_C:
        if sex not in AUDIT_C_CUTOFF:
            raise ValidationError({"sex": "Choose female, male or not stated (AUDIT-C cutoff)."})
        return Score(total=total, band="Positive" if total >= AUDIT_C_CUTOFF[sex] else "Negative")
    return Score(
        total=total,
        band=band_for(spec, total),
        safety_concern=code == Instrument.PHQ9 and answers[8] > 0,
    )


def band_edges(code: str) -> list[tuple[int, int, str]]:
    """(low, high, name) per band, for drawing the bands behind a chart."""
    spec = SPECS[code]
    edges = []
    for index, (low, name) in enumerate(spec.bands):
        high = spec.bands[index + 1][0] if index + 1 < len(spec.bands) else spec.maximum + 1
        edges.append((low, high, name))
    return edges
