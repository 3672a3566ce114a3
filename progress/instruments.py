"""The outcome measures: item text, answer options, scoring and severity bands.

Pure functions, no database: `score(code, answers, sex=...)` is the one entry point and is
tested against hand-worked cases at every band boundary (tests/progress/test_scoring.py).

Sources, one per instrument (each Spec also names its own in `source`, shown on the form):
- PHQ-9 (DOMAIN.md "Measurement-based care"; Kroenke, Spitzer & Williams 2001, J Gen Intern
  Med 16:606–613): 0–27, bands at 5/10/15/20; any answer above 0 on item 9 needs a same-day
  safety follow-up. Item 10 (functional difficulty) is asked of anyone who checked off a
  problem; it is recorded and shown but is not part of the 0–27 total (Kroenke 2001).
- GAD-7 (Spitzer et al. 2006) 0–21, bands at 5/10/15; AUDIT-C (Bush et al. 1998) 0–12,
  positive at ≥ 4 for men, ≥ 3 for women.
- BAM (Cacciola et al. 2013, J Subst Abuse Treat 44:256–263; the VA CESATE BAM manual,
  2014): 17 items and no total — Use = items 4–6, Risk = 1, 2, 3, 8, 11, 15, Protective = 9,
  10, 12, 13, 14, 16; item 7 is asked as seven sub-questions 7A–7G (days of each drug class),
  elaborates item 6 and is in no subscale; item 17 is in no subscale either.
- PCL-5 (Weathers, Litz, Keane, Palmieri, Marx & Schnurr 2013, National Center for PTSD):
  20 items 0–4, total 0–80; DSM-5 cluster severity B = items 1–5, C = 6–7, D = 8–14,
  E = 15–20; a total of 31–33 is the provisional cutoff for probable PTSD ("Using the PCL-5",
  NCPTSD), so it is shown as guidance, not a diagnosis.
- PACS, the Penn Alcohol Craving Scale (Flannery, Volpicelli & Pettinati 1999, Alcohol Clin
  Exp Res 23:1289–1295; item text as in the PhenX Toolkit protocol 511702): 5 items 0–6 about
  the past week, total 0–30. Chosen over a single 0–10 craving line because the daily
  ratings already carry that line, and the PACS is a published multi-item scale with a
  psychometric source; it has no validated severity bands, so none are shown.
- CRAFFT 2.1 (Center for Adolescent Behavioral Health Research, Boston Children's Hospital,
  crafft.org; Knight et al. 2002, Arch Pediatr Adolesc Med 156:607–614), for ages 12–21:
  Part A asks the days of alcohol, marijuana and anything else used to get high in the past
  12 months; if all three are 0 only the CAR question is asked, otherwise all six Part B
  yes/no questions (C-R-A-F-F-T). Score = the number of yes answers; 2 or more is high risk.
  (The 2.1+N nicotine/vaping questions are not included.)
"""

import itertools
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import models


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9 (depression)"
    GAD7 = "gad7", "GAD-7 (anxiety)"
    AUDIT_C = "audit_c", "AUDIT-C (alcohol)"
    BAM = "bam", "BAM (Brief Addiction Monitor)"
    PCL5 = "pcl5", "PCL-5 (PTSD)"
    PACS = "pacs", "PACS (alcohol craving)"
    CRAFFT = "crafft", "CRAFFT 2.1 (adolescent substance use)"


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
    options: Options = ()
    # As the instrument prints it ("7A", "C"); `numbered` fills in the position otherwise.
    number: str = ""
    # A count (days) rather than a choice: any whole number from 0 to `most`.
    most: int | None = None
    # Printed above the item: the question a group of sub-items answers.
    heading: str = ""

    @property
    def values(self) -> set[int]:
        if self.most is not None:
            return set(range(self.most + 1))
        return {value for value, _ in self.options}

    def refusal(self, answer: object) -> str:
        """Why this answer does not fit the item ("" when it does)."""
        if isinstance(answer, bool) or not isinstance(answer, int) or answer not in self.values:
            if self.most is not None:
                return f"Item {self.number}: give a whole number of days from 0 to {self.most}."
            allowed = ", ".join(str(v) for v in sorted(self.values))
            return f"Item {self.number}: answer with one of {allowed}."
        return ""


def numbered(*items: Item) -> tuple[Item, ...]:
    """Number the items that the instrument does not label itself: 1, 2, … with a labelled
    sub-item such as "7A" standing for its item (so the BAM's next item after 7G is 8)."""
    result, position = [], 0
    for item in items:
        if item.number:
            digits = "".join(itertools.takewhile(str.isdigit, item.number))
            position = int(digits) if digits else position
            result.append(item)
        else:
            position += 1
            result.append(replace(item, number=str(position)))
    return tuple(result)


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    stem: str
    items: tuple[Item, ...]
    # (lowest score of the band, band name), ascending; empty for the BAM and the PACS.
    bands: tuple[tuple[int, str], ...] = ()
    maximum: int = 0
    source: str = ""
    # Asked after the scored items, optional and never in the total (PHQ-9 item 10).
    unscored: Item | None = None
    guidance: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", numbered(*self.items))

    def item(self, number: str) -> Item:
        return next(item for item in self.items if item.number == number)


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
    source="Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606–613)",
    unscored=Item(
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?",
        (
            (0, "Not difficult at all"),
            (1, "Somewhat difficult"),
            (2, "Very difficult"),
            (3, "Extremely difficult"),
        ),
        number="10",
    ),
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
    source="Spitzer, Kroenke, Williams & Löwe 2006 (Arch Intern Med 166:1092–1097)",
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
    source="Bush et al. 1998 (Arch Intern Med 158:1789–1795)",
)

# The BAM's item 7 sub-questions, as the BAM form lists them (Cacciola et al. 2013).
BAM_ITEM7 = (
    ("A", "Marijuana (cannabis, pot, weed)"),
    ("B", "Sedatives or tranquilizers (e.g. “benzos”, Valium, Xanax, Ativan, Ambien, “barbs”)"),
    ("C", "Cocaine or crack"),
    ("D", "Other stimulants (e.g. amphetamine, methamphetamine, Dexedrine, Ritalin, Adderall)"),
    ("E", "Opiates (e.g. heroin, morphine, Dilaudid, OxyContin, Percocet, Vicodin, fentanyl)"),
    ("F", "Inhalants (glues, adhesives, nail polish remover, paint thinner, etc.)"),
    (
        "G",
        (
            "Other drugs (steroids, non-prescription sleep or diet pills, Benadryl, ephedra, "
            "other over-the-counter or unknown medications)"
        ),
    ),
)

BAM = Spec(
    code=Instrument.BAM,
    name="BAM",
    stem="About the past 30 days unless the question says otherwise.",
    source="Cacciola et al. 2013 (J Subst Abuse Treat 44:256–263); VA CESATE BAM manual, 2014",
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
        *(
            Item(
                f"{drug}",
                DAYS_30,
                number=f"7{letter}",
                heading=(
                    "7. In the past 30 days, how many days did you use any of the following "
                    "drugs? (details item 6; in no subscale)"
                    if letter == "A"
                    else ""
                ),
            )
            for letter, drug in BAM_ITEM7
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

PCL5_OPTIONS: Options = (
    (0, "Not at all"),
    (1, "A little bit"),
    (2, "Moderately"),
    (3, "Quite a bit"),
    (4, "Extremely"),
)
# The provisional PTSD cutoff range (NCPTSD, "Using the PCL-5"): a total of 31–33.
PCL5_CUTOFF = (31, 33)

PCL5 = Spec(
    code=Instrument.PCL5,
    name="PCL-5",
    stem=(
        "Below is a list of problems that people sometimes have in response to a very stressful "
        "experience. In the past month, how much were you bothered by:"
    ),
    items=tuple(
        Item(text, PCL5_OPTIONS)
        for text in (
            "Repeated, disturbing, and unwanted memories of the stressful experience?",
            "Repeated, disturbing dreams of the stressful experience?",
            (
                "Suddenly feeling or acting as if the stressful experience were actually "
                "happening again (as if you were actually back there reliving it)?"
            ),
            "Feeling very upset when something reminded you of the stressful experience?",
            (
                "Having strong physical reactions when something reminded you of the stressful "
                "experience (for example, heart pounding, trouble breathing, sweating)?"
            ),
            "Avoiding memories, thoughts, or feelings related to the stressful experience?",
            (
                "Avoiding external reminders of the stressful experience (for example, people, "
                "places, conversations, activities, objects, or situations)?"
            ),
            "Trouble remembering important parts of the stressful experience?",
            (
                "Having strong negative beliefs about yourself, other people, or the world (for "
                "example, having thoughts such as: I am bad, there is something seriously wrong "
                "with me, no one can be trusted, the world is completely dangerous)?"
            ),
            (
                "Blaming yourself or someone else for the stressful experience or what happened "
                "after it?"
            ),
            "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
            "Loss of interest in activities that you used to enjoy?",
            "Feeling distant or cut off from other people?",
            (
                "Trouble experiencing positive feelings (for example, being unable to feel "
                "happiness or have loving feelings for people close to you)?"
            ),
            "Irritable behavior, angry outbursts, or acting aggressively?",
            "Taking too many risks or doing things that could cause you harm?",
            "Being “superalert” or watchful or on guard?",
            "Feeling jumpy or easily startled?",
            "Having difficulty concentrating?",
            "Trouble falling or staying asleep?",
        )
    ),
    bands=(
        (0, "Below cutoff"),
        (PCL5_CUTOFF[0], "Cutoff range"),
        (PCL5_CUTOFF[1] + 1, "Above cutoff"),
    ),
    maximum=80,
    source="Weathers et al. 2013, National Center for PTSD (PTSD Checklist for DSM-5)",
    guidance=(
        "A total of 31–33 is the provisional cutoff for probable PTSD (National Center for "
        "PTSD). A screen at or above it calls for a clinical assessment; it is not a diagnosis."
    ),
)
# DSM-5 symptom clusters by PCL-5 item number (NCPTSD scoring instructions).
PCL5_CLUSTERS: dict[str, tuple[int, ...]] = {
    "B": tuple(range(1, 6)),  # intrusion
    "C": (6, 7),  # avoidance
    "D": tuple(range(8, 15)),  # negative alterations in cognition and mood
    "E": tuple(range(15, 21)),  # alterations in arousal and reactivity
}
PCL5_CLUSTER_NAMES = {
    "B": "Intrusion",
    "C": "Avoidance",
    "D": "Cognition and mood",
    "E": "Arousal and reactivity",
}

PACS = Spec(
    code=Instrument.PACS,
    name="PACS",
    stem="About your craving during the past week.",
    items=(
        Item(
            "During the past week, how often have you thought about drinking or about how good "
            "a drink would make you feel?",
            (
                (0, "Never (0 times during the past week)"),
                (1, "Rarely (1 to 2 times during the past week)"),
                (2, "Occasionally (3 to 4 times during the past week)"),
                (3, "Sometimes (5 to 10 times during the past week, or 1 to 2 times a day)"),
                (4, "Often (11 to 20 times during the past week, or 2 to 3 times a day)"),
                (
                    5,
                    "Most of the time (20 to 40 times during the past week, or 3 to 6 times a day)",
                ),
                (
                    6,
                    (
                        "Nearly all the time (more than 40 times during the "
                        "past week, or more than 6 times a day)"
                    ),
                ),
            ),
        ),
        Item(
            "At its most severe point, how strong was your craving during the past week?",
            (
                (0, "None at all"),
                (1, "Slight, that is, a very mild urge"),
                (2, "Mild urge"),
                (3, "Moderate urge"),
                (4, "Strong urge, but easily controlled"),
                (5, "Strong urge and difficult to control"),
                (6, "Strong urge and would have drunk alcohol if it were available"),
            ),
        ),
        Item(
            "During the past week, how much time have you spent thinking about drinking or about "
            "how good a drink would make you feel?",
            (
                (0, "None at all"),
                (1, "Less than 20 minutes"),
                (2, "21 to 45 minutes"),
                (3, "46 to 90 minutes"),
                (4, "90 minutes to 3 hours"),
                (5, "Between 3 and 6 hours"),
                (6, "More than 6 hours"),
            ),
        ),
        Item(
            "During the past week, how difficult would it have been to resist taking a drink if "
            "you had known a bottle was in your house?",
            (
                (0, "Not difficult at all"),
                (1, "Very mildly difficult"),
                (2, "Mildly difficult"),
                (3, "Moderately difficult"),
                (4, "Very difficult"),
                (5, "Extremely difficult"),
                (6, "Would not be able to resist"),
            ),
        ),
        Item(
            "Keeping in mind your responses to the previous questions, please rate your overall "
            "average alcohol craving for the past week.",
            (
                (0, "Never thought about drinking and never had the urge to drink"),
                (1, "Rarely thought about drinking and rarely had the urge to drink"),
                (2, "Occasionally thought about drinking and occasionally had the urge to drink"),
                (3, "Sometimes thought about drinking and sometimes had the urge to drink"),
                (4, "Often thought about drinking and often had the urge to drink"),
                (
                    5,
                    (
                        "Thought about drinking most of the time and had "
                        "the urge to drink most of the time"
                    ),
                ),
                (
                    6,
                    (
                        "Thought about drinking nearly all of the time and had "
                        "the urge to drink nearly all of the time"
                    ),
                ),
            ),
        ),
    ),
    maximum=30,
    source="Flannery, Volpicelli & Pettinati 1999 (Alcohol Clin Exp Res 23:1289–1295)",
    guidance="Higher is more craving (0–30). The PACS has no validated severity bands.",
)

YES_NO: Options = ((0, "No"), (1, "Yes"))
# Part A counts days in the past 12 months: up to 366 when the year includes a February 29.
CRAFFT_DAYS = 366
CRAFFT_PART_A = ("A1", "A2", "A3")
CRAFFT_PART_B = ("C", "R", "A", "F (forget)", "F (family)", "T")
CRAFFT_HIGH_RISK = 2

CRAFFT = Spec(
    code=Instrument.CRAFFT,
    name="CRAFFT 2.1",
    stem=(
        "For ages 12–21. Part A first; if all three are 0, ask only the CAR question. If any is "
        "1 or more, ask all six Part B questions."
    ),
    items=(
        Item(
            "Drink more than a few sips of beer, wine, or any drink containing alcohol?",
            most=CRAFFT_DAYS,
            number="A1",
            heading="Part A. During the PAST 12 MONTHS, on how many days did you:",
        ),
        Item(
            "Use any marijuana (cannabis, weed, oil, wax, or hash by smoking, vaping, dabbing, "
            "or in edibles) or “synthetic marijuana” (like “K2,” “Spice”)?",
            most=CRAFFT_DAYS,
            number="A2",
        ),
        Item(
            "Use anything else to get high (like other illegal drugs, pills, prescription or "
            "over-the-counter medications, and things that you sniff, huff, vape, or inject)?",
            most=CRAFFT_DAYS,
            number="A3",
        ),
        Item(
            "Have you ever ridden in a CAR driven by someone (including yourself) who was "
            "“high” or had been using alcohol or drugs?",
            YES_NO,
            number="C",
            heading="Part B. The CRAFFT questions (only CAR when Part A is all 0):",
        ),
        Item(
            "Do you ever use alcohol or drugs to RELAX, feel better about yourself, or fit in?",
            YES_NO,
            number="R",
        ),
        Item(
            "Do you ever use alcohol or drugs while you are by yourself, or ALONE?",
            YES_NO,
            number="A",
        ),
        Item(
            "Do you ever FORGET things you did while using alcohol or drugs?",
            YES_NO,
            number="F (forget)",
        ),
        Item(
            "Do your FAMILY or FRIENDS ever tell you that you should cut down on your drinking or "
            "drug use?",
            YES_NO,
            number="F (family)",
        ),
        Item(
            "Have you ever gotten into TROUBLE while you were using alcohol or drugs?",
            YES_NO,
            number="T",
        ),
    ),
    bands=((0, "Lower risk"), (CRAFFT_HIGH_RISK, "High risk")),
    maximum=6,
    source=(
        "CRAFFT 2.1, Center for Adolescent Behavioral Health Research, Boston Children's "
        "Hospital (crafft.org)"
    ),
    guidance=(
        "Score = the number of yes answers in Part B; 2 or more is high risk. A yes to CAR "
        "calls for counselling about riding with an impaired driver, whatever the score."
    ),
)
CRAFFT_AGES = (12, 21)  # the ages the CRAFFT is validated for (crafft.org)

SPECS: dict[str, Spec] = {
    spec.code: spec for spec in (PHQ9, GAD7, AUDIT_C, BAM, PCL5, PACS, CRAFFT)
}

# Item numbers, as the BAM manual and DOMAIN.md give them.
BAM_USE = ("4", "5", "6")
BAM_RISK = ("1", "2", "3", "8", "11", "15")
BAM_PROTECTIVE = ("9", "10", "12", "13", "14", "16")
BAM_ITEM7_NUMBERS = tuple(f"7{letter}" for letter, _drug in BAM_ITEM7)
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
    if not spec.bands:
        return ""
    name = spec.bands[0][1]
    for lowest, band in spec.bands:
        if total >= lowest:
            name = band
    return name


def _items_answered(spec: Spec, answers: list[int] | tuple[int, ...]) -> tuple[Item, ...]:
    """The items these answers stand for: all of them, except a CRAFFT with no days in
    Part A, where only the CAR question is asked (so four answers, not nine)."""
    if spec.code == Instrument.CRAFFT:
        part_a = list(answers[: len(CRAFFT_PART_A)])
        # Decide only on a well-formed Part A; a bad day count is reported item by item.
        if len(part_a) == len(CRAFFT_PART_A) and not any(
            item.refusal(a) for item, a in zip(spec.items, part_a, strict=False)
        ):
            no_use = not any(part_a)
            if no_use and len(answers) != 4:
                raise ValidationError(
                    {"answers": "Part A has 0 days for all three: only the CAR question is "
                     "asked (give 4 answers: A1, A2, A3, C)."}
                )  # fmt: skip
            if not no_use and len(answers) == 4:
                raise ValidationError(
                    {"answers": "Part A has days of use: ask all six Part B questions (give 9 "
                     "answers: A1, A2, A3, C, R, A, F, F, T)."}
                )  # fmt: skip
        if len(answers) == 4:
            return spec.items[:4]
    return spec.items


def validate_answers(code: str, answers: list[int] | tuple[int, ...]) -> list[int]:
    """Every item answered with one of its options, or a ValidationError on `answers` that
    says which item is wrong."""
    if code not in SPECS:
        raise ValidationError({"instrument": f"Unknown instrument “{code}”."})
    spec = SPECS[code]
    if not isinstance(answers, list | tuple):
        raise ValidationError({"answers": "Give the answers as a list, one per item."})
    items = _items_answered(spec, answers)
    if len(answers) != len(items):
        raise ValidationError(
            {"answers": f"{spec.name} has {len(items)} items; {len(answers)} answered."}
        )
    problems = [
        problem
        for item, answer in zip(items, answers, strict=True)
        if (problem := item.refusal(answer))
    ]
    if problems:
        raise ValidationError({"answers": problems})
    return list(answers)


def validate_unscored(code: str, answer: int | None) -> int | None:
    """The optional unscored item (PHQ-9 item 10): absent, or one of its options."""
    if answer is None:
        return None
    spec = SPECS[code]
    if spec.unscored is None:
        raise ValidationError(
            {"functional_difficulty": f"{spec.name} has no functional-difficulty item."}
        )
    if problem := spec.unscored.refusal(answer):
        raise ValidationError({"functional_difficulty": problem})
    return answer


def by_number(code: str, answers: list[int]) -> dict[str, int]:
    return {item.number: a for item, a in zip(SPECS[code].items, answers, strict=False)}


def _bam_score(answers: list[int]) -> Score:
    given = by_number(Instrument.BAM, answers)
    drug_days = [given[n] for n in BAM_ITEM7_NUMBERS]
    # Item 7 details item 6 on the same 0–4 day scale: no drug can have more days than any
    # drug, none without item 6, and some drug when item 6 has days.
    if given["6"] == 0 and any(drug_days):
        raise ValidationError(
            {"answers": "Item 7: no drug days in item 6, so 7A–7G must all be 0 days."}
        )
    if given["6"] > 0 and not any(drug_days):
        raise ValidationError(
            {"answers": "Item 7: item 6 has drug days, so at least one of 7A–7G has days."}
        )
    over = [n for n in BAM_ITEM7_NUMBERS if given[n] > given["6"]]
    if over:
        raise ValidationError(
            {"answers": f"Item {', '.join(over)} details item 6: it cannot be more days."}
        )

    def subscale(numbers: tuple[str, ...]) -> int:
        return sum(given[n] for n in numbers)

    return Score(
        total=None,
        band="",
        subscales={
            "use": subscale(BAM_USE),
            "risk": subscale(BAM_RISK),
            "protective": subscale(BAM_PROTECTIVE),
        },
    )


def subscores(code: str, answers: list[int]) -> dict[str, int]:
    """PCL-5 DSM-5 cluster severities (B, C, D, E); empty for the other instruments (the BAM's
    subscales are kept on the row)."""
    if code != Instrument.PCL5 or len(answers) != len(PCL5.items):
        return {}
    return {
        cluster: sum(answers[n - 1] for n in numbers) for cluster, numbers in PCL5_CLUSTERS.items()
    }


def score(code: str, answers: list[int] | tuple[int, ...], *, sex: str = "") -> Score:
    answers = validate_answers(code, answers)
    spec = SPECS[code]
    if code == Instrument.BAM:
        return _bam_score(answers)
    if code == Instrument.CRAFFT:
        total = sum(answers[3:])  # Part B only: Part A counts days and is not scored
        return Score(total=total, band=band_for(spec, total))
    total = sum(answers)
    if code == Instrument.AUDIT_C:
        if sex not in AUDIT_C_CUTOFF:
            raise ValidationError({"sex": "Choose female, male or not stated (AUDIT-C cutoff)."})
        return Score(total=total, band="Positive" if total >= AUDIT_C_CUTOFF[sex] else "Negative")
    return Score(
        total=total,
        band=band_for(spec, total),
        subscales=subscores(code, answers),
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
