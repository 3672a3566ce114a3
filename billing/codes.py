"""Remittance codes in words: Claim Adjustment Reason Codes (CARC), Remittance Advice Remark
Codes (RARC) and the claim adjustment group codes of an 835, with the published wording
(X12 / CMS code lists) shortened to what a biller reads in a table. The codes here are the
ones clinics see most on IOP per-diem claims; any other is shown as its code, "unknown code".

`CARC_BLOCKER` names, for a denial reason, the claim-readiness blocker (selectors.BLOCKERS)
that would have held the day back before submission: the denial the worklist exists to
prevent. The names are `selectors.Blocker`'s (this module is below selectors, which reads
it; a test holds every name here to that list)."""

GROUPS: dict[str, str] = {
    "CO": "Contractual obligation (the clinic writes it off)",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "CR": "Correction or reversal",
}

CARC: dict[str, str] = {
    "1": "Deductible amount",
    "2": "Coinsurance amount",
    "3": "Co-payment amount",
    "4": "The procedure code is inconsistent with the modifier used, or a modifier is missing",
    "5": "The procedure code or bill type is inconsistent with the place of service",
    "11": "The diagnosis is inconsistent with the procedure",
    "15": "The authorization number is missing, invalid, or does not apply to the service",
    "16": "The claim lacks information or has submission/billing errors",
    "18": "Exact duplicate claim or service",
    "22": "This care may be covered by another payer (coordination of benefits)",
    "23": "The impact of prior payer(s) adjudication, including payments and adjustments",
    "27": "Expenses incurred after coverage terminated",
    "29": "The time limit for filing has expired",
    "45": "Charge exceeds the fee schedule or maximum allowable amount",
    "50": "Not deemed a medical necessity by the payer",
    "62": "Payment denied or reduced for absent or exceeded precertification/authorization",
    "96": "Non-covered charge(s)",
    "97": "The benefit for this service is included in another service already adjudicated",
    "109": "Claim or service not covered by this payer; send it to the correct payer",
    "119": "Benefit maximum for this time period or occurrence has been reached",
    "167": "This diagnosis is not covered",
    "170": "Payment is denied when performed or billed by this type of provider",
    "181": "The procedure code was invalid on the date of service",
    "182": "The procedure modifier was invalid on the date of service",
    "197": "Precertification, notification or authorization absent",
    "198": "Precertification, notification or authorization exceeded",
    "204": "This service is not covered under the patient's current benefit plan",
    "242": "Services not provided by network or primary care providers",
    "252": "An attachment or other documentation is required to adjudicate this claim",
}

RARC: dict[str, str] = {
    "M15": "Separately billed services or tests have been bundled into another payment",
    "M51": "Missing, incomplete or invalid procedure code(s)",
    "M76": "Missing, incomplete or invalid diagnosis or condition",
    "MA04": "Secondary payment cannot be considered without the primary payer's information",
    "MA130": "The claim has incomplete or invalid information; submit a new claim",
    "N4": "Missing, incomplete or invalid prior insurance carrier EOB",
    "N30": "The patient is ineligible for this service",
    "N54": "The claim information is inconsistent with the pre-certified or authorized services",
    "N290": "Missing, incomplete or invalid rendering provider primary identifier",
    "N351": "The service date falls outside the authorization's approved dates",
    "N362": "The number of days or units of service exceeds the acceptable maximum",
    "N479": "Missing the explanation of benefits (coordination of benefits or liability)",
}

# Denial reason → the readiness blocker that catches it before the claim goes out.
CARC_BLOCKER: dict[str, str] = {
    "15": "no_authorization",
    "62": "no_authorization",
    "197": "no_authorization",
    "198": "units_used_up",
    "119": "units_used_up",
    "27": "no_coverage",
    "109": "payer_not_set_up",
    "22": "coverage_unverified",
    "16": "provider_incomplete",
    "50": "note_unsigned",
    "11": "no_primary_diagnosis",
    "167": "no_primary_diagnosis",
    "252": "note_unsigned",
}
# A remark code is more specific than its reason code where both are given.
RARC_BLOCKER: dict[str, str] = {
    "MA130": "provider_incomplete",
    "N290": "provider_incomplete",
    "M76": "no_primary_diagnosis",
    "N362": "units_used_up",
    "N351": "no_authorization",
    "N54": "no_authorization",
    "N30": "no_coverage",
}
# Reasons with no readiness blocker but a name of their own on the worklist.
DUPLICATE = "duplicate"
OTHER_CAUSES: dict[str, str] = {
    "18": DUPLICATE,
    "97": DUPLICATE,
}
CAUSE_LABELS: dict[str, str] = {DUPLICATE: "Duplicate of a service already billed"}


# Adjustments that are no refusal by the payer: what the patient owes (group PR) and the
# contractual write-down to the fee schedule (CO-45).
NOT_DENIED: tuple[tuple[str, str | None], ...] = (("PR", None), ("CO", "45"))


def not_denied(group: str, reason: str) -> bool:
    return any(group == g and (r is None or reason == r) for g, r in NOT_DENIED)


def unknown(code: str) -> str:
    return f"{code}: unknown code"


def carc_text(code: str) -> str:
    return CARC.get(code) or unknown(code)


def rarc_text(code: str) -> str:
    return RARC.get(code) or unknown(code)


def group_text(code: str) -> str:
    return GROUPS.get(code) or unknown(code)


def blocker_for(reasons: list[str], remarks: list[str]) -> str | None:
    """The readiness blocker (or other named cause) that would have caught a denial with
    these reason and remark codes; None when no check of ours would have."""
    for code in remarks:
        if code in RARC_BLOCKER:
            return RARC_BLOCKER[code]
    for code in reasons:
        if code in CARC_BLOCKER:
            return CARC_BLOCKER[code]
        if code in OTHER_CAUSES:
            return OTHER_CAUSES[code]
    return None
