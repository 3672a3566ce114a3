"""Sign-in, the clinic chooser, invitations, MFA enforcement, idle logoff, rate limiting."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core import mail
from django.test import Client

from iop.middleware import SESSION_LAST_SEEN
from iop.models import AuditEvent, Clinic, Membership, User
from iop.roles import Role
from iop.services import membership_invite, membership_update
from iop.tenancy import clinic_context
from tests import factories
from tests.conftest import Tenant, wait_until

LOGIN = "/accounts/login/"


def sign_in(client: Client, email: str, password: str = factories.PASSWORD) -> object:
    return client.post(LOGIN, {"login": email, "password": password})


def events(clinic: Clinic, **filters: object) -> list[AuditEvent]:
    with clinic_context(clinic.pk):
        return list(AuditEvent.objects.filter(clinic=clinic, **filters))


def test_one_clinic_lands_on_it_after_sign_in(clinic_a: Tenant) -> None:
    client = Client()
    response = sign_in(client, clinic_a.admin.user.email)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"/c/{clinic_a.clinic.slug}/"
    assert events(clinic_a.clinic, action="login", actor=clinic_a.admin.user)


def test_several_clinics_get_a_chooser(clinic_a: Tenant, clinic_b: Tenant) -> None:
    user = clinic_a.members[Role.THERAPIST].user
    with clinic_context(clinic_b.clinic.pk):
        Membership.objects.create(user=user, clinic=clinic_b.clinic, role=Role.CASE_MANAGER)
    client = Client()
    sign_in(client, user.email)
    page = client.get("/").content.decode()
    assert clinic_a.clinic.name in page
    assert clinic_b.clinic.name in page
    assert "Case manager" in page
    # Signing in is on both clinics' trails.
    assert events(clinic_a.clinic, action="login", actor=user)
    assert events(clinic_b.clinic, action="login", actor=user)


def test_deactivated_membership_loses_the_clinic(clinic_a: Tenant) -> None:
    membership = clinic_a.members[Role.NURSE]
    client = clinic_a.client_for(Role.NURSE)
    with clinic_context(clinic_a.clinic.pk):
        membership_update(membership=membership, actor=clinic_a.admin.user, is_active=False)
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 404


def test_wrong_password_is_refused_and_audited(clinic_a: Tenant) -> None:
    response = sign_in(Client(), clinic_a.admin.user.email, "not the password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode().lower()
    assert events(clinic_a.clinic, action="login_failed", actor=clinic_a.admin.user)


def test_sign_in_is_rate_limited(clinic_a: Tenant) -> None:
    client = Client()
    statuses = [sign_in(client, clinic_a.admin.user.email, "wrong").status_code for _ in range(5)]
    assert statuses == [200] * 5
    # Even the right password waits out the limit (tests/iop/test_signin.py has the rest).
    response = sign_in(client, clinic_a.admin.user.email)
    assert response.status_code == 200
    assert "Too many failed sign-ins for this account" in response.content.decode()
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 302


def test_signup_is_closed(db: None) -> None:
    response = Client().post(
        "/accounts/signup/",
        {"email": "stranger@example.com", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert not User.objects.filter(email="stranger@example.com").exists()
    assert response.status_code in (200, 403)


@pytest.mark.worker
def test_invitation_lets_a_new_person_choose_a_password_and_sign_in(
    clinic_a: Tenant, celery_worker: object
) -> None:
    with clinic_context(clinic_a.clinic.pk):
        membership_invite(
            clinic=clinic_a.clinic,
            actor=clinic_a.admin.user,
            email="New.Person@Clinic.example",
            role=Role.CASE_MANAGER,
            first_name="New",
            last_name="Person",
        )
    assert wait_until(lambda: len(mail.outbox) == 1)  # sent by the worker after commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@clinic.example"]
    assert clinic_a.clinic.name in message.subject
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", message.body)
    assert link is not None
    client = Client()
    page = client.get(link.group(0).removeprefix("http://127.0.0.1:8000"), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(0)
    new_password = "a long and memorable passphrase"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    client = Client()
    sign_in(client, "new.person@clinic.example", new_password)
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 200


def test_inviting_someone_already_on_staff_is_a_field_error(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    email = clinic_a.members[Role.NURSE].user.email
    response = client.post(
        f"/c/{clinic_a.clinic.slug}/staff/invite/", {"email": email, "role": Role.THERAPIST}
    )
    assert response.status_code == 200
    assert "already on this clinic" in response.content.decode()


def test_the_last_admin_cannot_be_demoted(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    response = client.post(
        f"/c/{clinic_a.clinic.slug}/staff/{clinic_a.admin.pk}/",
        {"role": Role.THERAPIST, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    with clinic_context(clinic_a.clinic.pk):
        clinic_a.admin.refresh_from_db()
    assert clinic_a.admin.role == Role.ADMIN


def require_mfa(clinic: Clinic) -> None:
    Clinic.objects.filter(pk=clinic.pk).update(require_mfa=True)


def test_mfa_required_sends_members_to_set_up_an_authenticator(clinic_a: Tenant) -> None:
    require_mfa(clinic_a.clinic)
    client = clinic_a.client_for(Role.THERAPIST)
    response = client.get(f"/c/{clinic_a.clinic.slug}/patients/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # The API refuses the session too, rather than becoming a way around it.
    api = client.get("/api/v1/me", headers={"X-Clinic": clinic_a.clinic.slug})
    assert api.status_code in (401, 403)


def test_with_an_authenticator_sign_in_asks_for_the_code(clinic_a: Tenant) -> None:
    require_mfa(clinic_a.clinic)
    user = clinic_a.members[Role.THERAPIST].user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    # Not signed in until the code is given.
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 302
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 200
    assert Authenticator.objects.filter(user=user).count() == 1


def test_idle_session_is_signed_out(clinic_a: Tenant) -> None:
    client = Client()
    sign_in(client, clinic_a.admin.user.email)
    url = f"/c/{clinic_a.clinic.slug}/patients/"
    assert client.get(url).status_code == 200
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 16 * 60  # default limit: 15 minutes
    session.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get(url).status_code == 302  # really signed out
    assert events(clinic_a.clinic, action="idle_logoff", actor=clinic_a.admin.user)


def test_activity_within_the_limit_keeps_the_session(clinic_a: Tenant) -> None:
    client = Client()
    sign_in(client, clinic_a.admin.user.email)
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 14 * 60
    session.save()
    assert client.post("/session/keepalive").status_code == 204
    session = client.session
    session[SESSION_LAST_SEEN] -= 14 * 60 - 60  # 13 minutes after the keep-alive
    session.save()
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 200


def test_idle_limit_is_the_clinics_setting(clinic_a: Tenant) -> None:
    Clinic.objects.filter(pk=clinic_a.clinic.pk).update(idle_timeout_minutes=5)
    client = Client()
    sign_in(client, clinic_a.admin.user.email)
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 6 * 60
    session.save()
    assert client.get(f"/c/{clinic_a.clinic.slug}/").status_code == 302
