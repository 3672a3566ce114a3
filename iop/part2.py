"""42 CFR Part 2: the words a disclosure made with the patient's consent carries, and the
consent texts (revocation, a minor's signatures). The one source: every disclosure path (the
aftercare PDF, the notes API, sharing with family and its API) takes its words from here."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop

from iop import clock

# 42 CFR §2.32(a)(1), as amended in 2024: the notice every disclosure made with the
# patient's consent carries. Disclosures carry it in English, as the rule writes it; a form
# the patient reads shows `gettext(PART2_NOTICE)`, the catalog's translation for them.
PART2_NOTICE = gettext_noop(
    "This record which has been disclosed to you is protected by Federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (i) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. "
    "(ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record "
    "from a covered entity or business associate as permitted by 45 CFR part 164, subparts A "
    "and E. A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or redisclose "
    "the record (see 42 CFR 2.31)."
)

# §2.32(a)(2), Statement 2: the short form the rule allows instead of Statement 1. We always
# send Statement 1; the short one is kept here so no other module writes its own.
PART2_NOTICE_SHORT = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."

# Sources for the texts below: 42 CFR part 2 as amended by the final rule of 16 February
# 2024 (89 FR 12472): §2.31(a)(6) consent must state "the patient's right to revoke the
# consent in writing, except to the extent that the part 2 program ... has already acted in
# reliance on it, and how the patient may revoke consent"; §2.31(a)(8) and §2.14 the
# signature of the patient and, for a minor, of a person authorized to consent for them;
# §2.32(b) each disclosure made with written consent carries "a copy of the consent or a
# clear explanation of the scope of the consent provided".

# Under 18 is a minor for the consent's signatures (§2.14; the age of majority of the states
# we serve, and the product's one age line, see `Patient.adolescent_on`).
AGE_OF_MAJORITY = 18


def revocation_statement(discloser: str) -> str:
    """§2.31(a)(6): the right to revoke in writing, its limit, and how to do it."""
    return gettext(
        "You may revoke this consent at any time. A revocation must be in writing: sign and "
        "date a note saying you revoke this consent and give it to, or mail it to, {discloser}. "
        "From the time it is received, nothing more is disclosed under this consent; it "
        "does not undo what {discloser} already disclosed in reliance on it."
    ).format(discloser=discloser)


def is_minor(date_of_birth: datetime.date, on: datetime.date) -> bool:
    """The patient is a minor on that day (then a parent or other authorized person signs
    too, §2.14)."""
    return clock.age_on(date_of_birth, on) < AGE_OF_MAJORITY


@dataclass(frozen=True)
class ConsentScope:
    """§2.32(b): the scope of the consent a disclosure was made under, sent with it."""

    recipient: str
    what: tuple[str, ...]
    purpose: str
    expires: str
    signed_on: datetime.date

    @property
    def text(self) -> str:
        return (
            f"Disclosed with the patient's written consent signed {self.signed_on:%Y-%m-%d}, "
            f"which allows disclosure to {self.recipient} of: {', '.join(self.what)}; for this "
            f"purpose: {self.purpose}; until {self.expires}."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "what": list(self.what),
            "purpose": self.purpose,
            "expires": self.expires,
            "signed_on": self.signed_on,
            "text": self.text,
        }
