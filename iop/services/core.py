"""Writes for clinics, staff, tokens and patients' demographics."""

import datetime
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils.text import slugify

from iop import clock, hooks
from iop.audit import audit_record, audit_records
from iop.models import (
    ApiToken,
    Clinic,
    Membership,
    Notification,
    NotificationKind,
    Patient,
    Site,
    User,
)
from iop.models.audit import AuditAction
from iop.models.notifications import unread_cache_key
from iop.models.patients import ReminderChannel
from iop.models.tokens import hash_token, new_raw_token
from iop.roles import Role
from iop.tasks import send_email
from iop.tenancy import clinic_context, user_context

from .errors import DomainError

# --- Audit ------------------------------------------------------------------------------------


def audit_for_user_clinics(*, user: User, action: str) -> None:
    """Sign-in events belong to every clinic the person works for."""
    with user_context(user.pk):
        memberships = list(
            Membership.objects.select_related("clinic").filter(user=user, is_active=True)
        )
        for membership in memberships:
            audit_record(clinic=membership.clinic, actor=user, action=action)
        if not memberships:
            audit_record(clinic=None, actor=user, action=action)


def audit_idle_logoff(*, user: User) -> None:
    audit_for_user_clinics(user=user, action=AuditAction.IDLE_LOGOFF)


def apply_changes(instance: models.Model, fields: dict[str, Any]) -> list[str]:
    """Set the given fields; return the names of those that changed."""
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def validate_and_save(
    instance: Any, *, unique: tuple[str, str] | None = None, within: tuple[str, ...] = ()
) -> None:
    """Validate (fields, clean(), constraints) and save. A clash on a clinic-scoped unique
    field (or on it `within` other fields, e.g. a topic's name within its group type)
    becomes an error on that field; when a concurrent request wins the race and the
    database refuses, the person still gets a message, not a crash."""
    instance.full_clean(validate_constraints=unique is None)
    if unique:
        field, message = unique
        same = {name: getattr(instance, name) for name in (field, *within)}
        clash = (
            type(instance)
            ._default_manager.filter(clinic=instance.clinic, **same)
            .exclude(pk=instance.pk)
        )
        if clash.exists():
            raise ValidationError({field: message})
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        if unique is None:
            raise ValidationError(
                "Someone changed this record at the same time; reload and try again."
            ) from None
        raise ValidationError({unique[0]: unique[1]}) from None


SITE_NAME_TAKEN = ("name", "Another site already has this name.")
RECORD_NUMBER_TAKEN = ("record_number", "Another patient already has this record number.")


# --- Clinics and sites ------------------------------------------------------------------------


def clinic_create(
    *, name: str, slug: str = "", admin_email: str, require_mfa: bool = True
) -> Clinic:
    with transaction.atomic():
        clinic = Clinic(name=name, slug=slug or slugify(name), require_mfa=require_mfa)
        clinic.full_clean()
        clinic.save()
        admin = User.objects.filter(email__iexact=admin_email).first()
        if admin is None:
            admin = User.objects.create_user(admin_email)
        with clinic_context(clinic.pk):
            membership = Membership.objects.create(user=admin, clinic=clinic, role=Role.ADMIN)
            audit_record(clinic=clinic, actor=None, action=AuditAction.CREATE, obj=clinic)
            audit_record(clinic=clinic, actor=None, action=AuditAction.CREATE, obj=membership)
            _send_invitation_on_commit(membership)
            for created in hooks.clinic_created:  # the features set the new clinic up
                created(clinic)
    return clinic


CLINIC_SETTINGS_FIELDS = (
    "name",
    "timezone",
    "address",
    "phone",
    "require_mfa",
    "idle_timeout_minutes",
    "default_program_weeks",
    "weekly_minimum_minutes_adult",
    "weekly_minimum_minutes_adolescent",
    "makeup_window_days",
    "missed_grace_minutes",
)


def clinic_update(*, clinic: Clinic, actor: User, **fields: Any) -> Clinic:
    unknown = set(fields) - set(CLINIC_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a clinic setting: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        changed = apply_changes(clinic, fields)
        clinic.full_clean()
        if changed:
            clinic.save(update_fields=changed)
            audit_record(
                clinic=clinic, actor=actor, action=AuditAction.CHANGE, obj=clinic,
                changed_fields=changed,
            )  # fmt: skip
    return clinic


def site_create(
    *, clinic: Clinic, actor: User, name: str, address: str = "", phone: str = ""
) -> Site:
    with clinic_context(clinic.pk):
        site = Site(clinic=clinic, name=name, address=address, phone=phone)
        validate_and_save(site, unique=SITE_NAME_TAKEN)
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=site)
    return site


def site_update(*, site: Site, actor: User, **fields: Any) -> Site:
    with clinic_context(site.clinic_id):
        changed = apply_changes(site, fields)
        if changed:
            validate_and_save(site, unique=SITE_NAME_TAKEN)
            audit_record(
                clinic=site.clinic, actor=actor, action=AuditAction.CHANGE, obj=site,
                changed_fields=changed,
            )  # fmt: skip
    return site


# --- Staff ------------------------------------------------------------------------------------


def membership_invite(
    *,
    clinic: Clinic,
    actor: User,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Add a person to the clinic. New people get an email to set their password; people who
    already have an account (another clinic) are told they were added."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    taken = ValidationError({"email": f"{email} is already on this clinic's staff."})
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        accepted_at: datetime.datetime | None = clock.now()
        if user is None:
            user = _new_user(email, first_name=first_name, last_name=last_name)
        else:
            # Someone with an account (another clinic's staff): their name and their other
            # places are theirs, so the clinic sees only the address until they accept.
            accepted_at = None
        if Membership.objects.filter(clinic=clinic, user=user).exists():
            raise taken
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, clinic=clinic, role=role, invited_by=actor, accepted_at=accepted_at
                )
        except IntegrityError:  # invited twice at the same moment
            raise taken from None
        audit_record(clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=membership)
        _send_invitation_on_commit(membership)
    return membership


def _new_user(email: str, *, first_name: str, last_name: str) -> User:
    """The account for a new person's invitation; when the same address is invited at the
    same moment elsewhere, the account the other request made."""
    user = User(email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return User.objects.get(email__iexact=email)
    return user


def user_email_confirm(*, user: User) -> None:
    """The person followed a link mailed to their address (an invitation's or a password
    reset's), which proves the address: allauth's MFA set-up refuses while it is unverified,
    so an invited admin of a clinic that requires MFA could not turn on TOTP."""
    with transaction.atomic():
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(
                user=user, email=user.email, verified=True, primary=not has_primary
            )
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])


def membership_accept(invitation: Membership, *, user: User) -> Membership:
    """The invited person takes up the place: from now on the clinic sees their name."""
    if invitation.user_id != user.pk or invitation.is_accepted:
        raise DomainError("This invitation is not open.")
    with clinic_context(invitation.clinic_id):
        invitation.accepted_at = clock.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            clinic=invitation.clinic, actor=user, action=AuditAction.CHANGE, obj=invitation,
            changed_fields=["accepted_at"],
        )  # fmt: skip
    return invitation


def membership_decline(invitation: Membership, *, user: User) -> None:
    """The invited person says no: the invitation is gone; the clinic's audit keeps it."""
    if invitation.user_id != user.pk or invitation.is_accepted:
        raise DomainError("This invitation is not open.")
    with clinic_context(invitation.clinic_id):
        audit_record(
            clinic=invitation.clinic, actor=user, action=AuditAction.DELETE, obj=invitation
        )
        invitation.delete()


# The one sentence each kind of notification sends by email. None names a patient, a score or
# a result: mail leaves the clinic's systems (42 CFR Part 2, HIPAA minimum necessary).
NOTIFICATION_EMAIL: dict[str, str] = {
    NotificationKind.GENERAL: "Something in {clinic} is waiting for you.",
    NotificationKind.MAKEUP: "Something in {clinic} is waiting for you.",
    NotificationKind.SAFETY_TASK: "A safety follow-up needs your attention at {clinic}.",
    NotificationKind.SAFETY_ESCALATION: "A safety follow-up needs your attention at {clinic}.",
    NotificationKind.MEDICATION_FLAG: "A result needs your review at {clinic}.",
    NotificationKind.RECOLLECTION: "A collection needs your attention at {clinic}.",
}


def _forget_unread_count(membership_id: int) -> None:
    cache.delete(unread_cache_key(membership_id))


def notify(
    *,
    clinic: Clinic,
    membership_id: int,
    message: str,
    url: str,
    kind: str = NotificationKind.GENERAL,
    target: models.Model | None = None,
    actor: User | None = None,
) -> Notification:
    """An in-app notification and an email saying something is waiting. The in-app message
    may name the patient (it is read signed in); the email never does (`NOTIFICATION_EMAIL`).
    The email goes out through the worker once the transaction commits."""
    with clinic_context(clinic.pk):
        note = Notification.objects.create(
            clinic=clinic, recipient_id=membership_id, message=message, url=url, kind=kind,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=target.pk if target is not None else None,
        )  # fmt: skip
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=note,
            changed_fields=["recipient", "kind"],
        )  # fmt: skip
        # Inside the clinic's context: row-level security shows the membership only there.
        # Someone no longer on staff keeps the in-app row but gets no email.
        email = (
            Membership.objects.filter(
                pk=membership_id, clinic=clinic, is_active=True, user__is_active=True
            )
            .values_list("user__email", flat=True)
            .first()
        )
    # Now and again on commit: a request that read the count in between must not keep it.
    _forget_unread_count(membership_id)
    transaction.on_commit(lambda: _forget_unread_count(membership_id))
    if email:
        sentence = NOTIFICATION_EMAIL.get(kind, NOTIFICATION_EMAIL[NotificationKind.GENERAL])
        body = (
            f"{sentence.format(clinic=clinic.name)}\n\n"
            f"Sign in to see it: {settings.SITE_URL.rstrip('/')}{url}\n"
        )
        subject = f"{clinic.name}: {sentence.format(clinic='the clinic').rstrip('.')}"
        transaction.on_commit(lambda: send_email.delay(to=[email], subject=subject, body=body))
    return note


def notification_mark_read(
    *, clinic: Clinic, membership: Membership, notifications: list[Notification]
) -> int:
    """Mark the person's own unread notifications read; returns how many changed."""
    actor = membership.user
    unread = [n for n in notifications if n.read_at is None and n.recipient_id == membership.pk]
    if not unread:
        return 0
    now = clock.now()
    with transaction.atomic(), clinic_context(clinic.pk):
        Notification.objects.filter(clinic=clinic, pk__in=[n.pk for n in unread]).update(
            read_at=now
        )
        for note in unread:
            note.read_at = now
        audit_records(
            clinic_id=clinic.pk, actor=actor, action=AuditAction.CHANGE, objs=unread,
            changed_fields=["read_at"],
        )  # fmt: skip
    _forget_unread_count(membership.pk)
    transaction.on_commit(lambda: _forget_unread_count(membership.pk))
    return len(unread)


def _send_invitation_on_commit(membership: Membership) -> None:
    user, clinic = membership.user, membership.clinic
    base = settings.SITE_URL.rstrip("/")
    if not membership.is_accepted:
        body = (
            f"You have been invited to {clinic.name} as {membership.get_role_display()}.\n\n"
            f"Sign in to accept or decline: {base}{reverse('home')}\n\n"
            f"{clinic.name} sees only this address until you accept. If you did not expect "
            "this, decline it or ignore this email.\n"
        )
    elif user.has_usable_password():
        body = (
            f"You have been added to {clinic.name} as {membership.get_role_display()}.\n\n"
            f"Sign in: {base}{reverse('account_login')}\n"
        )
    else:
        path = reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        body = (
            f"You have been invited to {clinic.name} as {membership.get_role_display()}.\n\n"
            f"Choose your password to sign in: {base}{path}\n\n"
            "The link works once and expires in a few days. If you did not expect this, "
            "ignore this email.\n"
        )
    to, subject = [user.email], f"Your access to {clinic.name}"
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, body=body))


def membership_update(
    *, membership: Membership, actor: User, role: str | None = None, is_active: bool | None = None
) -> Membership:
    fields: dict[str, Any] = {}
    if role is not None:
        if role not in Role.values:
            raise ValidationError({"role": "Choose one of the roles."})
        fields["role"] = role
    if is_active is not None:
        fields["is_active"] = is_active
    with transaction.atomic():
        changed = apply_changes(membership, fields)
        if not changed:
            return membership
        _refuse_removing_last_admin(membership)
        membership.save(update_fields=changed)
        audit_record(
            clinic=membership.clinic, actor=actor, action=AuditAction.CHANGE, obj=membership,
            changed_fields=changed,
        )  # fmt: skip
    return membership


def _refuse_removing_last_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        clinic=membership.clinic, role=Role.ADMIN, is_active=True, user__is_active=True
    ).exclude(pk=membership.pk)
    is_admin_after = membership.role == Role.ADMIN and membership.is_active
    if not is_admin_after and not others.select_for_update().exists():
        raise DomainError("A clinic needs at least one active admin; add another admin first.")


# --- API tokens -------------------------------------------------------------------------------


def api_token_create(*, membership: Membership, actor: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is shown once and never stored."""
    raw = new_raw_token()
    with transaction.atomic():
        token = ApiToken(
            clinic_id=membership.clinic_id,
            membership=membership,
            name=name,
            prefix=raw[:12],
            key_hash=hash_token(raw),
            created_by=actor,
        )
        token.full_clean()
        token.save()
        audit_record(clinic=membership.clinic, actor=actor, action=AuditAction.CREATE, obj=token)
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                clinic=token.membership.clinic, actor=actor, action=AuditAction.CHANGE, obj=token,
                changed_fields=["revoked_at"],
            )  # fmt: skip
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record use, at most once a minute per token (no write on every request)."""
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Patients ---------------------------------------------------------------------------------

PATIENT_FIELDS = (
    "record_number",
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "language",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "primary_therapist",
    "case_manager",
    "reminders",
)


def _check_care_team(patient: Patient) -> None:
    """The care team are active staff of the patient's own clinic."""
    for field in ("primary_therapist", "case_manager"):
        member = getattr(patient, field)
        if member is not None and (
            member.clinic_id != patient.clinic_id or not member.is_active or not member.is_accepted
        ):
            raise ValidationError({field: "Choose an active member of this clinic's staff."})


def patient_create(*, clinic: Clinic, actor: User, **fields: Any) -> Patient:
    with clinic_context(clinic.pk):
        patient = Patient(clinic=clinic, **fields)
        if patient.reminders != ReminderChannel.NONE:
            patient.reminders_agreed_at = clock.now()
        _check_care_team(patient)
        validate_and_save(patient, unique=RECORD_NUMBER_TAKEN)
        audit_record(
            clinic=clinic, actor=actor, action=AuditAction.CREATE, obj=patient,
            patient_id=patient.pk, changed_fields=fields.keys(),
        )  # fmt: skip
    return patient


def patient_update(*, patient: Patient, actor: User, **fields: Any) -> Patient:
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Not a patient field: {', '.join(sorted(unknown))}")
    with clinic_context(patient.clinic_id):
        changed = apply_changes(patient, fields)
        if "reminders" in changed:
            # The opt-in is recorded: when (here) and by whom (the audit event's actor).
            agreed = patient.reminders != ReminderChannel.NONE
            patient.reminders_agreed_at = clock.now() if agreed else None
            changed.append("reminders_agreed_at")
        if changed:
            _check_care_team(patient)
            validate_and_save(patient, unique=RECORD_NUMBER_TAKEN)
            audit_record(
                clinic=patient.clinic, actor=actor, action=AuditAction.CHANGE, obj=patient,
                patient_id=patient.pk, changed_fields=changed,
            )  # fmt: skip
    return patient


def patient_chart_viewed(*, patient: Patient, actor: User) -> None:
    """Every chart read is on the record (HIPAA audit controls)."""
    audit_record(
        clinic=patient.clinic, actor=actor, action=AuditAction.VIEW, obj=patient,
        patient_id=patient.pk,
    )  # fmt: skip


def records_viewed(*, clinic: Clinic, actor: User, records: list[models.Model]) -> None:
    """A page of chart records read through the API: one view event per record, one query."""
    audit_records(clinic_id=clinic.pk, actor=actor, action=AuditAction.VIEW, objs=records)
