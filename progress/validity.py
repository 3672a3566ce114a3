"""Specimen validity, collection checks and expected positives: pure functions over data.

Specimen validity is a table of criteria (`CriteriaSet`) that carries the name of its source,
so a result can say which rules decided it. The current set is `HHS_2017`:

    HHS Mandatory Guidelines for Federal Workplace Drug Testing Programs using Urine
    (82 FR 7920, 2017-01-23, effective 2017-10-01), sections 3.8 and 3.9 (the specimen
    validity criteria); DOT's 49 CFR 40 (40.87, 40.93) defers to them.

| result      | criteria (DOMAIN.md, from 82 FR 7920)                                         |
|-------------|-------------------------------------------------------------------------------|
| adulterated | pH < 4 or ≥ 11; nitrite ≥ 500 µg/mL; chromium (VI), halogen, glutaraldehyde,  |
|             | pyridine, surfactant or another exogenous substance confirmed                 |
| substituted | creatinine < 2 mg/dL, and SG ≤ 1.0010 or ≥ 1.0200                             |
| invalid     | pH ≥ 4 and < 4.5, or ≥ 9 and < 11; nitrite ≥ 200 and < 500; creatinine < 2     |
|             | with SG > 1.0010 and < 1.0200; creatinine ≥ 2 with SG ≤ 1.0010; an oxidant or |
|             | interference the lab cannot identify                                          |
| dilute      | creatinine ≥ 2 and < 20, and SG > 1.0010 and < 1.0030                         |

The 2004 guidelines (and 10 CFR 26) said pH < 3 for adulterated; 2017 raised it to 4.
Results are checked most serious first (adulterated, substituted, invalid, dilute); the first
criterion that holds decides, and its words are kept with the result. Every comparison is on
`Decimal` (specific gravity at four decimals: 1.0010 is not > 1.0010), never on floats.
Missing measurements: if no criterion holds but creatinine, SG or pH is missing, the result
is "incomplete" (never "normal" on partial data); with no measurement at all it is "not
tested" (breath and saliva tests).

At collection (49 CFR 40.65(b), 40.67(b)): a urine temperature outside 32–38 °C (90–100 °F)
means an immediate second collection under direct observation; so does a *dilute* specimen
with creatinine 2–5 mg/dL (49 CFR 40.197(b)(1)) — not a creatinine of 2–5 that is not dilute.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models


class Validity(models.TextChoices):
    NORMAL = "normal", "Normal"
    DILUTE = "dilute", "Dilute"
    SUBSTITUTED = "substituted", "Substituted"
    ADULTERATED = "adulterated", "Adulterated"
    INVALID = "invalid", "Invalid"
    # Kept only to read tests recorded under the earlier rules, which put the 40.197 advice
    # in the validity; it is now an observed-recollection task and never computed.
    OBSERVED_RECOLLECTION = "observed_recollection", "Observed recollection needed (earlier rules)"
    INCOMPLETE = "incomplete", "Incomplete (a measurement is missing)"
    NOT_TESTED = "not_tested", "Not tested"


class LabFinding(models.TextChoices):
    """What a laboratory reports beyond the measured values (82 FR 7920, 3.8–3.9)."""

    CHROMIUM_VI = "chromium_vi", "Chromium (VI) confirmed"
    HALOGEN = "halogen", "Halogen (e.g. bleach, iodine, fluoride) confirmed"
    GLUTARALDEHYDE = "glutaraldehyde", "Glutaraldehyde confirmed"
    PYRIDINE = "pyridine", "Pyridine confirmed"
    SURFACTANT = "surfactant", "Surfactant confirmed"
    OTHER_EXOGENOUS = "exogenous", "Another exogenous substance confirmed"
    UNIDENTIFIED_OXIDANT = "oxidant", "An oxidant the lab cannot identify"
    INTERFERENCE = "interference", "Interference the lab cannot identify"


Number = Decimal | float | int | None
# The measurements a criterion may bound, by the names of the DrugTest fields.
ANALYTES = ("creatinine", "specific_gravity", "ph", "nitrite")


@dataclass(frozen=True)
class Bound:
    """`analyte` within [low, high) by default; `low_open` makes the low end exclusive (>),
    `high_closed` the high end inclusive (≤). None: unbounded on that side."""

    analyte: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False
    high_closed: bool = False

    def holds(self, value: Decimal | None) -> bool:
        if value is None:
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value <= self.high if self.high_closed else value < self.high)


@dataclass(frozen=True)
class Criterion:
    """One row: every bound holds, or (for a lab finding) the finding was reported."""

    result: str
    words: str
    bounds: tuple[Bound, ...] = ()
    finding: str = ""

    def holds(self, values: dict[str, Decimal | None], findings: set[str]) -> bool:
        if self.finding:
            return self.finding in findings
        return all(bound.holds(values[bound.analyte]) for bound in self.bounds)


@dataclass(frozen=True)
class CriteriaSet:
    code: str
    source: str
    criteria: tuple[Criterion, ...]


def _d(text: str) -> Decimal:
    return Decimal(text)


def _finding(result: str, finding: LabFinding) -> Criterion:
    return Criterion(result, str(finding.label), finding=finding.value)


ADU, SUB, INV, DIL = Validity.ADULTERATED, Validity.SUBSTITUTED, Validity.INVALID, Validity.DILUTE
CREA, SG, PH, NIT = ANALYTES
HHS_2017 = CriteriaSet(
    code="hhs-2017",
    source=(
        "HHS Mandatory Guidelines for Federal Workplace Drug Testing Programs using Urine, "
        "82 FR 7920 (effective 2017-10-01); DOT 49 CFR 40 defers to them"
    ),
    criteria=(
        Criterion(ADU, "pH below 4", (Bound(PH, high=_d("4")),)),
        Criterion(ADU, "pH 11 or above", (Bound(PH, low=_d("11")),)),
        Criterion(ADU, "nitrite 500 µg/mL or above", (Bound(NIT, low=_d("500")),)),
        *(
            _finding(ADU, f)
            for f in (LabFinding.CHROMIUM_VI, LabFinding.HALOGEN, LabFinding.GLUTARALDEHYDE,
                      LabFinding.PYRIDINE, LabFinding.SURFACTANT, LabFinding.OTHER_EXOGENOUS)
        ),
        Criterion(
            SUB, "creatinine below 2 mg/dL with SG 1.0010 or below",
            (Bound(CREA, high=_d("2")), Bound(SG, high=_d("1.0010"), high_closed=True)),
        ),
        Criterion(
            SUB, "creatinine below 2 mg/dL with SG 1.0200 or above",
            (Bound(CREA, high=_d("2")), Bound(SG, low=_d("1.0200"))),
        ),
        Criterion(INV, "pH 4 or above and below 4.5", (Bound(PH, low=_d("4"), high=_d("4.5")),)),
        Criterion(INV, "pH 9 or above and below 11", (Bound(PH, low=_d("9"), high=_d("11")),)),
        Criterion(
            INV, "nitrite 200 µg/mL or above and below 500",
            (Bound(NIT, low=_d("200"), high=_d("500")),),
        ),
        Criterion(
            INV, "creatinine below 2 mg/dL with SG above 1.0010 and below 1.0200",
            (Bound(CREA, high=_d("2")),
             Bound(SG, low=_d("1.0010"), low_open=True, high=_d("1.0200"))),
        ),
        Criterion(
            INV, "creatinine 2 mg/dL or above with SG 1.0010 or below",
            (Bound(CREA, low=_d("2")), Bound(SG, high=_d("1.0010"), high_closed=True)),
        ),
        _finding(INV, LabFinding.UNIDENTIFIED_OXIDANT),
        _finding(INV, LabFinding.INTERFERENCE),
        Criterion(
            DIL, "creatinine 2 mg/dL or above and below 20 with SG above 1.0010 and below 1.0030",
            (Bound(CREA, low=_d("2"), high=_d("20")),
             Bound(SG, low=_d("1.0010"), low_open=True, high=_d("1.0030"))),
        ),
    ),
)  # fmt: skip
CRITERIA_SETS = {HHS_2017.code: HHS_2017}
CURRENT_CRITERIA = HHS_2017


@dataclass(frozen=True)
class ValidityResult:
    result: str
    criteria: str  # the code of the criteria set used ("hhs-2017")
    basis: str  # the words of the criterion that decided it, "" when none did


def _dec(value: Number) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def validity_of(
    *,
    creatinine: Number,
    specific_gravity: Number,
    ph: Number,
    nitrite: Number = None,
    findings: Iterable[str] = (),
    criteria: CriteriaSet = CURRENT_CRITERIA,
) -> ValidityResult:
    """creatinine mg/dL, specific gravity, pH, nitrite µg/mL and the lab's findings → the
    result under `criteria`, with the criterion that decided it."""
    reported = set(findings)
    values = dict(
        zip(ANALYTES, map(_dec, (creatinine, specific_gravity, ph, nitrite)), strict=True)
    )
    if all(v is None for v in values.values()) and not reported:
        return ValidityResult(Validity.NOT_TESTED, criteria.code, "")
    for criterion in criteria.criteria:
        if criterion.holds(values, reported):
            return ValidityResult(criterion.result, criteria.code, criterion.words)
    if any(values[name] is None for name in (CREA, SG, PH)):
        return ValidityResult(Validity.INCOMPLETE, criteria.code, "")
    return ValidityResult(Validity.NORMAL, criteria.code, "")


def specimen_validity(
    *,
    creatinine: Number,
    specific_gravity: Number,
    ph: Number,
    nitrite: Number = None,
    findings: Iterable[str] = (),
) -> str:
    """The result alone (see `validity_of`)."""
    return validity_of(
        creatinine=creatinine, specific_gravity=specific_gravity, ph=ph, nitrite=nitrite,
        findings=findings,
    ).result  # fmt: skip


# --- At collection -----------------------------------------------------------------------------


class TemperatureUnit(models.TextChoices):
    CELSIUS = "C", "°C"
    FAHRENHEIT = "F", "°F"


# 49 CFR 40.65(b): the acceptable range is 32–38 °C / 90–100 °F, both ends included, each in
# its own unit (the two ranges are not exact conversions of each other: 90 °F is 32.2 °C).
TEMPERATURE_RANGE = {
    TemperatureUnit.CELSIUS: (Decimal(32), Decimal(38)),
    TemperatureUnit.FAHRENHEIT: (Decimal(90), Decimal(100)),
}


def temperature_in_range(temperature: Number, unit: str) -> bool | None:
    """None when not measured."""
    value = _dec(temperature)
    if value is None:
        return None
    low, high = TEMPERATURE_RANGE[TemperatureUnit(unit)]
    return low <= value <= high


class RecollectionReason(models.TextChoices):
    TEMPERATURE = "temperature", "Temperature out of range"
    DILUTE_LOW_CREATININE = "dilute_creatinine", "Dilute with creatinine 2–5 mg/dL"


def recollection_reasons(
    *, temperature: Number, unit: str, validity: str, creatinine: Number
) -> list[tuple[str, str]]:
    """(reason, words) for each rule that calls for an observed recollection."""
    found: list[tuple[str, str]] = []
    if temperature_in_range(temperature, unit) is False:
        low, high = TEMPERATURE_RANGE[TemperatureUnit(unit)]
        symbol = TemperatureUnit(unit).label
        found.append((
            RecollectionReason.TEMPERATURE,
            (f"Temperature {_dec(temperature)} {symbol} is outside {low}–{high} {symbol}: "
             "collect again now under direct observation (49 CFR 40.65(b), 40.67(b))."),
        ))  # fmt: skip
    crea = _dec(creatinine)
    if validity == Validity.DILUTE and crea is not None and Decimal(2) <= crea <= Decimal(5):
        found.append((
            RecollectionReason.DILUTE_LOW_CREATININE,
            (f"Dilute specimen with creatinine {crea} mg/dL (2–5): collect again under direct "
             "observation (49 CFR 40.197(b)(1))."),
        ))  # fmt: skip
    return found


def cutoff_display(cutoff: Decimal | None, unit: str = "") -> str:
    """A cutoff as people write it: "1,000 ng/mL", "0.02 g/dL" (never "1E+3"); "—" unset."""
    if cutoff is None:
        return "—"
    number = f"{cutoff.normalize():,f}"
    return f"{number} {unit}".strip()


# --- Substances and what a prescription explains ------------------------------------------------


class Substance(models.TextChoices):
    AMPHETAMINES = "amp", "Amphetamines"
    METHAMPHETAMINE = "met", "Methamphetamine"
    MDMA = "mdma", "MDMA (ecstasy)"
    COCAINE = "coc", "Cocaine"
    THC = "thc", "Cannabis (THC)"
    OPIATES = "opi", "Opiates (morphine, codeine)"
    SIX_MAM = "6mam", "6-MAM (heroin metabolite)"
    OXYCODONE = "oxy", "Oxycodone"
    BUPRENORPHINE = "bup", "Buprenorphine"
    NORBUPRENORPHINE = "nbup", "Norbuprenorphine (buprenorphine metabolite)"
    METHADONE = "mtd", "Methadone"
    EDDP = "eddp", "EDDP (methadone metabolite)"
    FENTANYL = "fen", "Fentanyl"
    NORFENTANYL = "nfen", "Norfentanyl (fentanyl metabolite)"
    NITAZENES = "nitaz", "Nitazenes"
    XYLAZINE = "xyl", "Xylazine"
    TRAMADOL = "tra", "Tramadol"
    BENZODIAZEPINES = "bzo", "Benzodiazepines"
    BARBITURATES = "bar", "Barbiturates"
    PCP = "pcp", "PCP"
    ETG = "etg", "EtG (alcohol metabolite)"
    ETS = "ets", "EtS (alcohol metabolite)"
    ALCOHOL = "alc", "Alcohol (breath)"


# A positive is expected when the patient has a current prescription whose (generic or
# brand) name contains one of these words. Small and explicit on purpose: anything not
# here is unexpected and goes to a clinician's review. Buprenorphine and methadone are not
# here: they are the clinic's medication-assisted treatment expectations (data, editable,
# `progress.MedicationExpectation`), which also say what a patient should test positive for.
EXPECTED_BY_MEDICATION: dict[str, tuple[str, ...]] = {
    Substance.OPIATES: ("morphine", "codeine", "hydrocodone", "hydromorphone"),
    Substance.OXYCODONE: ("oxycodone", "oxycontin", "percocet"),
    Substance.FENTANYL: ("fentanyl",),
    Substance.NORFENTANYL: ("fentanyl",),
    Substance.TRAMADOL: ("tramadol",),
    Substance.BENZODIAZEPINES: (
        "alprazolam", "clonazepam", "lorazepam", "diazepam", "chlordiazepoxide", "xanax",
        "klonopin", "ativan", "valium", "librium",
    ),
    Substance.AMPHETAMINES: (
        "amphetamine", "dextroamphetamine", "lisdexamfetamine", "adderall", "vyvanse",
    ),
    Substance.BARBITURATES: ("phenobarbital", "butalbital"),
    Substance.THC: ("dronabinol", "marinol"),
}  # fmt: skip

# The seeded medication-assisted treatment expectations (each clinic may edit its own): the
# medication's name words, the drug itself and its metabolite. DOMAIN.md: a patient prescribed
# buprenorphine or methadone is expected to test positive for it and for its metabolite
# (norbuprenorphine, EDDP); a negative, or the parent drug without its metabolite, is the
# clinically important finding.
DEFAULT_EXPECTATIONS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("Buprenorphine", ("buprenorphine", "suboxone", "subutex", "sublocade", "zubsolv"),
     Substance.BUPRENORPHINE, Substance.NORBUPRENORPHINE),
    ("Methadone", ("methadone", "methadose", "dolophine"), Substance.METHADONE, Substance.EDDP),
]  # fmt: skip


def is_current_on(medication: Any, day: datetime.date) -> bool:
    started, stopped = medication.started_on, medication.stopped_on
    return (started is None or started <= day) and (stopped is None or stopped >= day)


def _names(words: Iterable[str], medication: Any) -> bool:
    name = medication.name.lower()
    return any(word.lower() in name for word in words)


def explaining_medication(
    substance: str, medications: Iterable[Any], day: datetime.date, expectations: Iterable[Any] = ()
) -> Any:
    """The current prescription that explains a positive for `substance`, or None.
    `expectations`: the clinic's medication-assisted treatment rows (parent, metabolite,
    match_words)."""
    words = list(EXPECTED_BY_MEDICATION.get(substance, ()))
    for expectation in expectations:
        if substance in (expectation.parent, expectation.metabolite):
            words += expectation.match_words
    for medication in medications:
        if is_current_on(medication, day) and _names(words, medication):
            return medication
    return None


def final_outcomes(results: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """(substance, method, outcome) → substance: outcome, a lab confirmation replacing the
    point-of-care result for the same substance."""
    final: dict[str, tuple[str, str]] = {}
    for substance, method, outcome in results:
        if final.get(substance, ("", ""))[0] != "confirmed":
            final[substance] = (method, outcome)
    return {substance: outcome for substance, (_method, outcome) in final.items()}


def _short(substance: str) -> str:
    """ "Buprenorphine", "EDDP" from their labels (no parenthesis)."""
    return str(Substance(substance).label).split(" (")[0]


def _in_text(substance: str) -> str:
    """Lower case inside a sentence, except names such as EDDP or 6-MAM."""
    name = _short(substance)
    return name if any(c.isupper() for c in name[1:]) else name.lower()


@dataclass(frozen=True)
class MedicationConcern:
    kind: str  # "not_detected" | "no_metabolite"
    substance: str
    medication: Any
    message: str


def medication_concerns(
    *,
    final: dict[str, str],
    medications: Iterable[Any],
    day: datetime.date,
    expectations: Iterable[Any],
) -> list[MedicationConcern]:
    """Findings against the patient's medication-assisted treatment on `day`.

    `final`: substance → outcome, one per substance tested (a lab result replacing the cup's).
    An expected substance tested and negative is flagged ("not detected"); the parent drug
    positive with its metabolite tested and negative is flagged too ("without its metabolite").
    A substance the panel did not test says nothing. Words are neutral: a finding is a reason
    to talk with the patient and the prescriber, not a conclusion."""
    found = []
    current = [m for m in medications if is_current_on(m, day)]
    for expectation in expectations:
        medication = next((m for m in current if _names(expectation.match_words, m)), None)
        if medication is None:
            continue
        parent, metabolite = expectation.parent, expectation.metabolite
        prescriber = f" ({medication.prescriber})" if medication.prescriber else ""
        review = f"review with the patient and prescriber{prescriber}"
        outcome = final.get(parent)
        after = final.get(metabolite) if metabolite else None
        if outcome == "negative" or (outcome is None and after == "negative"):
            missing = parent if outcome == "negative" else metabolite
            found.append(MedicationConcern(
                "not_detected", missing, medication,
                f"Expected {_in_text(missing)} not detected — {review}.",
            ))  # fmt: skip
        elif outcome == "positive" and after == "negative":
            found.append(MedicationConcern(
                "no_metabolite", parent, medication,
                f"{_short(parent)} detected without its metabolite "
                f"{_in_text(metabolite)} — {review}.",
            ))  # fmt: skip
    return found
