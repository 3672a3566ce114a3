"""Reads for family involvement. Every read takes the clinic; another clinic's object is a
404, the same as a missing one. `may_share` is THE gate before anything clinical is told to
a family member: pages, the API and the disclosure service all ask it."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from iop import clock
from iop.models import Clinic, Patient
from scheduling.models import GroupKind, Session, SessionKind

from .models import (
    ConsentRevocation,
    FamilyConsent,
    FamilyDisclosure,
    FamilyMember,
    FamilySessionParticipant,
    ShareCategory,
)

# --- Family members ---------------------------------------------------------------------------


def member_list(*, clinic: Clinic, patient_id: int | None = None) -> QuerySet[FamilyMember]:
    members = FamilyMember.objects.filter(clinic=clinic).select_related("patient")
    if patient_id is not None:
        members = members.filter(patient_id=patient_id)
    return members


def member_get(*, clinic: Clinic, member_id: int) -> FamilyMember:
    member = member_list(clinic=clinic).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such family member.")
    member.clinic = clinic
    member.patient.clinic = clinic
    return member


# --- Consents ---------------------------------------------------------------------------------


def revocations_of(consents: list[FamilyConsent]) -> dict[int, ConsentRevocation]:
    """Each consent's revocation (if any), one query for the lot."""
    if not consents:
        return {}
    rows = ConsentRevocation.objects.filter(
        clinic_id=consents[0].clinic_id, consent__in=consents
    ).select_related("revoked_by")
    return {row.consent_id: row for row in rows}


def with_revocations(consents: list[FamilyConsent]) -> list[FamilyConsent]:
    """Attach `.revocation` (or None) to each consent."""
    revoked = revocations_of(consents)
    for consent in consents:
        consent.revocation = revoked.get(consent.pk)  # type: ignore[attr-defined]
    return consents


def consent_list(
    *, clinic: Clinic, member_id: int | None = None, patient_id: int | None = None
) -> QuerySet[FamilyConsent]:
    consents = FamilyConsent.objects.filter(clinic=clinic).select_related(
        "family_member", "recorded_by"
    )
    if member_id is not None:
        consents = consents.filter(family_member_id=member_id)
    if patient_id is not None:
        consents = consents.filter(patient_id=patient_id)
    return consents


def consent_get(*, clinic: Clinic, consent_id: int) -> FamilyConsent:
    consent = consent_list(clinic=clinic).select_related("family_member__patient")
    found = consent.filter(pk=consent_id).first()
    if found is None:
        raise Http404("No such consent.")
    found.clinic = clinic
    with_revocations([found])
    return found


@dataclass(frozen=True)
class ConsentState:
    """Where a consent stands on a day: active, expired, revoked or not yet signed."""

    code: str  # "active", "expired", "revoked", "future"
    text: str


def consent_state(consent: FamilyConsent, on: datetime.date, tz: datetime.tzinfo) -> ConsentState:
    revocation: ConsentRevocation | None = getattr(consent, "revocation", None)
    if revocation is not None and revocation.revoked_at.astimezone(tz).date() <= on:
        when = revocation.revoked_at.astimezone(tz).date()
        return ConsentState("revoked", f"Consent revoked on {when:%Y-%m-%d}")
    if consent.signed_on > on:
        return ConsentState("future", f"Consent only starts on {consent.signed_on:%Y-%m-%d}")
    if consent.expires_on is not None and consent.expires_on < on:
        return ConsentState("expired", f"Consent expired on {consent.expires_on:%Y-%m-%d}")
    until = (
        f"until {consent.expires_on:%Y-%m-%d}"
        if consent.expires_on
        else f"until {consent.expiry_event}"
    )
    return ConsentState("active", f"Consent active {until}")


@dataclass(frozen=True)
class Decision:
    """The gate's answer: whether this may be shared, and why (in words for the person)."""

    allowed: bool
    reason: str
    consent: FamilyConsent | None = None

    def __bool__(self) -> bool:
        return self.allowed


def may_share(member: FamilyMember, category: str, on: datetime.date | None = None) -> Decision:
    """May the clinic tell `member` information of `category` on day `on` (the clinic's
    today by default)? Only under a signed consent that covers the category, is not expired
    and is not revoked. When refused, the reason names the consent that stands in the way:
    the newest one (what a person at the desk would look at first)."""
    labels = dict(ShareCategory.choices)
    if category not in labels:
        return Decision(False, "Not a kind of information a consent can cover.")
    tz = clock.zone(member.clinic)
    on = on or clock.today(member.clinic)
    consents = with_revocations(
        list(FamilyConsent.objects.filter(clinic_id=member.clinic_id, family_member=member))
    )
    label = str(labels[category]).lower()
    if not consents:
        return Decision(False, "No consent on file for this family member.")
    for consent in consents:
        state = consent_state(consent, on, tz)
        if state.code == "active" and category in consent.categories:
            return Decision(
                True,
                f"{state.text}; it covers {label} (signed {consent.signed_on:%Y-%m-%d}).",
                consent,
            )
    current = [c for c in consents if consent_state(c, on, tz).code == "active"]
    if current:
        return Decision(
            False,
            f"The consent signed {current[0].signed_on:%Y-%m-%d} does not cover {label}.",
            current[0],
        )
    newest = consents[0]
    return Decision(False, f"{consent_state(newest, on, tz).text}.", newest)


def consent_summary(member: FamilyMember, consents: list[FamilyConsent], on: datetime.date) -> str:
    """One line for lists: the state of the member's best consent (no categories)."""
    if not consents:
        return "No consent"
    tz = clock.zone(member.clinic)
    states = [consent_state(c, on, tz) for c in consents]
    for state in states:
        if state.code == "active":
            return state.text
    return states[0].text


# --- Disclosures ------------------------------------------------------------------------------


def disclosure_list(
    *, clinic: Clinic, patient_id: int | None = None, member_id: int | None = None
) -> QuerySet[FamilyDisclosure]:
    rows = FamilyDisclosure.objects.filter(clinic=clinic).select_related(
        "family_member", "disclosed_by", "consent"
    )
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    if member_id is not None:
        rows = rows.filter(family_member_id=member_id)
    return rows


# --- Sessions ---------------------------------------------------------------------------------


def is_family_education(session: Session) -> bool:
    return (
        session.kind == SessionKind.GROUP
        and session.group_type is not None
        and session.group_type.kind == GroupKind.FAMILY_EDUCATION
    )


def _participants() -> Any:
    return Prefetch(
        "family_participants",
        queryset=FamilySessionParticipant.objects.select_related("family_member__patient"),
    )


FAMILY_SESSION_KINDS = ("family", "family_education")
IS_FAMILY_SESSION = Q(kind=SessionKind.FAMILY) | Q(
    kind=SessionKind.GROUP, group_type__kind=GroupKind.FAMILY_EDUCATION
)


def family_session_list(
    *, clinic: Clinic, patient_id: int | None = None, kind: str = ""
) -> QuerySet[Session]:
    """Sessions family members attend — family sessions (kind "family", the patient on the
    list) and family education groups — with their patient list and family participants.
    `kind` narrows to "family" or "family_education"; `patient` to the sessions of a
    patient or of their family."""
    sessions = Session.objects.filter(clinic=clinic)
    if kind == "family":
        sessions = sessions.filter(kind=SessionKind.FAMILY)
    elif kind == "family_education":
        sessions = sessions.filter(IS_FAMILY_SESSION & ~Q(kind=SessionKind.FAMILY))
    else:
        sessions = sessions.filter(IS_FAMILY_SESSION)
    if patient_id is not None:
        ids = Session.objects.filter(
            Q(attendance__patient_id=patient_id)
            | Q(family_participants__family_member__patient_id=patient_id),
            clinic=clinic,
        ).values("pk")
        sessions = sessions.filter(pk__in=ids)
    return (
        sessions.select_related("group_type", "topic", "lead__user", "room")
        .prefetch_related("attendance__patient", _participants())
        .order_by("-starts_at", "-id")
    )


def family_session_get(*, clinic: Clinic, session_id: int) -> Session:
    """A session family members can attend: a family session or a family education group."""
    session = family_session_list(clinic=clinic).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such family session.")
    return session


participation_session_get = family_session_get


def participant_list(
    *, clinic: Clinic, session_id: int | None = None, member_id: int | None = None
) -> QuerySet[FamilySessionParticipant]:
    rows = FamilySessionParticipant.objects.filter(clinic=clinic).select_related(
        "family_member", "session__group_type"
    )
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    if member_id is not None:
        rows = rows.filter(family_member_id=member_id)
    return rows.order_by("-session__starts_at", "family_member__last_name", "id")


def participant_get(*, clinic: Clinic, participant_id: int) -> FamilySessionParticipant:
    row = participant_list(clinic=clinic).filter(pk=participant_id).first()
    if row is None:
        raise Http404("No such participant.")
    return row


def family_education_sessions(
    *, clinic: Clinic, around: datetime.date, days: int = 21
) -> QuerySet[Session]:
    """Family education group sessions near a day (to add a family member to)."""
    return (
        Session.objects.filter(
            clinic=clinic,
            kind=SessionKind.GROUP,
            group_type__kind=GroupKind.FAMILY_EDUCATION,
            day__range=(
                around - datetime.timedelta(days=days),
                around + datetime.timedelta(days=days),
            ),
        )
        .exclude(status="cancelled")
        .select_related("group_type")
        .order_by("starts_at")
    )


@dataclass
class FamilyChart:
    """The chart's Family section: members, each with their consents (if the reader may see
    them), the family sessions and the disclosure log."""

    members: list[FamilyMember]
    sessions: list[tuple[Session, list[FamilySessionParticipant]]]
    education: list[FamilySessionParticipant]
    disclosures: list[FamilyDisclosure]


def family_chart(*, clinic: Clinic, patient: Patient, with_consents: bool) -> FamilyChart:
    """A fixed number of queries whatever the number of members, consents and sessions."""
    members = list(FamilyMember.objects.filter(clinic=clinic, patient=patient))
    today = clock.today(clinic)
    if with_consents:
        consents = (
            with_revocations(list(FamilyConsent.objects.filter(clinic=clinic, patient=patient)))
            if members
            else []
        )
        by_member: dict[int, list[FamilyConsent]] = {}
        for consent in consents:
            by_member.setdefault(consent.family_member_id, []).append(consent)
        tz = clock.zone(clinic)
        for member in members:
            member.clinic = clinic
            mine = by_member.get(member.pk, [])
            member.consent_rows = [(c, consent_state(c, today, tz)) for c in mine]  # type: ignore[attr-defined]
            member.consent_text = consent_summary(member, mine, today)  # type: ignore[attr-defined]
    # One query for both family sessions and education groups: every list the members are on.
    participations = (
        list(
            FamilySessionParticipant.objects.filter(clinic=clinic, family_member__in=members)
            .select_related(
                "family_member", "session__lead__user", "session__group_type", "session__topic"
            )
            .order_by("-session__starts_at", "family_member__last_name", "id")[:100]
        )
        if members
        else []
    )
    by_session: dict[int, tuple[Session, list[FamilySessionParticipant]]] = {}
    education = []
    for row in participations:
        if row.session.kind == SessionKind.FAMILY:
            by_session.setdefault(row.session_id, (row.session, []))[1].append(row)
        else:
            education.append(row)
    sessions = list(by_session.values())[:20]
    disclosures = (
        list(disclosure_list(clinic=clinic, patient_id=patient.pk)[:20])
        if with_consents and members
        else []
    )
    return FamilyChart(
        members=members, sessions=sessions, education=education[:20], disclosures=disclosures
    )
