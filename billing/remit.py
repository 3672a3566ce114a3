"""X12 835 remittance advice (005010X221A1): read a payer's file into what it paid and adjusted
on each claim (CLP) and service line (SVC), and write one (the demo's sample, and tests).

The file is validated by pyx12, an independent X12 validator, before anything is read from
it. Every refusal says what is wrong in words that carry no patient data: segment names,
line numbers and our own claim numbers only."""

import contextlib
import datetime
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pyx12.params
import pyx12.x12n_document

from iop.bounds import EARLIEST, LATEST

VERSION = "005010X221A1"
# Our claims go out with CLM01 = "C<claim id>" (x12.py); the payer echoes it in CLP01.
CONTROL_NUMBER = re.compile(r"^C(\d{1,18})$")
_UNSAFE = re.compile(r"[*:^~\r\n]")
MAX_ERRORS_SHOWN = 5


class RemittanceFileError(Exception):
    """The file cannot be posted; the message says why, without patient data."""


@dataclass
class Adjustment:
    group: str
    reason: str
    amount: Decimal

    def as_json(self) -> dict[str, str]:
        return {"group": self.group, "reason": self.reason, "amount": f"{self.amount:.2f}"}


@dataclass
class ServicePayment:
    procedure_code: str
    charge: Decimal
    paid: Decimal
    service_date: datetime.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


@dataclass
class ClaimPayment:
    control_number: str
    status_code: str
    charge: Decimal
    paid: Decimal
    payer_claim_number: str
    services: list[ServicePayment] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class Advice:
    """What an 835 says: who paid, how much, when, under which check/EFT number, for what."""

    transaction: str
    version: str
    payer_name: str = ""
    payer_id: str = ""
    payment_amount: Decimal = Decimal("0")
    payment_method: str = ""
    paid_on: datetime.date | None = None
    trace_number: str = ""
    claims: list[ClaimPayment] = field(default_factory=list)


def _segments(text: str) -> Iterator[list[str]]:
    """The segments of an X12 interchange, split with the separators its ISA declares."""
    text = text.lstrip("\ufeff \r\n\t")
    if not text.startswith("ISA") or len(text) < 106:
        raise RemittanceFileError("This is not an X12 file: it does not begin with an ISA segment.")
    element, component, terminator = text[3], text[104], text[105]
    if len({element, component, terminator}) < 3 or element.isalnum():
        raise RemittanceFileError("The file's ISA segment declares no usable separators.")
    for raw in text.split(terminator):
        segment = raw.strip("\r\n ")
        if segment:
            yield [part.replace(component, ":") for part in segment.split(element)]


def _get(segment: list[str], index: int) -> str:
    return segment[index].strip() if len(segment) > index else ""


def _money(segment: list[str], index: int, where: str) -> Decimal:
    raw = _get(segment, index)
    try:
        value = Decimal(raw or "0")
    except InvalidOperation:
        raise RemittanceFileError(f"{where}: the amount is not a number.") from None
    if not value.is_finite() or abs(value) >= Decimal("1e9"):
        raise RemittanceFileError(f"{where}: the amount is out of range.")
    return value.quantize(Decimal("0.01"))


def _date(raw: str, where: str) -> datetime.date:
    try:
        if not re.fullmatch(r"\d{8}", raw):
            raise ValueError(raw)
        day = datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise RemittanceFileError(f"{where}: the date is not a CCYYMMDD date.") from None
    if not EARLIEST <= day <= LATEST:
        raise RemittanceFileError(f"{where}: the date is out of range.")
    return day


def header(text: str) -> tuple[str, str]:
    """(transaction set id from ST, implementation guide from GS08), or a refusal for a file
    that is not X12 at all."""
    version = ""
    for segment in _segments(text):
        if segment[0] == "GS":
            version = _get(segment, 8)
        elif segment[0] == "ST":
            return _get(segment, 1), _get(segment, 3) or version
    raise RemittanceFileError("The file has no transaction set (ST segment).")


# What pyx12's error codes mean (the X12 999 IK3 / IK4 / IK5 codes). Its own messages quote
# the file's values, so they are never shown.
SEGMENT_ERRORS = {
    "1": "unrecognized segment", "2": "unexpected segment", "3": "required segment missing",
    "4": "loop occurs more often than allowed", "5": "segment occurs more often than allowed",
    "6": "segment not in this transaction", "7": "segment out of sequence",
    "8": "segment has element errors", "I4": "segment not used in this guide",
    "I6": "required segment missing", "I7": "loop occurs too few times",
    "I8": "segment occurs too few times", "I9": "segment not used in this guide",
}  # fmt: skip
ELEMENT_ERRORS = {
    "1": "required element missing", "2": "conditionally required element missing",
    "3": "too many elements", "4": "value too short", "5": "value too long",
    "6": "invalid character", "7": "invalid code", "8": "invalid date", "9": "invalid time",
    "10": "element not allowed here", "12": "too many repetitions", "13": "too many components",
    "I10": "element not used in this guide", "I11": "too many repetitions",
    "I12": "value does not match the guide's pattern", "I13": "element not used in this guide",
    "I6": "code not used in this guide", "I9": "required element missing",
}  # fmt: skip
ENVELOPE_ERRORS = {"4": "the SE segment count is wrong", "3": "control numbers do not match"}


def validate(text: str) -> list[str]:
    """pyx12's errors for the file, each as "segment at line N: what is wrong" (never the
    file's values); empty when it passes."""
    report = io.StringIO()
    pyx12_log = logging.getLogger("pyx12")
    level = pyx12_log.level
    pyx12_log.setLevel(logging.CRITICAL + 1)  # its log lines quote the file's values
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None,
            fd_json=report,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 (pyx12 raises its own errors on files it cannot walk)
        return ["The file's structure cannot be read as X12."]
    finally:
        pyx12_log.setLevel(level)
    found: list[str] = []
    with contextlib.suppress(ValueError):
        _collect(json.loads(report.getvalue() or "{}"), found)
    if not ok and not found:
        found.append("The file does not follow the X12 835 standard.")
    return found


def _collect(node: Any, found: list[str]) -> None:
    """Walk pyx12's JSON error report (interchanges → groups → transactions → segments →
    elements)."""
    if isinstance(node, list):
        for item in node:
            _collect(item, found)
        return
    if not isinstance(node, dict):
        return
    line = node.get("cur_line", "?")
    seg = node.get("seg_id")
    for error in node.get("errors") or []:
        code = str(error.get("err_cde", ""))
        if seg:
            what = SEGMENT_ERRORS.get(code, f"error {code}")
            found.append(f"{seg} segment at line {line}: {what}.")
        else:
            what = ENVELOPE_ERRORS.get(code, f"envelope error {code}")
            found.append(f"Envelope at line {line}: {what}.")
    for element in node.get("elements") or []:
        position = element.get("ele_pos")
        ref = f"{seg}{int(position):02d}" if seg and isinstance(position, int) else seg or "?"
        for error in element.get("errors") or []:
            code = str(error.get("err_cde", ""))
            what = ELEMENT_ERRORS.get(code, f"error {code}")
            found.append(f"{ref} at line {line}: {what}.")
    for key in ("interchanges", "groups", "transactions", "segments"):
        _collect(node.get(key), found)


@dataclass
class _Reader:
    """Where the reading is: the 1000 loop (N1 qualifier), the claim and service line."""

    advice: Advice
    loop: str = ""
    claim: ClaimPayment | None = None
    service: ServicePayment | None = None

    def read(self, segment: list[str]) -> None:
        handler = getattr(self, f"_{segment[0].lower()}", None)
        if handler is not None:
            handler(segment)

    def _bpr(self, segment: list[str]) -> None:
        self.advice.payment_amount = _money(segment, 2, "BPR")
        self.advice.payment_method = _get(segment, 4)[:3]
        self.advice.paid_on = _date(_get(segment, 16), "BPR (payment date)")

    def _trn(self, segment: list[str]) -> None:
        if self.claim is None:
            self.advice.trace_number = _get(segment, 2)[:50]

    def _n1(self, segment: list[str]) -> None:
        self.loop = _get(segment, 1)
        if self.loop == "PR":
            self.advice.payer_name = _get(segment, 2)[:60]

    def _ref(self, segment: list[str]) -> None:
        if self.loop == "PR" and self.claim is None and _get(segment, 1) == "2U":
            self.advice.payer_id = _get(segment, 2)[:20]

    def _clp(self, segment: list[str]) -> None:
        where = f"CLP {len(self.advice.claims) + 1}"
        self.claim = ClaimPayment(
            control_number=_get(segment, 1), status_code=_get(segment, 2),
            charge=_money(segment, 3, where), paid=_money(segment, 4, where),
            payer_claim_number=_get(segment, 7)[:50],
        )  # fmt: skip
        self.advice.claims.append(self.claim)
        self.service = None

    def _svc(self, segment: list[str]) -> None:
        if self.claim is None:
            return
        where = f"SVC of claim {self.claim.control_number[:20]}"
        self.service = ServicePayment(
            procedure_code=_get(segment, 1).split(":")[-1][:10],
            charge=_money(segment, 2, where), paid=_money(segment, 3, where),
        )  # fmt: skip
        self.claim.services.append(self.service)

    def _dtm(self, segment: list[str]) -> None:
        if self.service is not None and _get(segment, 1) == "472":
            self.service.service_date = _date(_get(segment, 2), "DTM*472 (date of service)")

    def _cas(self, segment: list[str]) -> None:
        if self.claim is None:
            return
        target = self.service.adjustments if self.service is not None else self.claim.adjustments
        group = _get(segment, 1)
        # Up to six reason / amount / quantity triplets follow the group code.
        for start in range(2, 20, 3):
            reason = _get(segment, start)
            if reason:
                amount = _money(segment, start + 1, f"CAS {group[:2]} {reason[:5]}")
                target.append(Adjustment(group[:2], reason[:5], amount))

    def _lq(self, segment: list[str]) -> None:
        if self.service is not None and _get(segment, 1) == "HE":
            self.service.remarks.append(_get(segment, 2)[:8])

    def _se(self, segment: list[str]) -> None:
        self.claim, self.service = None, None


def parse(text: str) -> Advice:
    """The remittance the file describes; a refusal naming the problem when it is not an 835
    of this guide, or a segment the posting needs is missing or malformed."""
    transaction, version = header(text)
    if transaction != "835":
        raise RemittanceFileError(
            f"This is an X12 {transaction[:3] or 'unknown'} file, not an 835 remittance."
        )
    if version != VERSION:
        raise RemittanceFileError(
            f"This 835 is version {version[:12] or 'unknown'}; {VERSION} is the one read."
        )
    reader = _Reader(Advice(transaction=transaction, version=version))
    for segment in _segments(text):
        reader.read(segment)
    advice = reader.advice
    if not advice.trace_number:
        raise RemittanceFileError("The file has no TRN segment: no check or EFT number.")
    if advice.paid_on is None:
        raise RemittanceFileError("The file has no BPR segment: the payment is missing.")
    if not advice.claims:
        raise RemittanceFileError("The file has no claims (CLP segments).")
    return advice


# --- writing an 835 ----------------------------------------------------------------------------


def _text(value: str, limit: int) -> str:
    return " ".join(_UNSAFE.sub(" ", value).upper().split())[:limit]


def _amount(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'))}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class PayerParty:
    name: str
    payer_id: str
    tax_id: str = "1999999999"  # TRN03: "1" and the payer's EIN
    address: str = "PO BOX 1"
    city: str = "HARTFORD"
    state: str = "CT"
    zip_code: str = "06101"


@dataclass
class PayeeParty:
    name: str
    npi: str


@dataclass
class ClaimToPay:
    """One claim's outcome to write: CLP plus one SVC per line."""

    control_number: str
    status_code: str  # 1 processed as primary, 4 denied
    member_last: str
    member_first: str
    member_id: str
    payer_claim_number: str
    facility_code: str  # CLP08: the bill type's first two digits, or the place of service
    frequency_code: str
    services: list[ServicePayment]


def render(
    *,
    payer: PayerParty,
    payee: PayeeParty,
    claims: list[ClaimToPay],
    trace_number: str,
    paid_on: datetime.date,
    control_number: int,
    created: datetime.datetime,
    sender_id: str,
    receiver_id: str,
) -> str:
    """An 835 paying (or denying) these claims by check, as text."""
    total = sum((s.paid for c in claims for s in c.services), Decimal("0"))
    if total > 0:
        bpr = ["BPR", "I", _amount(total), "C", "CHK", *[""] * 11, f"{paid_on:%Y%m%d}"]
    else:
        bpr = ["BPR", "H", "0", "C", "NON", *[""] * 11, f"{paid_on:%Y%m%d}"]
    body: list[list[str]] = [
        ["ST", "835", "0001"],
        bpr,
        ["TRN", "1", _text(trace_number, 50), payer.tax_id],
        ["DTM", "405", f"{paid_on:%Y%m%d}"],
        ["N1", "PR", _text(payer.name, 60)],
        ["N3", _text(payer.address, 55)],
        ["N4", _text(payer.city, 30), payer.state, payer.zip_code],
        ["REF", "2U", _text(payer.payer_id, 50)],
        ["PER", "BL", "PROVIDER SERVICES", "TE", "8005550100"],
        ["N1", "PE", _text(payee.name, 60), "XX", payee.npi],
        ["LX", "1"],
    ]
    for claim in claims:
        charge = sum((s.charge for s in claim.services), Decimal("0"))
        paid = sum((s.paid for s in claim.services), Decimal("0"))
        owed = sum(
            (a.amount for s in claim.services for a in s.adjustments if a.group == "PR"),
            Decimal("0"),
        )
        clp = ["CLP", claim.control_number, claim.status_code, _amount(charge), _amount(paid)]
        clp += [_amount(owed) if owed else "", "12", _text(claim.payer_claim_number, 50)]
        clp += [claim.facility_code, claim.frequency_code]
        body.append(clp)
        body.append(["NM1", "QC", "1", _text(claim.member_last, 60),
                     _text(claim.member_first, 35), "", "", "", "MI",
                     _text(claim.member_id, 80)])  # fmt: skip
        for service in claim.services:
            body.append(["SVC", f"HC:{service.procedure_code}", _amount(service.charge),
                         _amount(service.paid), "", "1"])  # fmt: skip
            if service.service_date is not None:
                body.append(["DTM", "472", f"{service.service_date:%Y%m%d}"])
            by_group: dict[str, list[Adjustment]] = {}
            for adjustment in service.adjustments:
                by_group.setdefault(adjustment.group, []).append(adjustment)
            for group, adjustments in by_group.items():
                cas = ["CAS", group]
                for adjustment in adjustments[:6]:
                    cas += [adjustment.reason, _amount(adjustment.amount), ""]
                while cas and cas[-1] == "":
                    cas.pop()
                body.append(cas)
            for remark in service.remarks:
                body.append(["LQ", "HE", remark])
    body.append(["SE", str(len(body) + 1), "0001"])
    segments = [
        ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender_id.ljust(15)[:15], "ZZ",
         receiver_id.ljust(15)[:15], created.strftime("%y%m%d"), created.strftime("%H%M"), "^",
         "00501", f"{control_number:09d}", "0", "T", ":"],
        ["GS", "HP", sender_id, receiver_id, created.strftime("%Y%m%d"), created.strftime("%H%M"),
         str(control_number), "X", VERSION],
        *body,
        ["GE", "1", str(control_number)],
        ["IEA", "1", f"{control_number:09d}"],
    ]  # fmt: skip
    return "".join("*".join(segment) + "~\n" for segment in segments)
