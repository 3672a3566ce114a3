"""Scoring against hand-worked cases at every band boundary, expected vs unexpected positives,
and reproducible random selection (specimen validity: test_validity.py). Pure functions: no
database.

Instrument sources (each also cited in progress/instruments.py):
- PHQ-9 and its item 10: Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606–613.
- BAM: Cacciola et al. 2013, J Subst Abuse Treat 44:256–263, and the VA CESATE BAM manual
  (2014): item 7 is 7A–7G, elaborates item 6 and is in no subscale.
- PCL-5: Weathers et al. 2013, National Center for PTSD; clusters B 1–5, C 6–7, D 8–14,
  E 15–20; provisional cutoff 31–33 ("Using the PCL-5", NCPTSD).
- PACS: Flannery, Volpicelli & Pettinati 1999, Alcohol Clin Exp Res 23:1289–1295.
- CRAFFT 2.1: Center for Adolescent Behavioral Health Research, Boston Children's Hospital
  (crafft.org); Knight et al. 2002. Score = yes answers in Part B, ≥ 2 high risk.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from progress.instruments import SPECS, score, subscores, validate_unscored
from progress.services import select_patients
from progress.validity import DEFAULT_EXPECTATIONS, explaining_medication

# (answers, total, band) — each total worked by hand from the answers.
PHQ9_CASES = [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "Minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "Minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "Mild"),
    ([1, 1, 1, 1, 1, 1, 1, 1, 1], 9, "Mild"),
    ([2, 1, 1, 1, 1, 1, 1, 1, 1], 10, "Moderate"),
    ([2, 2, 2, 2, 2, 1, 1, 1, 1], 14, "Moderate"),
    ([2, 2, 2, 2, 2, 2, 1, 1, 1], 15, "Moderately severe"),
    ([3, 3, 3, 2, 2, 2, 2, 1, 1], 19, "Moderately severe"),
    ([3, 3, 3, 3, 2, 2, 2, 1, 1], 20, "Severe"),
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "Severe"),
]
GAD7_CASES = [
    ([0, 0, 0, 0, 0, 0, 0], 0, "Minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "Minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "Mild"),
    ([2, 2, 2, 1, 1, 1, 0], 9, "Mild"),
    ([2, 2, 2, 1, 1, 1, 1], 10, "Moderate"),
    ([2, 2, 2, 2, 2, 2, 2], 14, "Moderate"),
    ([3, 2, 2, 2, 2, 2, 2], 15, "Severe"),
    ([3, 3, 3, 3, 3, 3, 3], 21, "Severe"),
]
# AUDIT-C: positive at ≥ 4 for men, ≥ 3 for women (and when sex is not stated).
AUDIT_C_CASES = [
    ([0, 0, 0], "male", 0, "Negative"),
    ([1, 1, 0], "female", 2, "Negative"),
    ([1, 1, 1], "female", 3, "Positive"),
    ([1, 1, 1], "male", 3, "Negative"),
    ([2, 1, 0], "not_stated", 3, "Positive"),
    ([2, 1, 1], "male", 4, "Positive"),
    ([4, 4, 4], "male", 12, "Positive"),
]


@pytest.mark.parametrize(("answers", "total", "band"), PHQ9_CASES)
def test_phq9_totals_and_bands(answers: list[int], total: int, band: str) -> None:
    result = score("phq9", answers)
    assert (result.total, result.band) == (total, band)
    assert result.safety_concern == (answers[8] > 0)


def test_phq9_item9_alone_is_a_safety_concern_even_when_minimal() -> None:
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.total, result.band, result.safety_concern) == (1, "Minimal", True)


@pytest.mark.parametrize(("answers", "total", "band"), GAD7_CASES)
def test_gad7_totals_and_bands(answers: list[int], total: int, band: str) -> None:
    result = score("gad7", answers)
    assert (result.total, result.band, result.safety_concern) == (total, band, False)


@pytest.mark.parametrize(("answers", "sex", "total", "band"), AUDIT_C_CASES)
def test_audit_c_sex_specific_cutoffs(answers: list[int], sex: str, total: int, band: str) -> None:
    result = score("audit_c", answers, sex=sex)
    assert (result.total, result.band) == (total, band)


def test_audit_c_needs_the_sex_for_its_cutoff() -> None:
    with pytest.raises(ValidationError) as caught:
        score("audit_c", [1, 1, 1])
    assert "sex" in caught.value.message_dict


def bam(items: list[int], item7: list[int]) -> list[int]:
    """The 17 BAM items as numbered, with item 7 given as its seven sub-questions 7A–7G."""
    assert len(items) == 17
    assert len(item7) == 7
    return [*items[:6], *item7, *items[7:]]


def test_bam_has_three_subscales_and_no_total() -> None:
    #               item: 1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17
    answers = bam([2, 3, 1, 2, 1, 3, 0, 4, 1, 0, 2, 3, 4, 4, 1, 2, 3], [3, 0, 1, 0, 0, 0, 0])
    result = score("bam", answers)
    assert result.total is None
    # Use 4+5+6 = 2+1+3; Risk 1,2,3,8,11,15 = 2+3+1+4+2+1; Protective 9,10,12,13,14,16 = 1+0+3+4+4+2
    assert result.subscales == {"use": 6, "risk": 13, "protective": 14}


def test_bam_items_outside_subscales_do_not_count() -> None:
    only_17 = bam([0] * 16 + [4], [0] * 7)
    assert score("bam", only_17).subscales == {"use": 0, "risk": 0, "protective": 0}


def test_bam_item7_sub_questions_are_numbered_7a_to_7g_and_in_no_subscale() -> None:
    numbers = [item.number for item in SPECS["bam"].items]
    assert numbers == ["1", "2", "3", "4", "5", "6", "7A", "7B", "7C", "7D", "7E", "7F", "7G",
                       *(str(n) for n in range(8, 18))]  # fmt: skip
    assert "Marijuana" in SPECS["bam"].items[6].text
    assert "Opiates" in SPECS["bam"].items[10].text
    # Item 6 = 4 (16–30 days); the seven classes moved from one to several: same subscales.
    items = [0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    one = score("bam", bam(items, [4, 0, 0, 0, 0, 0, 0])).subscales
    many = score("bam", bam(items, [4, 4, 3, 2, 1, 1, 4])).subscales
    assert one == many == {"use": 4, "risk": 0, "protective": 0}


@pytest.mark.parametrize(
    ("item6", "item7", "message"),
    [
        (0, [0, 1, 0, 0, 0, 0, 0], "7A–7G must all be 0"),  # no drug days, yet sedatives
        (2, [0, 0, 0, 0, 0, 0, 0], "at least one of 7A–7G"),  # drug days, no drug named
        (2, [2, 0, 3, 0, 0, 0, 0], "Item 7C details item 6"),  # cocaine more days than any drug
        (1, [0, 0, 0, 0, 2, 0, 2], "Item 7E, 7G details item 6"),
    ],
)
def test_bam_item7_must_agree_with_item6(item6: int, item7: list[int], message: str) -> None:
    items = [0, 0, 0, 0, 0, item6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    with pytest.raises(ValidationError) as caught:
        score("bam", bam(items, item7))
    assert message in str(caught.value.message_dict["answers"])


@pytest.mark.parametrize(
    "item7", [[2, 0, 0, 0, 0, 0, 0], [2, 2, 2, 2, 2, 2, 2], [1, 0, 0, 0, 2, 0, 0]]
)
def test_bam_item7_at_most_item6_days_is_accepted(item7: list[int]) -> None:
    items = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert score("bam", bam(items, item7)).subscales["use"] == 2


# --- PHQ-9 item 10: collected, optional, never in the total ----------------------------------


@pytest.mark.parametrize("difficulty", [None, 0, 1, 2, 3])
def test_phq9_item10_is_optional_and_takes_its_four_answers(difficulty: int | None) -> None:
    assert validate_unscored("phq9", difficulty) == difficulty
    # The total comes from items 1–9 alone: nothing about item 10 reaches score().
    assert score("phq9", [1] * 9).total == 9
    item10 = SPECS["phq9"].unscored
    assert item10 is not None
    assert item10.number == "10"
    assert [label for _v, label in item10.options] == [
        "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult",
    ]  # fmt: skip


@pytest.mark.parametrize(("code", "difficulty"), [("phq9", 4), ("phq9", -1), ("phq9", True),
                                                  ("gad7", 0), ("pcl5", 1)])  # fmt: skip
def test_item10_out_of_range_or_on_another_instrument_is_refused(
    code: str, difficulty: int
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_unscored(code, difficulty)
    assert "functional_difficulty" in caught.value.message_dict


# --- PCL-5 -----------------------------------------------------------------------------------

# The provisional cutoff is 31–33: 30 is below, 31 and 33 inside, 34 above.
PCL5_CASES = [
    ([0] * 20, 0, "Below cutoff"),
    ([2] * 15 + [0] * 5, 30, "Below cutoff"),
    ([2] * 15 + [1] + [0] * 4, 31, "Cutoff range"),
    ([2] * 15 + [1, 1, 1] + [0] * 2, 33, "Cutoff range"),
    ([2] * 15 + [1, 1, 1, 1] + [0], 34, "Above cutoff"),
    ([4] * 20, 80, "Above cutoff"),
]


@pytest.mark.parametrize(("answers", "total", "band"), PCL5_CASES)
def test_pcl5_totals_and_the_provisional_cutoff(answers: list[int], total: int, band: str) -> None:
    result = score("pcl5", answers)
    assert (result.total, result.band, result.safety_concern) == (total, band, False)


def test_pcl5_dsm5_cluster_scores() -> None:
    #          B: items 1–5    C: 6–7  D: items 8–14          E: items 15–20
    answers = [1, 2, 3, 4, 0, 2, 1, 0, 1, 2, 3, 4, 0, 1, 4, 3, 2, 1, 0, 1]
    result = score("pcl5", answers)
    # B 1+2+3+4+0 = 10; C 2+1 = 3; D 0+1+2+3+4+0+1 = 11; E 4+3+2+1+0+1 = 11; total 35
    assert result.subscales == {"B": 10, "C": 3, "D": 11, "E": 11}
    assert (result.total, result.band) == (35, "Above cutoff")
    assert subscores("pcl5", answers) == result.subscales
    assert subscores("phq9", [0] * 9) == {}


def test_pcl5_items_follow_the_dsm5_clusters() -> None:
    items = SPECS["pcl5"].items
    assert len(items) == 20
    assert items[0].text.startswith("Repeated, disturbing, and unwanted memories")
    assert items[5].text.startswith("Avoiding memories, thoughts, or feelings")  # C starts
    assert items[7].text.startswith("Trouble remembering important parts")  # D starts
    assert items[14].text.startswith("Irritable behavior")  # E starts
    assert items[19].text == "Trouble falling or staying asleep?"


# --- PACS (craving) ----------------------------------------------------------------------------

PACS_CASES = [([0] * 5, 0), ([1, 2, 3, 4, 5], 15), ([6, 6, 6, 6, 5], 29), ([6] * 5, 30)]


@pytest.mark.parametrize(("answers", "total"), PACS_CASES)
def test_pacs_totals_0_to_30_without_bands(answers: list[int], total: int) -> None:
    result = score("pacs", answers)
    assert (result.total, result.band) == (total, "")


# --- CRAFFT 2.1 --------------------------------------------------------------------------------

# (answers, score, band): Part A days (A1 alcohol, A2 marijuana, A3 other), then Part B yes = 1.
CRAFFT_CASES = [
    ([0, 0, 0, 0], 0, "Lower risk"),  # no use: CAR only, no
    ([0, 0, 0, 1], 1, "Lower risk"),  # no use: CAR only, yes (riding risk, still lower risk)
    ([1, 0, 0, 0, 0, 0, 0, 0, 0], 0, "Lower risk"),
    ([0, 0, 1, 0, 1, 0, 0, 0, 0], 1, "Lower risk"),
    ([0, 12, 0, 1, 1, 0, 0, 0, 0], 2, "High risk"),  # 2 is the threshold
    ([366, 0, 0, 0, 0, 0, 0, 0, 0], 0, "Lower risk"),  # days are not scored
    ([5, 10, 2, 1, 1, 1, 1, 1, 1], 6, "High risk"),
]


@pytest.mark.parametrize(("answers", "total", "band"), CRAFFT_CASES)
def test_crafft_counts_yes_answers_with_2_or_more_high_risk(
    answers: list[int], total: int, band: str
) -> None:
    result = score("crafft", answers)
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], "only the CAR question is asked"),
        ([0, 1, 0, 0], "ask all six Part B questions"),
        ([367, 0, 0, 0, 0, 0, 0, 0, 0], "Item A1: give a whole number of days from 0 to 366"),
        ([0, -1, 0, 0], "Item A2"),
        ([1, 0, 0, 0, 2, 0, 0, 0, 0], "Item R: answer with one of 0, 1"),
        ([0, 0, 0], "give 4 answers"),
        ([0, 0], "9 items; 2 answered"),
    ],
)
def test_crafft_part_a_decides_what_is_asked(answers: list[int], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        score("crafft", answers)
    assert message in str(caught.value.message_dict["answers"])


@pytest.mark.parametrize(
    ("code", "answers", "message"),
    [
        ("phq9", [0] * 8, "9 items; 8 answered"),
        ("phq9", [0] * 8 + [4], "Item 9"),
        ("gad7", [0, 0, 0, -1, 0, 0, 0], "Item 4"),
        ("gad7", [0, 0, 0, None, 0, 0, 0], "Item 4"),
        ("gad7", [True, 0, 0, 0, 0, 0, 0], "Item 1"),
        ("audit_c", [0, 0, 5], "Item 3"),
        ("bam", [0] * 19 + [2] + [0] * 3, "Item 14"),  # income: No (0) or Yes (4) only
        ("bam", [0] * 5 + [1, 2] + [0] * 16, "Item 7A"),  # item 7 details item 6
        ("bam", [0] * 17, "23 items; 17 answered"),  # item 7 as one answer no longer fits
    ],
)
def test_bad_answers_are_refused_with_the_item_named(
    code: str, answers: list[object], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        score(code, answers, sex="male")  # type: ignore[arg-type]
    assert message in str(caught.value.message_dict["answers"])


def test_every_item_has_text_and_options() -> None:
    counts = {code: len(spec.items) for code, spec in SPECS.items()}
    assert counts == {
        "phq9": 9, "gad7": 7, "audit_c": 3, "bam": 23, "pcl5": 20, "pacs": 5, "crafft": 9,
    }  # fmt: skip
    assert all(
        item.text and item.number and (item.options or item.most)
        for spec in SPECS.values()
        for item in spec.items
    )
    assert all(spec.source for spec in SPECS.values())


# Specimen validity: tests/progress/test_validity.py (HHS 2017 criteria, every boundary).


# --- Expected vs unexpected ----------------------------------------------------------------------


@dataclass
class Rx:
    name: str
    started_on: datetime.date | None = None
    stopped_on: datetime.date | None = None


@dataclass
class Expectation:
    parent: str
    metabolite: str
    match_words: list[str]


DAY = datetime.date(2026, 3, 10)
# The seeded medication-assisted treatment rows (progress.validity.DEFAULT_EXPECTATIONS).
SEEDED = [Expectation(p, m, list(words)) for _name, words, p, m in DEFAULT_EXPECTATIONS]


@pytest.mark.parametrize(
    ("substance", "medications", "expected"),
    [
        ("bup", [Rx("buprenorphine/naloxone")], True),
        ("bup", [Rx("Suboxone")], True),
        ("bup", [Rx("naltrexone")], False),
        ("bup", [], False),
        ("mtd", [Rx("methadone", started_on=DAY + datetime.timedelta(days=1))], False),
        ("bzo", [Rx("clonazepam", stopped_on=DAY - datetime.timedelta(days=1))], False),
        ("bzo", [Rx("clonazepam", stopped_on=DAY)], True),
        ("amp", [Rx("Adderall XR")], True),
        ("coc", [Rx("buprenorphine")], False),  # nothing prescribed explains cocaine
        ("oxy", [Rx("buprenorphine")], False),  # buprenorphine does not explain oxycodone
        ("etg", [Rx("sertraline")], False),
        ("nbup", [Rx("Sublocade")], True),  # the metabolite is expected with the drug
        ("eddp", [Rx("methadone")], True),
        ("eddp", [Rx("buprenorphine")], False),
        ("nfen", [Rx("fentanyl patch")], True),
    ],
)
def test_expected_positive_needs_a_current_matching_prescription(
    substance: str, medications: list[Rx], expected: bool
) -> None:
    found = explaining_medication(substance, medications, DAY, SEEDED)
    assert (found is not None) == expected


def test_buprenorphine_is_explained_only_by_the_clinics_expectation_rows() -> None:
    """Data, not code: without the clinic's row, buprenorphine is not explained; a word the
    clinic adds to its row explains it."""
    assert explaining_medication("bup", [Rx("Suboxone")], DAY, []) is None
    brixadi = [Expectation("bup", "nbup", ["brixadi"])]
    assert explaining_medication("bup", [Rx("Brixadi weekly")], DAY, brixadi) is not None


# --- Random selection ----------------------------------------------------------------------------


def test_random_selection_is_reproducible_from_its_seed() -> None:
    candidates = list(range(100, 140))
    first = select_patients(seed="a1b2c3", candidates=candidates, percent=20)
    assert len(first) == 8
    assert set(first) <= set(candidates)
    assert select_patients(seed="a1b2c3", candidates=reversed(candidates), percent=20) == first
    others = {tuple(select_patients(seed=s, candidates=candidates, percent=20)) for s in "xyz"}
    assert any(pick != tuple(first) for pick in others)  # another seed, another pick


def test_random_selection_rounds_up_and_handles_nobody() -> None:
    assert len(select_patients(seed="s", candidates=[1, 2, 3], percent=20)) == 1
    assert select_patients(seed="s", candidates=[], percent=20) == []
    assert select_patients(seed="s", candidates=[5, 6], percent=100) == [5, 6]


# --- Measures due (clinic schedule) ----------------------------------------------------------


def test_measures_due_at_intake_then_on_the_clinic_schedule() -> None:
    from progress.models import ProgressSettings
    from progress.selectors import measures_due

    settings = ProgressSettings()  # defaults: PHQ-9/GAD-7 every 14 days, BAM 7, AUDIT-C intake
    admitted = datetime.date(2026, 3, 2)

    def due(latest: dict[str, datetime.date], today: datetime.date) -> set[str]:
        found = measures_due(settings=settings, admission=admitted, latest=latest, today=today)
        return {d.instrument for d in found}

    assert due({}, admitted) == {"phq9", "gad7", "bam", "audit_c"}
    done = dict.fromkeys(("phq9", "gad7", "bam", "audit_c"), admitted)
    assert due(done, admitted + datetime.timedelta(days=6)) == set()
    assert due(done, admitted + datetime.timedelta(days=7)) == {"bam"}
    assert due(done, admitted + datetime.timedelta(days=14)) == {"bam", "phq9", "gad7"}
    # A measure from before this admission does not count as the intake one.
    assert "phq9" in due({**done, "phq9": admitted - datetime.timedelta(days=1)}, admitted)
