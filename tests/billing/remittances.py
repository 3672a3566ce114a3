"""Test 835 files for claims built through the real services: each claim's lines paid in full
unless told otherwise."""

import datetime
from decimal import Decimal
from typing import Any

from billing import remit
from billing.models import Claim, ClaimLine
from iop.models import Patient
from iop.tenancy import clinic_context

# A line's outcome: (paid, [(group, reason, amount)], [remark codes]); absent: paid in full.
Outcome = tuple[Decimal, list[tuple[str, str, Decimal]], list[str]]


def denied(charge: Decimal, reason: str = "197", remarks: tuple[str, ...] = ()) -> Outcome:
    return Decimal("0"), [("CO", reason, charge)], list(remarks)


def partial(charge: Decimal, write_down: str = "30", coinsurance: str = "20") -> Outcome:
    w, c = Decimal(write_down), Decimal(coinsurance)
    return charge - w - c, [("CO", "45", w), ("PR", "2", c)], []


def file_835(
    claims: list[Claim], *, outcomes: dict[tuple[int, int], Outcome] | None = None,
    trace: str = "CHK1001", payer_id: str | None = None, payer_name: str | None = None,
    paid_on: datetime.date = datetime.date(2026, 11, 25),
    control_numbers: dict[int, str] | None = None,
) -> str:  # fmt: skip
    """An 835 paying `claims`; `outcomes[(claim index, line index)]` changes one line."""
    outcomes, control_numbers = outcomes or {}, control_numbers or {}
    first = claims[0]
    with clinic_context(first.clinic_id):
        payer = first.payer
        paid: list[remit.ClaimToPay] = []
        for ci, claim in enumerate(claims):
            patient = Patient.objects.get(pk=claim.patient_id)
            services: list[remit.ServicePayment] = []
            lines = ClaimLine.objects.filter(claim_id=claim.pk).order_by("service_date")
            for li, line in enumerate(lines):
                charge = line.charge * line.units
                amount, adjustments, remarks = outcomes.get((ci, li), (charge, [], []))
                services.append(remit.ServicePayment(
                    line.procedure_code, charge, amount, line.service_date,
                    [remit.Adjustment(g, r, a) for g, r, a in adjustments], remarks,
                ))  # fmt: skip
            paid.append(remit.ClaimToPay(
                control_number=control_numbers.get(ci, f"C{claim.pk}"),
                status_code="4" if all(s.paid == 0 for s in services) else "1",
                member_last=patient.legal_last_name, member_first=patient.legal_first_name,
                member_id=claim.member_id, payer_claim_number=f"PCN{claim.pk}",
                facility_code="13", frequency_code=claim.frequency_code, services=services,
            ))  # fmt: skip
    return remit.render(
        payer=remit.PayerParty(name=payer_name or payer.name, payer_id=payer_id or payer.payer_id),
        payee=remit.PayeeParty(name="CLINIC IOP", npi="1234567893"), claims=paid,
        trace_number=trace, paid_on=paid_on, control_number=7,
        created=datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC),
        sender_id=payer.payer_id, receiver_id="123456789",
    )  # fmt: skip


def charge_of(claim: Claim) -> Any:
    with clinic_context(claim.clinic_id):
        return ClaimLine.objects.filter(claim_id=claim.pk).first().charge  # type: ignore[union-attr]
