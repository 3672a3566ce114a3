"""Specimen validity, the collection checks and medication-assisted treatment findings, as
the sources state them, with hand-worked cases at every boundary. Pure functions: no database.

Sources:
- Specimen validity: HHS Mandatory Guidelines for Federal Workplace Drug Testing Programs
  using Urine, 82 FR 7920 (2017-01-23, effective 2017-10-01), sections 3.8–3.9; DOT 49 CFR 40
  defers to them (DOMAIN.md's table). pH < 4 is adulterated since 2017 (it was < 3 in 2004).
- Temperature: 49 CFR 40.65(b) (32–38 °C / 90–100 °F within 4 minutes) and 40.67(b) (an
  immediate observed collection when out of range).
- Dilute with creatinine 2–5 mg/dL: 49 CFR 40.197(b)(1) (recollection under direct
  observation); a creatinine of 2–5 on a specimen that is not dilute calls for nothing.
- Medication-assisted treatment: DOMAIN.md (buprenorphine → norbuprenorphine, methadone →
  EDDP; a negative, or the parent drug without its metabolite, is the finding).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from progress.validity import (
    DEFAULT_EXPECTATIONS,
    HHS_2017,
    cutoff_display,
    final_outcomes,
    medication_concerns,
    recollection_reasons,
    temperature_in_range,
    validity_of,
)


def dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def validity(crea: object, sg: object, ph: object, nitrite: object = None, findings=()) -> str:  # type: ignore[no-untyped-def]
    return validity_of(
        creatinine=dec(crea), specific_gravity=dec(sg), ph=dec(ph), nitrite=dec(nitrite),
        findings=findings,
    ).result  # fmt: skip


# creatinine mg/dL, SG (four decimals), pH, nitrite µg/mL → result; each worked by hand.
BOUNDARIES = [
    ("80", "1.0150", "6.00", None, "normal"),
    # pH: adulterated < 4 | invalid 4–4.49 | normal 4.5–8.99 | invalid 9–10.99 | adulterated ≥ 11
    ("80", "1.0150", "3.00", None, "adulterated"),  # "invalid" under the 2004 rules
    ("80", "1.0150", "3.99", None, "adulterated"),
    ("80", "1.0150", "4.00", None, "invalid"),
    ("80", "1.0150", "4.49", None, "invalid"),
    ("80", "1.0150", "4.50", None, "normal"),
    ("80", "1.0150", "8.99", None, "normal"),
    ("80", "1.0150", "9.00", None, "invalid"),
    ("80", "1.0150", "10.99", None, "invalid"),
    ("80", "1.0150", "11.00", None, "adulterated"),
    # nitrite: normal < 200 | invalid 200–499.9 | adulterated ≥ 500 ("normal" under 2004)
    ("80", "1.0150", "6.00", "199", "normal"),
    ("80", "1.0150", "6.00", "199.9", "normal"),
    ("80", "1.0150", "6.00", "200", "invalid"),
    ("80", "1.0150", "6.00", "499", "invalid"),
    ("80", "1.0150", "6.00", "499.9", "invalid"),
    ("80", "1.0150", "6.00", "500", "adulterated"),
    # creatinine < 2: substituted at SG ≤ 1.0010 or ≥ 1.0200, invalid between
    ("1.99", "1.0000", "6.00", None, "substituted"),
    ("1.99", "1.0010", "6.00", None, "substituted"),
    ("1.99", "1.0011", "6.00", None, "invalid"),
    ("1.99", "1.0029", "6.00", None, "invalid"),
    ("1.99", "1.0199", "6.00", None, "invalid"),
    ("1.99", "1.0200", "6.00", None, "substituted"),
    ("0", "1.0250", "6.00", None, "substituted"),
    # creatinine ≥ 2 with SG ≤ 1.0010: invalid (at any creatinine from 2 up)
    ("2.00", "1.0010", "6.00", None, "invalid"),
    ("80", "1.0010", "6.00", None, "invalid"),
    ("80", "1.0011", "6.00", None, "normal"),
    # dilute: creatinine 2–19.99 and SG 1.0011–1.0029
    ("2.00", "1.0011", "6.00", None, "dilute"),
    ("19.99", "1.0029", "6.00", None, "dilute"),
    ("19.99", "1.0030", "6.00", None, "normal"),
    ("20.00", "1.0029", "6.00", None, "normal"),
    ("20.00", "1.0011", "6.00", None, "normal"),
    ("5.00", "1.0020", "6.00", None, "dilute"),
    # most serious first: adulterated > substituted > invalid > dilute
    ("1.50", "1.0010", "3.50", None, "adulterated"),
    ("1.50", "1.0010", "4.20", None, "substituted"),
    ("3.00", "1.0020", "10.00", None, "invalid"),
    ("3.00", "1.0020", "6.00", "250", "invalid"),
    # missing measurements: never "normal" on partial data
    ("80", None, "6.00", None, "incomplete"),
    ("80", "1.0150", None, None, "incomplete"),
    (None, None, "2.00", None, "adulterated"),
    (None, None, None, None, "not_tested"),
]


@pytest.mark.parametrize(("crea", "sg", "ph", "nitrite", "expected"), BOUNDARIES)
def test_validity_at_every_boundary(
    crea: str | None, sg: str | None, ph: str | None, nitrite: str | None, expected: str
) -> None:
    assert validity(crea, sg, ph, nitrite) == expected


def test_specific_gravity_is_compared_as_a_decimal_not_a_float() -> None:
    # 1.0010 and 1.001 are the same Decimal; a float input goes through its decimal text.
    assert validity("80", "1.001", "6") == "invalid"
    assert validity(80, 1.0011, 6) == "normal"
    assert validity("2", 1.0011, 6) == "dilute"


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        ("chromium_vi", "adulterated"),
        ("halogen", "adulterated"),
        ("glutaraldehyde", "adulterated"),
        ("pyridine", "adulterated"),
        ("surfactant", "adulterated"),
        ("exogenous", "adulterated"),
        ("oxidant", "invalid"),
        ("interference", "invalid"),
    ],
)
def test_laboratory_findings(finding: str, expected: str) -> None:
    assert validity("80", "1.0150", "6.00", findings=[finding]) == expected
    # An adulterant outranks a substituted specimen; a finding alone is a result.
    assert validity("1.5", "1.0005", "6", findings=["surfactant"]) == "adulterated"
    assert validity(None, None, None, findings=[finding]) == expected


def test_the_result_names_its_criteria_set_and_the_criterion_that_decided() -> None:
    found = validity_of(
        creatinine=Decimal(80), specific_gravity=Decimal("1.015"), ph=Decimal("3.5")
    )
    assert (found.result, found.criteria, found.basis) == ("adulterated", "hhs-2017", "pH below 4")
    assert "82 FR 7920" in HHS_2017.source
    assert "49 CFR 40" in HHS_2017.source
    normal = validity_of(creatinine=Decimal(80), specific_gravity=Decimal("1.015"), ph=Decimal(6))
    assert (normal.result, normal.criteria, normal.basis) == ("normal", "hhs-2017", "")
    dilute = validity_of(creatinine=Decimal(5), specific_gravity=Decimal("1.002"), ph=Decimal(6))
    assert dilute.basis.startswith("creatinine 2 mg/dL or above and below 20")


# --- At collection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("temperature", "unit", "expected"),
    [
        ("31.9", "C", False), ("32.0", "C", True), ("38.0", "C", True), ("38.1", "C", False),
        ("89.9", "F", False), ("90.0", "F", True), ("100.0", "F", True), ("100.1", "F", False),
        ("37.0", "F", False),  # the unit matters: 37 °F is not a body temperature
        ("95.0", "C", False),
        (None, "", None),  # not measured
    ],
)  # fmt: skip
def test_temperature_range_in_its_own_unit(
    temperature: str | None, unit: str, expected: bool | None
) -> None:
    assert temperature_in_range(dec(temperature), unit) is expected


def reasons(temperature: str | None, unit: str, crea: str, sg: str) -> list[str]:
    result = validity(crea, sg, "6")
    found = recollection_reasons(
        temperature=dec(temperature), unit=unit, validity=result, creatinine=dec(crea)
    )
    return [reason for reason, _words in found]


def test_observed_recollection_for_temperature_out_of_range() -> None:
    assert reasons("38.1", "C", "80", "1.0150") == ["temperature"]
    assert reasons("89.9", "F", "80", "1.0150") == ["temperature"]
    assert reasons("38.0", "C", "80", "1.0150") == []
    words = recollection_reasons(temperature=Decimal("100.4"), unit="F", validity="normal",
                                 creatinine=Decimal(80))[0][1]  # fmt: skip
    assert words.startswith("Temperature 100.4 °F is outside 90–100 °F")
    assert "49 CFR 40.65(b), 40.67(b)" in words


def test_observed_recollection_for_a_dilute_specimen_with_creatinine_2_to_5_only() -> None:
    assert reasons("36.0", "C", "2.00", "1.0020") == ["dilute_creatinine"]
    assert reasons("36.0", "C", "5.00", "1.0020") == ["dilute_creatinine"]
    assert reasons("36.0", "C", "5.01", "1.0020") == []  # dilute, creatinine above 5
    assert reasons("36.0", "C", "3.00", "1.0150") == []  # creatinine 3, not dilute
    assert reasons("36.0", "C", "3.00", "1.0010") == []  # invalid, not dilute
    assert reasons("1.9", "C", "4.00", "1.0020") == ["temperature", "dilute_creatinine"]


# --- Medication-assisted treatment --------------------------------------------------------------


@dataclass
class Rx:
    name: str
    prescriber: str = ""
    started_on: datetime.date | None = None
    stopped_on: datetime.date | None = None


@dataclass
class Expectation:
    parent: str
    metabolite: str
    match_words: list[str]


DAY = datetime.date(2026, 3, 10)
SEEDED = [Expectation(p, m, list(words)) for _name, words, p, m in DEFAULT_EXPECTATIONS]


def concerns(final: dict[str, str], *medications: Rx) -> list[tuple[str, str, str]]:
    found = medication_concerns(final=final, medications=medications, day=DAY, expectations=SEEDED)
    return [(c.kind, c.substance, c.message) for c in found]


def test_expected_buprenorphine_not_detected() -> None:
    assert concerns({"bup": "negative"}, Rx("Suboxone 8 mg", prescriber="Dr. Lee")) == [
        ("not_detected", "bup",
         ("Expected buprenorphine not detected — review with the patient and prescriber "
         "(Dr. Lee).")),
    ]  # fmt: skip
    # Both negative: one finding, on the medication itself.
    assert [
        k for k, _s, _m in concerns({"bup": "negative", "nbup": "negative"}, Rx("Suboxone"))
    ] == ["not_detected"]
    # Only the metabolite was tested, and it is negative.
    assert concerns({"nbup": "negative"}, Rx("buprenorphine"))[0][:2] == ("not_detected", "nbup")


def test_parent_drug_without_its_metabolite() -> None:
    found = concerns({"mtd": "positive", "eddp": "negative"}, Rx("methadone"))
    assert found == [
        ("no_metabolite", "mtd",
         ("Methadone detected without its metabolite EDDP — review with the patient and "
         "prescriber.")),
    ]  # fmt: skip
    assert concerns({"bup": "positive", "nbup": "negative"}, Rx("Zubsolv"))[0][0] == "no_metabolite"


@pytest.mark.parametrize(
    ("final", "medications"),
    [
        ({"bup": "positive", "nbup": "positive"}, [Rx("Suboxone")]),  # as expected
        ({"bup": "positive"}, [Rx("Suboxone")]),  # metabolite not on the panel: nothing to say
        ({"bup": "negative"}, [Rx("naltrexone")]),  # not on buprenorphine
        ({"bup": "negative"}, []),
        ({"bup": "negative"}, [Rx("Suboxone", stopped_on=DAY - datetime.timedelta(days=1))]),
        ({"bup": "negative"}, [Rx("Suboxone", started_on=DAY + datetime.timedelta(days=1))]),
        ({"mtd": "positive", "eddp": "positive"}, [Rx("Methadose")]),
        ({"bup": "invalid"}, [Rx("Suboxone")]),  # an invalid result is not a negative
    ],
)
def test_no_finding(final: dict[str, str], medications: list[Rx]) -> None:
    assert concerns(final, *medications) == []


def test_a_lab_result_replaces_the_cups_for_the_same_substance() -> None:
    cup_then_lab = [("bup", "presumptive", "negative"), ("bup", "confirmed", "positive")]
    assert final_outcomes(cup_then_lab) == {"bup": "positive"}
    assert final_outcomes(list(reversed(cup_then_lab))) == {"bup": "positive"}
    assert final_outcomes([("bup", "presumptive", "negative")]) == {"bup": "negative"}


# --- Cutoffs as people write them ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cutoff", "unit", "shown"),
    [
        (Decimal("1000.000"), "ng/mL", "1,000 ng/mL"),
        (Decimal("1E+3"), "ng/mL", "1,000 ng/mL"),
        (Decimal("2000"), "ng/mL", "2,000 ng/mL"),
        (Decimal("25.000"), "ng/mL", "25 ng/mL"),
        (Decimal("10.500"), "ng/mL", "10.5 ng/mL"),
        (Decimal("0.020"), "g/dL", "0.02 g/dL"),
        (Decimal("100"), "", "100"),
        (None, "ng/mL", "—"),
    ],
)
def test_cutoff_display(cutoff: Decimal | None, unit: str, shown: str) -> None:
    assert cutoff_display(cutoff, unit) == shown
