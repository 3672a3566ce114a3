"""Reads. Tenant reads take `clinic=`; a foreign id is the same 404 as a missing one."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db.models import Exists, Q, QuerySet
from django.http import Http404

from iop.models import ApiToken, AuditEvent, Clinic, Membership, Patient, Site, User
from iop.models.tokens import hash_token


def membership_for(*, user: User, clinic_slug: str) -> Membership | None:
    return (
        Membership.objects.select_related("clinic", "user")
        .filter(user=user, clinic__slug=clinic_slug, is_active=True)
        .first()
    )


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.select_related("clinic").filter(user=user, is_active=True)


def user_needs_mfa_setup(*, user: User) -> bool:
    """One query: a clinic of theirs requires MFA and they have no authenticator app."""
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
    return (
        Membership.objects.filter(user=user, is_active=True, clinic__require_mfa=True)
        .exclude(Exists(has_totp))
        .exists()
    )


def staff_list(*, clinic: Clinic) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user", "clinic")
        .filter(clinic=clinic)
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )


def staff_get(*, clinic: Clinic, membership_id: int) -> Membership:
    membership = staff_list(clinic=clinic).filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such staff member.")
    return membership


def site_list(*, clinic: Clinic) -> QuerySet[Site]:
    return Site.objects.filter(clinic=clinic)


def site_get(*, clinic: Clinic, site_id: int) -> Site:
    site = site_list(clinic=clinic).filter(pk=site_id).first()
    if site is None:
        raise Http404("No such site.")
    site.clinic = clinic
    return site


def patient_list(*, clinic: Clinic, query: str = "") -> QuerySet[Patient]:
    patients = Patient.objects.filter(clinic=clinic)
    for word in query.split():
        patients = patients.filter(
            Q(record_number__iexact=word)
            | Q(legal_first_name__istartswith=word)
            | Q(legal_last_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    return patients


def patient_get(*, clinic: Clinic, patient_id: int) -> Patient:
    patient = Patient.objects.filter(clinic=clinic, pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    patient.clinic = clinic  # known already: no query to load it again
    return patient


def api_token_list(*, clinic: Clinic) -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("membership__user", "created_by").filter(
        membership__clinic=clinic
    )


def api_token_get(*, clinic: Clinic, token_id: int) -> ApiToken:
    token = api_token_list(clinic=clinic).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token with this secret, its membership active too; None otherwise."""
    return (
        ApiToken.objects.select_related("membership__clinic", "membership__user")
        .filter(
            key_hash=hash_token(raw),
            revoked_at__isnull=True,
            membership__is_active=True,
            membership__user__is_active=True,
        )
        .first()
    )


@dataclass(frozen=True)
class AuditFilters:
    patient_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def audit_event_list(*, clinic: Clinic, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").filter(clinic=clinic)
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        events = events.filter(action=filters.action)
    tz = clinic_tz(clinic)
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if filters.date_to:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        events = events.filter(created_at__lt=end)
    return events.order_by("-created_at", "-id")


def attach_patients(*, clinic: Clinic, events: Iterable[AuditEvent]) -> None:
    """Give each event its patient (`event.patient`, None if gone) with one query."""
    events = list(events)
    ids = {e.patient_id for e in events if e.patient_id is not None}
    patients = Patient.objects.filter(clinic=clinic, pk__in=ids).in_bulk() if ids else {}
    for event in events:
        event.patient = patients.get(event.patient_id)  # type: ignore[attr-defined]


def clinic_tz(clinic: Clinic) -> datetime.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(clinic.timezone)
