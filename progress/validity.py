"""Specimen validity and expected positives: pure functions, tested row by row.

Validity follows the HHS table in DOMAIN.md, checked from the most serious finding down:

| result                  | criteria (DOMAIN.md)                                          |
|-------------------------|---------------------------------------------------------------|
| adulterated             | nitrite ≥ 500 µg/mL, or pH < 3 or pH ≥ 11                      |
| substituted             | creatinine < 2 mg/dL and SG ≤ 1.001 or SG ≥ 1.020              |
| invalid                 | pH 3–4.5 or 9–11 (3 ≤ pH < 4.5, 9 ≤ pH < 11: HHS's acceptable   |
|                         | range is 4.5 ≤ pH < 9)                                        |
| observed recollection   | creatinine 2–5 mg/dL (inclusive)                               |
| dilute                  | creatinine < 20 mg/dL and SG < 1.003                           |

One addition, from the same HHS criteria, because the DOMAIN table leaves it open: a
creatinine below 2 with a specific gravity that does not meet "substituted" (1.001 < SG <
1.020) is *invalid* — a creatinine that low is not a normal human specimen.
Missing measurements: if nothing abnormal is found but creatinine, SG or pH is missing, the
result is "incomplete" (never "normal" on partial data); with no measurement at all it is
"not tested" (breath and saliva tests).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models


class Validity(models.TextChoices):
    NORMAL = "normal", "Normal"
    DILUTE = "dilute", "Dilute"
    SUBSTITUTED = "substituted", "Substituted"
    ADULTERATED = "adulterated", "Adulterated"
    INVALID = "invalid", "Invalid"
    OBSERVED_RECOLLECTION = "observed_recollection", "Observed recollection needed"
    INCOMPLETE = "incomplete", "Incomplete (a measurement is missing)"
    NOT_TESTED = "not_tested", "Not tested"


Number = Decimal | float | int | None


def _dec(value: Number) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def specimen_validity(
    *, creatinine: Number, specific_gravity: Number, ph: Number, nitrite: Number = None
) -> str:
    """creatinine mg/dL, specific gravity, pH, nitrite µg/mL → a `Validity` value.

    The rules are checked in order, most serious first; the first that holds decides."""
    if all(v is None for v in (creatinine, specific_gravity, ph, nitrite)):
        return Validity.NOT_TESTED
    crea, sg, p, nit = _dec(creatinine), _dec(specific_gravity), _dec(ph), _dec(nitrite)
    both = crea is not None and sg is not None
    rules: list[tuple[str, bool]] = [
        (
            Validity.ADULTERATED,
            (nit is not None and nit >= 500) or (p is not None and (p < 3 or p >= 11)),
        ),
        (
            Validity.SUBSTITUTED,
            both and crea < 2 and (sg <= Decimal("1.001") or sg >= Decimal("1.020")),  # type: ignore[operator]
        ),
        (
            Validity.INVALID,
            p is not None and (Decimal(3) <= p < Decimal("4.5") or Decimal(9) <= p < Decimal(11)),
        ),
        (Validity.INVALID, both and crea < 2),  # type: ignore[operator]
        (Validity.OBSERVED_RECOLLECTION, crea is not None and Decimal(2) <= crea <= Decimal(5)),
        (Validity.DILUTE, both and crea < 20 and sg < Decimal("1.003")),  # type: ignore[operator]
        (Validity.INCOMPLETE, crea is None or sg is None or p is None),
    ]
    return next((result for result, holds in rules if holds), Validity.NORMAL)


class Substance(models.TextChoices):
    AMPHETAMINES = "amp", "Amphetamines"
    METHAMPHETAMINE = "met", "Methamphetamine"
    MDMA = "mdma", "MDMA (ecstasy)"
    COCAINE = "coc", "Cocaine"
    THC = "thc", "Cannabis (THC)"
    OPIATES = "opi", "Opiates (morphine, codeine)"
    OXYCODONE = "oxy", "Oxycodone"
    BUPRENORPHINE = "bup", "Buprenorphine"
    METHADONE = "mtd", "Methadone"
    FENTANYL = "fen", "Fentanyl"
    TRAMADOL = "tra", "Tramadol"
    BENZODIAZEPINES = "bzo", "Benzodiazepines"
    BARBITURATES = "bar", "Barbiturates"
    PCP = "pcp", "PCP"
    ETG = "etg", "EtG (alcohol metabolite)"
    ALCOHOL = "alc", "Alcohol (breath)"


# A positive is expected when the patient has a current prescription whose (generic or
# brand) name contains one of these words. Small and explicit on purpose: anything not
# here is unexpected and goes to a clinician's review.
EXPECTED_BY_MEDICATION: dict[str, tuple[str, ...]] = {
    Substance.BUPRENORPHINE: ("buprenorphine", "suboxone", "subutex", "sublocade", "zubsolv"),
    Substance.METHADONE: ("methadone",),
    Substance.OPIATES: ("morphine", "codeine", "hydrocodone", "hydromorphone"),
    Substance.OXYCODONE: ("oxycodone", "oxycontin", "percocet"),
    Substance.FENTANYL: ("fentanyl",),
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


def is_current_on(medication: Any, day: datetime.date) -> bool:
    started, stopped = medication.started_on, medication.stopped_on
    return (started is None or started <= day) and (stopped is None or stopped >= day)


def explaining_medication(substance: str, medications: Iterable[Any], day: datetime.date) -> Any:
    """The current prescription that explains a positive for `substance`, or None."""
    words = EXPECTED_BY_MEDICATION.get(substance, ())
    for medication in medications:
        name = medication.name.lower()
        if is_current_on(medication, day) and any(word in name for word in words):
            return medication
    return None
