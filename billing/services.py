"""Writes for billing set-up. Each is atomic inside the clinic's context and writes its audit
event (field names only) in the same transaction."""

import csv
import datetime
import hashlib
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from iop import clock
from iop.audit import audit_records
from iop.models import Clinic, Patient, User
from iop.models.audit import AuditAction
from iop.services import DomainError, TransitionRefusedError, audit_record
from iop.services.core import apply_changes, validate_and_save
from iop.tenancy import clinic_context

from . import codes, remit, selectors, tasks, x12
from .models import (
    CLAIM_TRANSITIONS,
    BillingProvider,
    Claim,
    ClaimFile,
    ClaimFileStatus,
    ClaimLine,
    ClaimStatus,
    FrequencyCode,
    LineOutcome,
    Payer,
    PayerConsent,
    Remittance,
    RemittanceLine,
)

PAYER_FIELDS = (
    "name", "payer_id", "claim_format", "program_code", "revenue_code", "place_of_service",
    "bill_type", "rate_per_unit", "authorization_required", "timely_filing_days", "is_active",
)  # fmt: skip
PROVIDER_FIELDS = (
    "site", "name", "npi", "tax_id", "taxonomy", "address", "city", "state", "zip_code",
)  # fmt: skip


def _save(instance: Any, *, clinic: Clinic, actor: User, action: str, fields: list[str]) -> None:
    validate_and_save(instance)
    audit_record(
        clinic=clinic, actor=actor, action=action, obj=instance,
        patient_id=getattr(instance, "patient_id", None), changed_fields=fields,
    )  # fmt: skip


def payer_create(*, clinic: Clinic, actor: User, **fields: Any) -> Payer:
    with clinic_context(clinic.pk):
        payer = Payer(clinic=clinic, **{k: v for k, v in fields.items() if k in PAYER_FIELDS})
        _save(payer, clinic=clinic, actor=actor, action=AuditAction.CREATE, fields=list(fields))
    return payer


def payer_update(payer: Payer, *, actor: User, **fields: Any) -> Payer:
    with clinic_context(payer.clinic_id):
        changed = apply_changes(payer, {k: v for k, v in fields.items() if k in PAYER_FIELDS})
        if changed:
            _save(payer, clinic=payer.clinic, actor=actor, action=AuditAction.CHANGE,
                  fields=changed)  # fmt: skip
    return payer


def provider_create(*, clinic: Clinic, actor: User, **fields: Any) -> BillingProvider:
    with clinic_context(clinic.pk):
        provider = BillingProvider(
            clinic=clinic, **{k: v for k, v in fields.items() if k in PROVIDER_FIELDS}
        )
        _save(provider, clinic=clinic, actor=actor, action=AuditAction.CREATE, fields=list(fields))
    return provider


def provider_update(provider: BillingProvider, *, actor: User, **fields: Any) -> BillingProvider:
    with clinic_context(provider.clinic_id):
        changed = apply_changes(provider, {k: v for k, v in fields.items() if k in PROVIDER_FIELDS})
        if changed:
            _save(provider, clinic=provider.clinic, actor=actor, action=AuditAction.CHANGE,
                  fields=changed)  # fmt: skip
    return provider


def payer_consent_record(
    *, patient: Patient, payer: Payer, actor: User, **fields: Any
) -> PayerConsent:
    """A Part 2 patient's consent to disclose to `payer` for payment (§2.31)."""
    with clinic_context(patient.clinic_id):
        consent = PayerConsent(clinic_id=patient.clinic_id, patient=patient, payer=payer, **fields)
        _save(consent, clinic=patient.clinic, actor=actor, action=AuditAction.CREATE,
              fields=["payer", *fields])  # fmt: skip
    return consent


# --- Claims ------------------------------------------------------------------------------------


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def claims_build(
    *, clinic: Clinic, actor: User, start: datetime.date, end: datetime.date
) -> list[Claim]:
    """Ready days become claim lines, one unit a day, grouped into one draft claim per
    patient, payer and calendar month. Readiness does not offer a day already on a live claim
    (`selectors.claimed_days`), so building twice adds nothing."""
    with clinic_context(clinic.pk):
        readiness = selectors.claim_readiness(clinic=clinic, start=start, end=end)
        groups: dict[tuple[int, int, datetime.date], list[selectors.BillableDay]] = defaultdict(
            list
        )
        for day in readiness.days:
            if day.ready and day.payer is not None:
                groups[(day.patient.pk, day.payer.pk, day.day.replace(day=1))].append(day)
        claims: list[Claim] = []
        days_of: list[list[selectors.BillableDay]] = []
        for (_patient, _payer, month), days in sorted(groups.items()):
            first = days[0]
            payer, coverage = first.payer, first.coverage
            if payer is None or coverage is None:  # a ready day has both
                continue
            codes = list(dict.fromkeys(first.diagnosis_codes))[:12]
            claim = Claim(
                clinic=clinic, patient=first.patient, payer=payer, enrollment=first.enrollment,
                member_id=coverage.member_id, claim_format=payer.claim_format,
                period_start=month, period_end=_month_end(month), diagnosis_codes=codes,
                authorization_number=first.authorization.number if first.authorization else "",
            )  # fmt: skip
            # The references come from readiness's own reads of this clinic: checking each
            # again would cost queries per claim.
            claim.full_clean(exclude=["clinic", "patient", "payer", "enrollment", "replaces"])
            claims.append(claim)
            days_of.append(days)
        # A fixed number of writes whatever the number of claims: the claims, their lines,
        # one audit event each.
        Claim.objects.bulk_create(claims)
        ClaimLine.objects.bulk_create(
            ClaimLine(
                clinic=clinic,
                claim=claim,
                patient=claim.patient,
                service_date=d.day,
                procedure_code=claim.payer.program_code,
                revenue_code=claim.payer.revenue_code,
                place_of_service=claim.payer.place_of_service,
                units=1,
                charge=claim.payer.rate_per_unit,
                authorization_number=d.authorization.number if d.authorization else "",
                authorization=d.authorization,
                diagnosis_pointers=list(range(1, min(len(claim.diagnosis_codes), 4) + 1)),
            )
            for claim, days in zip(claims, days_of, strict=True)
            for d in days
        )
        audit_records(
            clinic_id=clinic.pk, actor=actor, action=AuditAction.CREATE, objs=claims,
            changed_fields=["lines"],
        )  # fmt: skip
    return claims


def claim_set_status(claim: Claim, *, actor: User, status: str) -> Claim:
    """The one way a claim changes state: a move the transition table allows, or a refusal."""
    with clinic_context(claim.clinic_id):
        locked = Claim.objects.select_for_update().get(clinic_id=claim.clinic_id, pk=claim.pk)
        if status not in CLAIM_TRANSITIONS[locked.status]:
            raise TransitionRefusedError(
                current=locked.status, requested=status, allowed=CLAIM_TRANSITIONS[locked.status]
            )
        claim.status = status
        fields = ["status"]
        if status == ClaimStatus.SUBMITTED:
            claim.submitted_at = clock.now()
            fields.append("submitted_at")
        claim.save(update_fields=fields)
        audit_record(
            clinic=claim.clinic, actor=actor, action=AuditAction.CHANGE, obj=claim,
            patient_id=claim.patient_id, changed_fields=fields,
        )  # fmt: skip
    return claim


def claim_replace(claim: Claim, *, actor: User) -> Claim:
    """A correction of a submitted claim: a new draft with frequency code 7 that points at it
    and carries its lines, to be corrected and submitted in its place."""
    with clinic_context(claim.clinic_id):
        if claim.status not in (ClaimStatus.SUBMITTED, ClaimStatus.PAID, ClaimStatus.DENIED):
            raise DomainError("Only a submitted claim is replaced; change a draft directly.")
        lines = list(claim.lines.all())
        replacement = Claim(
            clinic_id=claim.clinic_id, patient_id=claim.patient_id, payer_id=claim.payer_id,
            enrollment_id=claim.enrollment_id, member_id=claim.member_id,
            claim_format=claim.claim_format, period_start=claim.period_start,
            period_end=claim.period_end, diagnosis_codes=claim.diagnosis_codes,
            authorization_number=claim.authorization_number,
            frequency_code=FrequencyCode.REPLACEMENT, replaces=claim,
        )  # fmt: skip
        validate_and_save(replacement)
        for line in lines:
            line.pk, line.claim = None, replacement
        ClaimLine.objects.bulk_create(lines)
        audit_record(
            clinic=replacement.clinic, actor=actor, action=AuditAction.CREATE, obj=replacement,
            patient_id=replacement.patient_id, changed_fields=["replaces"],
        )  # fmt: skip
    return replacement


# --- Claim files -------------------------------------------------------------------------------

CSV_HEADER = [
    "claim", "frequency", "record_number", "member_id", "payer_id", "service_date",
    "procedure_code", "revenue_code", "place_of_service", "units", "charge",
    "authorization_number", "diagnosis_codes",
]  # fmt: skip


def claim_file_request(
    *, clinic: Clinic, actor: User, claim_format: str, claim_ids: list[int]
) -> ClaimFile:
    """Queue an 837 file for these claims (all of `claim_format`, none a draft); the worker
    writes it once this transaction commits."""
    with clinic_context(clinic.pk):
        claims = list(Claim.objects.filter(clinic=clinic, pk__in=claim_ids))
        if not claims or len(claims) != len(set(claim_ids)):
            raise ValidationError({"claims": "Choose claims of this clinic."})
        if any(c.claim_format != claim_format for c in claims):
            raise ValidationError({"claims": f"Every claim in an {claim_format} file is one."})
        if any(c.status == ClaimStatus.DRAFT for c in claims):
            raise ValidationError({"claims": "Mark the claims ready before writing the file."})
        if BillingProvider.objects.filter(clinic=clinic, site__isnull=True).first() is None:
            raise ValidationError({"claims": "Add the clinic's billing provider first."})
        claim_file = ClaimFile(
            clinic=clinic, claim_format=claim_format, created_by=actor,
            claim_ids=sorted(c.pk for c in claims),
        )  # fmt: skip
        validate_and_save(claim_file)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=claim_file)
        file_id = claim_file.pk
        tasks.write_claim_file.delay_on_commit(clinic_id=clinic.pk, claim_file_id=file_id)
    return claim_file


def claim_file_write(*, clinic_id: int, claim_file_id: int) -> None:
    """In the worker: write the 837 and the CSV, claim by claim (progress shown on the page),
    store them with the 837's SHA-256. A file already written is left as it is."""
    with clinic_context(clinic_id):
        claim_file = ClaimFile.objects.select_for_update().get(pk=claim_file_id)
        if claim_file.status == ClaimFileStatus.DONE:
            return
        clinic = Clinic.objects.get(pk=clinic_id)
        provider = BillingProvider.objects.get(clinic=clinic, site__isnull=True)
        claims = list(
            Claim.objects.filter(clinic=clinic, pk__in=claim_file.claim_ids)
            .select_related("patient", "payer", "replaces")
            .order_by("id")
        )
        lines: dict[int, list[ClaimLine]] = defaultdict(list)
        for line in ClaimLine.objects.filter(clinic=clinic, claim_id__in=claim_file.claim_ids):
            lines[line.claim_id].append(line)
        pairs = []
        for count, claim in enumerate(claims, start=1):
            pairs.append((claim, sorted(lines[claim.pk], key=lambda line: line.service_date)))
            ClaimFile.objects.filter(pk=claim_file.pk).update(
                progress=count, status=ClaimFileStatus.RENDERING
            )
        interchange = x12.Interchange(
            sender_id=provider.tax_id.replace("-", ""), receiver_id=claims[0].payer.payer_id,
            control_number=claim_file.pk, created=clock.local_now(clinic),
        )  # fmt: skip
        content = x12.render_837(
            claim_format=claim_file.claim_format, provider=provider, claims=pairs,
            interchange=interchange, contact=provider.name, phone=clinic.phone,
        )  # fmt: skip
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for claim, claim_lines in pairs:
            for line in claim_lines:
                writer.writerow([
                    claim.pk, claim.frequency_code, claim.patient.record_number, claim.member_id,
                    claim.payer.payer_id, line.service_date.isoformat(), line.procedure_code,
                    line.revenue_code, line.place_of_service, line.units, line.charge,
                    line.authorization_number, " ".join(claim.diagnosis_codes),
                ])  # fmt: skip
        claim_file.content, claim_file.csv = content, out.getvalue()
        claim_file.sha256 = hashlib.sha256(content.encode()).hexdigest()
        claim_file.status, claim_file.progress = ClaimFileStatus.DONE, len(claims)
        claim_file.finished_at = clock.now()
        claim_file.save()


def claim_file_mark_failed(*, clinic_id: int, claim_file_id: int, error_code: str) -> None:
    with clinic_context(clinic_id):
        ClaimFile.objects.filter(pk=claim_file_id).exclude(status=ClaimFileStatus.DONE).update(
            status=ClaimFileStatus.FAILED, error_code=error_code
        )


def claim_file_download(claim_file: ClaimFile, *, actor: User, kind: str) -> tuple[str, str, str]:
    """A written file's body, file name and media type: the 837 (`kind` "837") or its CSV.
    The download is audited as a disclosure (`claim_file_downloaded`)."""
    if claim_file.status != ClaimFileStatus.DONE:
        raise DomainError("The file is not written yet; it can be downloaded when it is.")
    claim_file_downloaded(claim_file, actor=actor)
    body, suffix, mime = (
        (claim_file.content, "x12", "application/edi-x12")
        if kind == "837"
        else (claim_file.csv, "csv", "text/csv")
    )
    return body, f"{claim_file.claim_format}-{claim_file.pk}.{suffix}", mime


def claim_file_downloaded(claim_file: ClaimFile, *, actor: User) -> None:
    """A download is a disclosure to the payer: one export event per claim on the file, with
    its patient."""
    with clinic_context(claim_file.clinic_id):
        claims = list(
            Claim.objects.filter(clinic_id=claim_file.clinic_id, pk__in=claim_file.claim_ids)
        )
        audit_records(
            clinic_id=claim_file.clinic_id, actor=actor, action=AuditAction.EXPORT, objs=claims
        )


# --- Remittances (835) -------------------------------------------------------------------------

MAX_REMITTANCE_BYTES = 5 * 1024 * 1024


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def remittance_too_large() -> ValidationError:
    return _refuse("The file is larger than 5 MB; an 835 of one payment is far smaller.")


def _denied(adjustment: remit.Adjustment) -> bool:
    return not codes.not_denied(adjustment.group, adjustment.reason)


def _outcome(service: remit.ServicePayment) -> str:
    if service.paid <= 0:
        return LineOutcome.DENIED
    return LineOutcome.PAID if service.paid >= service.charge else LineOutcome.PARTIAL


def _claim_status(outcomes: list[str], current: str) -> str:
    """Paid when every posted line is paid in full, denied when none is paid, adjusted
    otherwise; a claim already paid is adjusted by any later posting."""
    if current == ClaimStatus.PAID:
        return ClaimStatus.ADJUSTED
    if all(o == LineOutcome.PAID for o in outcomes):
        return ClaimStatus.PAID
    if all(o == LineOutcome.DENIED for o in outcomes):
        return ClaimStatus.DENIED
    return ClaimStatus.ADJUSTED


def _decode(content: bytes) -> str:
    if not content:
        raise _refuse("The file is empty.")
    if len(content) > MAX_REMITTANCE_BYTES:
        raise remittance_too_large()
    if b"\x00" in content:
        raise _refuse("This is not an X12 file: it holds binary data.")
    try:
        return content.decode("ascii")
    except UnicodeDecodeError:
        raise _refuse("This is not an X12 file: X12 835 files are plain ASCII text.") from None


def _advice(text: str) -> remit.Advice:
    try:
        transaction, _version = remit.header(text)
        if transaction != "835":
            return remit.parse(text)  # refuses, naming the file's transaction set
        errors = remit.validate(text)
        if errors:
            shown = "; ".join(e.rstrip(".") for e in errors[: remit.MAX_ERRORS_SHOWN])
            more = len(errors) - remit.MAX_ERRORS_SHOWN
            extra = f" (and {more} more)" if more > 0 else ""
            raise _refuse(f"The file fails X12 835 validation: {shown}{extra}.")
        return remit.parse(text)
    except remit.RemittanceFileError as exc:
        raise _refuse(str(exc)) from None


def _payer_of(clinic: Clinic, advice: remit.Advice) -> Payer:
    rows = Payer.objects.filter(clinic=clinic)
    if advice.payer_id:
        payer = rows.filter(payer_id__iexact=advice.payer_id).first()
    else:
        payer = rows.filter(name__iexact=advice.payer_name).first()
    if payer is None:
        named = f"payer id {advice.payer_id}" if advice.payer_id else advice.payer_name
        raise _refuse(f"The file's payer ({named[:60]}) is not one of this clinic's payers.")
    return payer


Matched = list[tuple[remit.ClaimPayment, Claim, list[tuple[remit.ServicePayment, ClaimLine]]]]


def _claims_of(clinic: Clinic, payer: Payer, advice: remit.Advice) -> dict[str, Claim]:
    """Our claim (locked) for each CLP01, or a refusal naming the numbers that are not ours,
    or not this payer's."""
    wanted: dict[str, int] = {}
    unknown = []
    for payment in advice.claims:
        found = remit.CONTROL_NUMBER.match(payment.control_number)
        if found:
            wanted[payment.control_number] = int(found.group(1))
        else:
            unknown.append(payment.control_number[:20] or "(empty)")
    claims = {
        c.pk: c
        for c in Claim.objects.select_for_update().filter(clinic=clinic, pk__in=wanted.values())
    }
    unknown += [number for number, pk in wanted.items() if pk not in claims]
    if unknown:
        raise _refuse(f"Claim numbers not found in this clinic: {', '.join(sorted(unknown))}.")
    if len(wanted) != len(advice.claims):
        raise _refuse("A claim appears twice in the file; each claim is paid once per file.")
    foreign = sorted(f"C{c.pk}" for c in claims.values() if c.payer_id != payer.pk)
    if foreign:
        raise _refuse(f"Claims {', '.join(foreign)} were billed to another payer, not {payer}.")
    return {number: claims[pk] for number, pk in wanted.items()}


def _lines_of(
    payment: remit.ClaimPayment, claim: Claim, lines: dict[tuple[int, datetime.date], ClaimLine]
) -> list[tuple[remit.ServicePayment, ClaimLine]]:
    number = f"C{claim.pk}"
    if payment.status_code == "22":
        raise _refuse(f"Claim {number} is a reversal (CLP02 22): post reversals by hand.")
    if not set(CLAIM_TRANSITIONS[claim.status]) & {
        ClaimStatus.PAID, ClaimStatus.DENIED, ClaimStatus.ADJUSTED
    }:  # fmt: skip
        raise _refuse(
            f"Claim {number} is {claim.get_status_display().lower()}: only a submitted or "
            "paid claim takes a remittance."
        )
    if not payment.services:
        raise _refuse(f"Claim {number} has no service lines (SVC): nothing to post.")
    pairs, seen = [], set()
    for index, service in enumerate(payment.services, start=1):
        where = f"Claim {number}, service line {index}"
        if service.service_date is None:
            raise _refuse(f"{where} has no date of service (DTM*472).")
        line = lines.get((claim.pk, service.service_date))
        if line is None or line.pk in seen:
            raise _refuse(f"{where} matches no line of the claim by its date of service.")
        adjusted = sum((a.amount for a in service.adjustments), Decimal("0"))
        if service.charge - adjusted != service.paid:
            raise _refuse(f"{where}: the charge less its adjustments is not the amount paid.")
        seen.add(line.pk)
        pairs.append((service, line))
    return pairs


def _match(clinic: Clinic, payer: Payer, advice: remit.Advice) -> Matched:
    """Each CLP with our claim and each SVC with our claim line, or a refusal that names the
    claim numbers (ours, no patient data) and what does not match."""
    claims = _claims_of(clinic, payer, advice)
    lines: dict[tuple[int, datetime.date], ClaimLine] = {
        (line.claim_id, line.service_date): line
        for line in ClaimLine.objects.filter(
            clinic=clinic, claim_id__in=[c.pk for c in claims.values()]
        )
    }
    matched = [
        (payment, claims[payment.control_number],
         _lines_of(payment, claims[payment.control_number], lines))
        for payment in advice.claims
    ]  # fmt: skip
    paid = sum((p.paid for p in advice.claims), Decimal("0"))
    if paid != advice.payment_amount:
        raise _refuse("The payment (BPR02) is not the sum of the claims' paid amounts (CLP04).")
    return matched


def remittance_import(*, clinic: Clinic, actor: User, content: bytes) -> Remittance:
    """Post an 835: validate it with pyx12, match each claim and line, store the remittance
    and each line's payment and adjustments, and move each claim to paid / denied / adjusted
    through the transition table, all in one transaction. Any refusal changes nothing."""
    text = _decode(content)
    digest = hashlib.sha256(content).hexdigest()
    advice = _advice(text)
    with clinic_context(clinic.pk):
        before = Remittance.objects.filter(clinic=clinic, sha256=digest).first()
        payer = _payer_of(clinic, advice) if before is None else before.payer
        before = (
            before
            or Remittance.objects.filter(
                clinic=clinic, payer=payer, trace_number=advice.trace_number
            ).first()
        )
        if before is not None:
            on = clock.local_date(clinic, before.created_at)
            what = "file" if before.sha256 == digest else f"payment {before.trace_number}"
            raise _refuse(f"This {what} was already imported on {on:%b %-d, %Y} "
                          f"(remittance {before.pk}); nothing was posted again.")  # fmt: skip
        matched = _match(clinic, payer, advice)
        services_ = [s for _, _, pairs in matched for s, _ in pairs]
        remittance = Remittance(
            clinic=clinic, payer=payer, sha256=digest, trace_number=advice.trace_number,
            payment_method=advice.payment_method, paid_on=advice.paid_on or clock.today(clinic),
            payment_amount=advice.payment_amount,
            total_charge=sum((s.charge for s in services_), Decimal("0")),
            total_paid=sum((s.paid for s in services_), Decimal("0")),
            claim_count=len(matched), content=text, created_by=actor,
        )  # fmt: skip
        validate_and_save(remittance)
        rows = []
        for payment, claim, pairs in matched:
            outcomes = []
            for service, line in pairs:
                outcome = _outcome(service)
                outcomes.append(outcome)
                rows.append(RemittanceLine(
                    clinic=clinic, remittance=remittance, claim=claim, claim_line=line,
                    patient_id=claim.patient_id, service_date=line.service_date,
                    charge=service.charge, paid=service.paid, outcome=outcome,
                    adjustments=[a.as_json() for a in service.adjustments],
                    reasons=list(dict.fromkeys(a.reason for a in service.adjustments)),
                    denied_amount=sum(
                        (a.amount for a in service.adjustments if _denied(a)), Decimal("0")
                    ),
                    remarks=list(dict.fromkeys(service.remarks)),
                ))  # fmt: skip
            if payment.payer_claim_number and not claim.payer_claim_number:
                claim.payer_claim_number = payment.payer_claim_number
                claim.save(update_fields=["payer_claim_number"])
            claim_set_status(claim, actor=actor, status=_claim_status(outcomes, claim.status))
        RemittanceLine.objects.bulk_create(rows)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=remittance,
                     changed_fields=["lines"])  # fmt: skip
    return remittance
