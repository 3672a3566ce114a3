"""Reads. Tenant reads take `clinic=`; a foreign id is the same 404 as a missing one."""

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact, IsNull
from django.http import Http404

from iop import clock, hooks, tenancy
from iop.models import (
    ApiToken,
    AuditEvent,
    Authorization,
    Clinic,
    Coverage,
    Diagnosis,
    Enrollment,
    Inquiry,
    Medication,
    Membership,
    Notification,
    Patient,
    PaymentPlan,
    Site,
    User,
)
from iop.models.care import DiagnosisCategory
from iop.models.intake import CLOSED_INQUIRY, InquiryStatus
from iop.models.notifications import unread_cache_key
from iop.models.tokens import hash_token
from iop.tenancy import clinic_context

RecordT = TypeVar("RecordT", bound=Model)
OPEN_INQUIRY = [s for s in InquiryStatus.values if s not in CLOSED_INQUIRY]


def membership_for(
    *, user_id: int, clinic_slug: str, clinic_id: int | None = None
) -> Membership | None:
    """The person's active membership of the clinic at `clinic_slug` (and, when given, of
    that id: the clinic the session last worked in, whose rows are then already visible),
    with its clinic and its person, read in one query."""
    with tenancy.user_context(user_id):
        return _membership_read(BY_PERSON_AND_SLUG, [user_id, clinic_slug, clinic_id, clinic_id])


# Every clinic page and API request starts with one of these two reads, and the ORM's
# building of that join cost about twice its execution (bench/test_request.py), so its SQL
# is written once from the models' own columns. The three models' fields need no conversion
# from the database (tests/iop/test_membership_read.py holds the read to the ORM's).
BY_PERSON_AND_SLUG = (
    "m.user_id = %s AND c.slug = %s AND m.is_active AND m.accepted_at IS NOT NULL"
    " AND (%s::bigint IS NULL OR m.clinic_id = %s)"
)
BY_ID_ACTIVE_PERSON = "m.id = %s AND m.is_active AND u.is_active"


def _membership_read(condition: str, params: list[Any]) -> Membership | None:
    with connection.cursor() as cursor:
        cursor.execute(_membership_sql(condition), params)
        row = cursor.fetchone()
    if row is None:
        return None
    membership, clinic, user = _from_row(row, (Membership, Clinic, User))
    membership.clinic, membership.user = clinic, user
    return membership


@functools.cache
def _membership_sql(condition: str) -> str:
    aliased = ((Membership, "m"), (Clinic, "c"), (User, "u"))
    columns = ", ".join(
        f'{alias}."{field.column}"'
        for model, alias in aliased
        for field in model._meta.concrete_fields
    )
    m, c, u = Membership._meta.db_table, Clinic._meta.db_table, User._meta.db_table
    # The models' own names and this module's conditions; the values are parameters.
    return (
        f"SELECT {columns} FROM {m} m JOIN {c} c ON c.id = m.clinic_id"  # noqa: S608
        f" JOIN {u} u ON u.id = m.user_id WHERE {condition} ORDER BY m.id LIMIT 1"
    )


def _from_row(row: tuple[Any, ...], models: tuple[type[Model], ...]) -> list[Any]:
    instances, start = [], 0
    for model in models:
        names = [field.attname for field in model._meta.concrete_fields]
        instances.append(model.from_db(connection.alias, names, row[start : start + len(names)]))
        start += len(names)
    return instances


def memberships_of(*, user: User) -> list[Membership]:
    """The clinics the person works in (invitations they have not accepted are not)."""
    with tenancy.user_context(user.pk):
        return list(
            Membership.objects.select_related("clinic").filter(
                user=user, is_active=True, accepted_at__isnull=False
            )
        )


def invitations_of(*, user: User, pk: int | None = None) -> list[Membership]:
    """Places the person was invited to and has not yet accepted or declined."""
    with tenancy.user_context(user.pk):
        found = Membership.objects.select_related("clinic").filter(
            user=user, is_active=True, accepted_at__isnull=True
        )
        if pk is not None:
            found = found.filter(pk=pk)
        return list(found.order_by("created_at"))


def invitation_get(*, user: User, membership_id: int) -> Membership:
    invitation = next(iter(invitations_of(user=user, pk=membership_id)), None)
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def user_mfa_state(*, user: User) -> tuple[bool, bool]:
    """One query: (a clinic of theirs requires MFA and they have no authenticator app,
    they have an authenticator app)."""
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
    with tenancy.user_context(user.pk):
        requiring = Membership.objects.filter(
            user=user, is_active=True, accepted_at__isnull=False, clinic__require_mfa=True
        )
        row = (
            User.objects.filter(pk=user.pk)
            .annotate(has_totp=Exists(has_totp), required=Exists(requiring))
            .values_list("has_totp", "required")
            .first()
        )
    has, required = row if row is not None else (False, False)
    return required and not has, has


def user_needs_mfa_setup(*, user: User) -> bool:
    """One query: a clinic of theirs requires MFA and they have no authenticator app."""
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
    with tenancy.user_context(user.pk):
        return (
            Membership.objects.filter(
                user=user, is_active=True, accepted_at__isnull=False, clinic__require_mfa=True
            )
            .exclude(Exists(has_totp))
            .exists()
        )


def idle_limits_of(*, user: User) -> list[int]:
    """The idle sign-out minutes of each clinic the person works in."""
    with tenancy.user_context(user.pk):
        return list(
            Membership.objects.filter(user=user, is_active=True).values_list(
                "clinic__idle_timeout_minutes", flat=True
            )
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


@dataclass(frozen=True)
class PatientFilters:
    query: str = ""
    status: str = ""  # of the latest enrollment; "none" = never enrolled
    track_id: int | None = None
    therapist_id: int | None = None
    case_manager_id: int | None = None


def _latest_enrollment(clinic: Clinic) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(clinic=clinic, patient=OuterRef("pk")).order_by(
        "-admission_date", "-id"
    )


def patient_rows(*, clinic: Clinic, filters: PatientFilters | None = None) -> QuerySet[Patient]:
    """The patients the filters find, their own columns only (what the API outputs): the
    latest enrollment is read only to filter by its status or track, in the WHERE clause."""
    filters = filters or PatientFilters()
    patients = Patient.objects.filter(clinic=clinic)
    latest = _latest_enrollment(clinic)
    status = Subquery(latest.values("status")[:1])
    if filters.status == "none":
        patients = patients.filter(IsNull(status, True))
    elif filters.status:
        patients = patients.filter(Exact(status, filters.status))
    if filters.track_id:
        patients = patients.filter(Exact(Subquery(latest.values("track_id")[:1]), filters.track_id))
    if filters.therapist_id:
        patients = patients.filter(primary_therapist_id=filters.therapist_id)
    if filters.case_manager_id:
        patients = patients.filter(case_manager_id=filters.case_manager_id)
    for word in filters.query.replace("\x00", "").split():
        patients = patients.filter(
            Q(record_number__iexact=word)
            | Q(legal_first_name__istartswith=word)
            | Q(legal_last_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    return patients


def patient_list(*, clinic: Clinic, filters: PatientFilters | None = None) -> QuerySet[Patient]:
    """`patient_rows` with their latest enrollment's status and track (`enrollment_status`,
    `enrollment_track`) and their care team, in one query (the patient list page)."""
    latest = _latest_enrollment(clinic)
    return (
        patient_rows(clinic=clinic, filters=filters)
        # The clinic rides along: each row's age is on the clinic's today.
        .select_related("clinic", "primary_therapist__user", "case_manager__user")
        .annotate(
            enrollment_status=Subquery(latest.values("status")[:1]),
            enrollment_track_id=Subquery(latest.values("track_id")[:1]),
            enrollment_track=Subquery(latest.values("track__name")[:1]),
        )
    )


def patient_get(*, clinic: Clinic, patient_id: int, **annotations: Any) -> Patient:
    """The patient, or the same 404 for another clinic's and a missing one. `annotations`
    ride along in the same query (the chart's counts)."""
    patient = (
        Patient.objects.filter(clinic=clinic, pk=patient_id)
        .select_related("primary_therapist__user", "case_manager__user")
        .annotate(**annotations)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    patient.clinic = clinic  # known already: no query to load it again
    return patient


@dataclass
class Chart:
    """Everything the chart shows, one query per section whatever the record's size."""

    patient: Patient
    enrollments: list[Enrollment]
    diagnoses: list[Diagnosis]
    medications: list[Medication]
    coverages: list[Coverage]
    payment_plans: list[PaymentPlan]
    authorizations: list[Authorization]
    # What the reader may see (the `sections` asked for), so a feature's header chip can
    # stay hidden from a reader who may not see what it is about (test results).
    sections: frozenset[str] = frozenset()

    @property
    def current_enrollment(self) -> Enrollment | None:
        return next((e for e in self.enrollments if e.is_open), None)

    @property
    def header_enrollment(self) -> Enrollment | None:
        """The open episode, else the most recent one."""
        return self.current_enrollment or (self.enrollments[0] if self.enrollments else None)

    @property
    def co_occurring(self) -> bool:
        """Substance-use and mental-health diagnoses together ("dual diagnosis")."""
        categories = {d.category for d in self.diagnoses if d.is_active}
        return {DiagnosisCategory.SUBSTANCE_USE, DiagnosisCategory.MENTAL_HEALTH} <= categories

    @property
    def alerts(self) -> list[tuple[str, str]]:
        """(tone, text) chips for the patient header."""
        found = []
        if self.co_occurring:
            found.append(("info", "Co-occurring"))
        for authorization in self.authorizations:
            for warning in authorization.warnings():
                found.append(("warn", f"Auth {authorization.number}: {warning}"))
        if (
            self.current_enrollment
            and not any(c.is_active and c.verification_status == "verified" for c in self.coverages)
            and not any(p.is_active for p in self.payment_plans)
        ):
            found.append(("warn", "Insurance not verified"))
        for alerts in hooks.chart_alerts:  # the features' chips (the calendar's misses)
            found.extend(alerts(self))
        return found


def with_clinic(rows: Iterable[RecordT], clinic: Clinic) -> list[RecordT]:
    """The rows with their clinic attached: their dates ask the clinic's clock, and the
    clinic is known already (no query per row to load it again)."""
    found = list(rows)
    for row in found:
        row.clinic = clinic  # type: ignore[attr-defined]
    return found


def patient_chart(*, clinic: Clinic, patient_id: int, sections: set[str]) -> Chart:
    """The chart's core records, with only the sections the reader may see loaded; what the
    features registered rides along (annotations on the patient, prepared authorizations)."""
    annotations: dict[str, Any] = {}
    for annotate in hooks.chart_patient_annotations:
        annotations |= annotate(clinic)
    patient = patient_get(clinic=clinic, patient_id=patient_id, **annotations)

    def load(name: str, queryset: QuerySet[Any]) -> list[Any]:
        if name not in sections:
            return []
        return with_clinic(queryset.filter(clinic=clinic, patient=patient), clinic)

    chart = Chart(
        patient=patient,
        enrollments=with_clinic(
            Enrollment.objects.filter(clinic=clinic, patient=patient)
            .select_related("track")
            .prefetch_related("extensions"),
            clinic,
        ),
        diagnoses=load("diagnoses", Diagnosis.objects.all()),
        medications=load("medications", Medication.objects.all()),
        coverages=load("insurance", Coverage.objects.select_related("verified_by")),
        payment_plans=load("insurance", PaymentPlan.objects.all()),
        authorizations=load("insurance", Authorization.objects.select_related("coverage")),
        sections=frozenset(sections),
    )
    authorizations_shown(clinic, chart.authorizations)
    return chart


def authorizations_shown(clinic: Clinic, authorizations: list[Authorization]) -> None:
    """Let the features fill in what they know of authorizations about to be shown."""
    for prepare in hooks.authorizations_shown:
        prepare(clinic, authorizations)


def record_get(
    model: type[RecordT], *, clinic: Clinic, patient: Patient, record_id: int
) -> RecordT:
    record = model._default_manager.filter(clinic=clinic, patient=patient, pk=record_id).first()
    if record is None:
        raise Http404("No such record.")
    record.patient = patient  # type: ignore[attr-defined]
    return record


def enrollment_get(*, clinic: Clinic, patient: Patient, enrollment_id: int) -> Enrollment:
    return record_get(Enrollment, clinic=clinic, patient=patient, record_id=enrollment_id)


def inquiry_list(*, clinic: Clinic) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(clinic=clinic).select_related("assessor__user", "patient")


def inquiry_board(*, clinic: Clinic, closed_days: int = 30) -> dict[str, list[Inquiry]]:
    """Open inquiries by stage, and those closed in the last `closed_days` days."""
    since = clock.now() - datetime.timedelta(days=closed_days)
    inquiries = (
        inquiry_list(clinic=clinic)
        .filter(Q(status__in=OPEN_INQUIRY) | Q(updated_at__gte=since))
        .order_by("assessment_at", "created_at")
    )
    board: dict[str, list[Inquiry]] = {status: [] for status in InquiryStatus.values}
    for inquiry in inquiries:
        board[inquiry.status].append(inquiry)
    return board


def inquiry_get(*, clinic: Clinic, inquiry_id: int) -> Inquiry:
    inquiry = inquiry_list(clinic=clinic).filter(pk=inquiry_id).first()
    if inquiry is None:
        raise Http404("No such inquiry.")
    inquiry.clinic = clinic
    return inquiry


def api_token_list(*, clinic: Clinic) -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("membership__user", "created_by").filter(clinic=clinic)


def api_token_get(*, clinic: Clinic, token_id: int) -> ApiToken:
    token = api_token_list(clinic=clinic).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token with this secret, its membership active too; None otherwise. The
    open transaction is bound to the token's clinic when there is one (row-level security
    shows the token only to whoever presents its secret until then)."""
    key_hash = hash_token(raw)
    tenancy.bind_token_hash(key_hash)
    token = ApiToken.objects.filter(key_hash=key_hash, revoked_at__isnull=True).first()
    if token is None:
        return None
    tenancy.activate(token.clinic_id)
    membership = _membership_read(BY_ID_ACTIVE_PERSON, [token.membership_id])
    if membership is None:
        tenancy.activate(None)
        return None
    token.membership = membership
    return token


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
    tz = clock.zone(clinic)
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if filters.date_to and filters.date_to < datetime.date.max:
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


# --- Notifications ----------------------------------------------------------------------------
# How long the header's unread count may be reused. Every write that changes it (notify,
# mark read) forgets it at once, so this only bounds a write the cache missed.
UNREAD_COUNT_SECONDS = 60


def notification_list(
    *, clinic: Clinic, membership: Membership, unread_only: bool = False
) -> QuerySet[Notification]:
    """The person's own notifications in this clinic, newest first."""
    rows = Notification.objects.filter(clinic=clinic, recipient=membership)
    return rows.filter(read_at__isnull=True) if unread_only else rows


def notification_get(
    *, clinic: Clinic, membership: Membership, notification_id: int
) -> Notification:
    """One of the person's own notifications; anyone else's (or another clinic's) is a 404."""
    rows = notification_list(clinic=clinic, membership=membership)
    found = rows.filter(pk=notification_id).first()
    if found is None:
        raise Http404("No such notification.")
    return found


def notification_unread_count(*, clinic: Clinic, membership: Membership) -> int:
    """The bell's number. Kept in Redis so the header costs no query on every page (page
    budgets are pinned); services forget it whenever it changes."""
    key = unread_cache_key(membership.pk)
    count = cache.get(key)
    if count is None:
        with clinic_context(clinic.pk):
            count = notification_list(
                clinic=clinic, membership=membership, unread_only=True
            ).count()
        cache.set(key, count, UNREAD_COUNT_SECONDS)
    return int(count)
