"""X12 837 claim files: institutional (005010X223A2, UB-04) and professional (005010X222A1,
CMS-1500). One interchange holds one functional group and one transaction set; the billing
provider is loop 2000A, each claim is a subscriber (2000B, the patient is the subscriber) with
its claim (2300) and one service line per day (2400).

Separators: `*` elements, `:` components, `^` repetitions, `~` segments. Text is upper-cased
and stripped of the separators, so no value can break the file."""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .models import BillingProvider, Claim, ClaimFormat, ClaimLine

VERSIONS = {ClaimFormat.INSTITUTIONAL: "005010X223A2", ClaimFormat.PROFESSIONAL: "005010X222A1"}
_UNSAFE = re.compile(r"[*:^~\r\n]")


def _text(value: str, limit: int) -> str:
    return " ".join(_UNSAFE.sub(" ", value).upper().split())[:limit]


def _amount(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'))}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _code(icd10: str) -> str:
    """ICD-10-CM codes travel without their dot (F10.20 → F1020)."""
    return icd10.replace(".", "").upper()


@dataclass
class Interchange:
    sender_id: str
    receiver_id: str
    control_number: int
    created: datetime.datetime
    usage: str = "T"  # T test, P production


def _envelope_open(x: Interchange, version: str) -> list[list[str]]:
    return [
        ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", x.sender_id.ljust(15)[:15], "ZZ",
         x.receiver_id.ljust(15)[:15], x.created.strftime("%y%m%d"), x.created.strftime("%H%M"),
         "^", "00501", f"{x.control_number:09d}", "0", x.usage, ":"],
        ["GS", "HC", x.sender_id, x.receiver_id, x.created.strftime("%Y%m%d"),
         x.created.strftime("%H%M"), str(x.control_number), "X", version],
    ]  # fmt: skip


def _billing_provider(provider: BillingProvider) -> list[list[str]]:
    return [
        ["HL", "1", "", "20", "1"],
        ["PRV", "BI", "PXC", provider.taxonomy],
        ["NM1", "85", "2", _text(provider.name, 60), "", "", "", "", "XX", provider.npi],
        ["N3", _text(provider.address, 55)],
        ["N4", _text(provider.city, 30), provider.state, provider.zip_code],
        ["REF", "EI", provider.tax_id.replace("-", "")],
    ]


def _subscriber(claim: Claim, hl: int) -> list[list[str]]:
    patient, payer = claim.patient, claim.payer
    return [
        ["HL", str(hl), "1", "22", "0"],
        ["SBR", "P", "18", "", "", "", "", "", "", "CI"],
        ["NM1", "IL", "1", _text(patient.legal_last_name, 60), _text(patient.legal_first_name, 35),
         "", "", "", "MI", _text(claim.member_id, 80)],
        ["DMG", "D8", patient.date_of_birth.strftime("%Y%m%d"), "U"],
        ["NM1", "PR", "2", _text(payer.name, 60), "", "", "", "", "PI", _text(payer.payer_id, 80)],
    ]  # fmt: skip


def _claim_segments(claim: Claim, lines: list[ClaimLine]) -> list[list[str]]:
    total = sum((line.charge * line.units for line in lines), Decimal("0"))
    institutional = claim.claim_format == ClaimFormat.INSTITUTIONAL
    codes = [_code(code) for code in claim.diagnosis_codes]
    out: list[list[str]] = []
    if institutional:
        facility = claim.payer.bill_type[:2]
        out.append(["CLM", f"C{claim.pk}", _amount(total), "", "",
                    f"{facility}:A:{claim.frequency_code}", "", "A", "Y", "Y"])  # fmt: skip
        first, last = lines[0].service_date, lines[-1].service_date
        out.append(["DTP", "434", "RD8", f"{first:%Y%m%d}-{last:%Y%m%d}"])
        out.append(["CL1", "3", "", "01"])
    else:
        place = f"{lines[0].place_of_service}:B:{claim.frequency_code}"
        out.append(["CLM", f"C{claim.pk}", _amount(total), "", "", place, "Y", "A", "Y", "Y"])
    if claim.replaces_id is not None:
        original = claim.replaces.payer_claim_number if claim.replaces else ""
        out.append(["REF", "F8", original or f"C{claim.replaces_id}"])
    if claim.authorization_number:
        out.append(["REF", "G1", _text(claim.authorization_number, 50)])
    if institutional:
        out.append(["HI", f"ABK:{codes[0]}"])
        if len(codes) > 1:
            out.append(["HI", *(f"ABF:{code}" for code in codes[1:12])])
    else:
        out.append(["HI", f"ABK:{codes[0]}", *(f"ABF:{code}" for code in codes[1:12])])
    for number, line in enumerate(lines, start=1):
        out.append(["LX", str(number)])
        charge = _amount(line.charge * line.units)
        if institutional:
            out.append(["SV2", line.revenue_code, f"HC:{line.procedure_code}", charge, "UN",
                        str(line.units)])  # fmt: skip
        else:
            pointers = ":".join(str(p) for p in line.diagnosis_pointers[:4])
            out.append(["SV1", f"HC:{line.procedure_code}", charge, "UN", str(line.units), "", "",
                        pointers])  # fmt: skip
        out.append(["DTP", "472", "D8", f"{line.service_date:%Y%m%d}"])
    return out


def render_837(
    *,
    claim_format: str,
    provider: BillingProvider,
    claims: Iterable[tuple[Claim, list[ClaimLine]]],
    interchange: Interchange,
    contact: str,
    phone: str,
) -> str:
    """The 837 file for these claims (all of `claim_format`), as text."""
    version = VERSIONS[claim_format]  # type: ignore[index]
    pairs = list(claims)
    body: list[list[str]] = [
        ["ST", "837", "0001", version],
        ["BHT", "0019", "00", f"B{interchange.control_number}",
         interchange.created.strftime("%Y%m%d"), interchange.created.strftime("%H%M"), "CH"],
        ["NM1", "41", "2", _text(provider.name, 60), "", "", "", "", "46", interchange.sender_id],
        ["PER", "IC", _text(contact, 60), "TE", re.sub(r"\D", "", phone)[:10] or "0000000000"],
        ["NM1", "40", "2", _text(pairs[0][0].payer.name, 60), "", "", "", "", "46",
         interchange.receiver_id],
    ]  # fmt: skip
    body += _billing_provider(provider)
    for hl, (claim, lines) in enumerate(pairs, start=2):
        body += _subscriber(claim, hl)
        body += _claim_segments(claim, lines)
    body.append(["SE", str(len(body) + 1), "0001"])
    segments = [
        *_envelope_open(interchange, version),
        *body,
        ["GE", "1", str(interchange.control_number)],
        ["IEA", "1", f"{interchange.control_number:09d}"],
    ]
    return "".join("*".join(segment) + "~\n" for segment in segments)
