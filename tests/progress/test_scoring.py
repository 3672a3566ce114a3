"""Scoring against hand-worked cases at every band boundary, expected vs unexpected positives,
and reproducible random selection. Pure functions: no database."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from progress.instruments import SPECS, score
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


def test_bam_has_three_subscales_and_no_total() -> None:
    #         item: 1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17
    answers = [2, 3, 1, 2, 1, 3, 2, 4, 1, 0, 2, 3, 4, 4, 1, 2, 3]
    result = score("bam", answers)
    assert result.total is None
    # Use 4+5+6 = 2+1+3; Risk 1,2,3,8,11,15 = 2+3+1+4+2+1; Protective 9,10,12,13,14,16 = 1+0+3+4+4+2
    assert result.subscales == {"use": 6, "risk": 13, "protective": 14}


def test_bam_items_outside_subscales_do_not_count() -> None:
    base = [0] * 17
    only_17 = [*base[:16], 4]
    assert score("bam", only_17).subscales == {"use": 0, "risk": 0, "protective": 0}


@pytest.mark.parametrize(
    ("code", "answers", "message"),
    [
        ("phq9", [0] * 8, "9 items; 8 answered"),
        ("phq9", [0] * 8 + [4], "Item 9"),
        ("gad7", [0, 0, 0, -1, 0, 0, 0], "Item 4"),
        ("gad7", [0, 0, 0, None, 0, 0, 0], "Item 4"),
        ("gad7", [True, 0, 0, 0, 0, 0, 0], "Item 1"),
        ("audit_c", [0, 0, 5], "Item 3"),
        ("bam", [0] * 13 + [2] + [0] * 3, "Item 14"),  # income: No (0) or Yes (4) only
        ("bam", [0] * 5 + [1, 2] + [0] * 10, "Item 7"),  # item 7 details item 6
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
    assert counts == {"phq9": 9, "gad7": 7, "audit_c": 3, "bam": 17}
    assert all(item.text and item.options for spec in SPECS.values() for item in spec.items)


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
