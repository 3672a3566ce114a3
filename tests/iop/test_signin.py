"""Signing in: throttles that lock an account, not a clinic's shared address; an invitation
that proves the address, so two-factor set-up works the first time; password hashing."""

import datetime
import re
import time
from typing import Any

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core import mail
from django.test import Client
from django.urls import reverse

from iop import clock
from iop.models import User
from iop.roles import Role
from iop.services import clinic_create
from iop.settings import base as base_settings
from tests import factories
from tests.conftest import Tenant, wait_until

LOGIN = "/accounts/login/"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.worker
def test_an_invited_admin_sets_a_password_and_turns_on_totp_first_time(
    celery_worker: object,
) -> None:
    clinic = clinic_create(name="Lakeside Recovery", admin_email="Head.Admin@Lakeside.example")
    assert clinic.require_mfa
    assert wait_until(lambda: len(mail.outbox) == 1)
    link = re.search(r"http://\S+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link is not None
    client = Client()
    page = client.get(link.group(1), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    password = "a long and memorable passphrase"
    response = client.post(form_url, {"password1": password, "password2": password})
    assert response.status_code == 302

    client = Client()
    response = client.post(LOGIN, {"login": "head.admin@lakeside.example", "password": password})
    assert response.status_code == 302
    # The clinic requires MFA: the first page is the authenticator set-up, and it works.
    response = client.get(f"/c/{clinic.slug}/", follow=True)
    # allauth asks for the password once more before an authenticator is added (a session
    # left open must not be enough to attach someone else's app); no email step is asked.
    reauthenticate = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
    assert response.redirect_chain[-1][0] == reauthenticate
    response = client.post(reauthenticate, {"password": password}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert "verified your email" not in response.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(email="head.admin@lakeside.example")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()
    assert client.get(f"/c/{clinic.slug}/").status_code == 200


# --- Throttles -------------------------------------------------------------------------------
CLINIC_ADDRESS = "203.0.113.10"  # the one public address every colleague signs in from


def sign_in(email: str, password: str = factories.PASSWORD, *, ip: str = CLINIC_ADDRESS) -> Any:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"login": email, "password": password})
    response.client = client
    return response


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_failed_sign_ins_lock_the_account_while_colleagues_behind_it_sign_in(
    clinic_a: Tenant,
) -> None:
    admin = clinic_a.admin.user.email
    for _ in range(5):
        response = sign_in(admin, "a typo")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    # Locked: even the right password waits, and the page says so and for how long.
    response = sign_in(admin)
    assert not signed_in(response)
    page = response.content.decode()
    assert "Too many failed sign-ins for this account" in page
    assert "locked for 5 minutes" in page
    # The colleague at the next desk, behind the same address, is not affected.
    for role in (Role.THERAPIST, Role.FRONT_DESK):
        assert signed_in(sign_in(clinic_a.members[role].user.email))
    # Nor is the address's allowance spent by attempts on the locked account.
    for _ in range(20):
        assert "for this account" in sign_in(admin, "a typo").content.decode()
    assert signed_in(sign_in(clinic_a.members[Role.NURSE].user.email))


def test_the_wait_grows_as_failures_go_on(clinic_a: Tenant) -> None:
    admin = clinic_a.admin.user.email
    with time_machine.travel(clock.now(), tick=False) as traveller:
        for _ in range(5):
            sign_in(admin, "a typo")
        traveller.shift(datetime.timedelta(minutes=6))
        assert signed_in(sign_in(admin))  # the first lock lasted five minutes
        for _ in range(5):
            sign_in(admin, "a typo")
        # Ten in the hour: now it is the hour's window, counted from the first failure.
        page = sign_in(admin).content.decode()
        assert "locked for 54 minutes" in page
        traveller.shift(datetime.timedelta(minutes=10))
        assert not signed_in(sign_in(admin))
        traveller.shift(datetime.timedelta(minutes=45))
        assert signed_in(sign_in(admin))


def test_choosing_a_new_password_lifts_the_lock(clinic_a: Tenant) -> None:
    user = clinic_a.admin.user
    for _ in range(5):
        sign_in(user.email, "a typo")
    assert not signed_in(sign_in(user.email))
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    client = Client(REMOTE_ADDR=CLINIC_ADDRESS)
    form_url = client.get(path)["Location"]
    password = "a brand new passphrase"
    assert client.post(form_url, {"password1": password, "password2": password}).status_code == 302
    assert signed_in(sign_in(user.email, password))


def test_one_address_trying_many_accounts_is_throttled(clinic_a: Tenant) -> None:
    # Spraying: never five on one account, so only the address's limit can stop it. Sixty a
    # minute for five minutes: well past what a clinic's typos reach.
    with time_machine.travel(clock.now(), tick=False) as traveller:
        for number in range(300):
            if number and number % 60 == 0:
                traveller.shift(datetime.timedelta(minutes=1))
            response = sign_in(f"guess{number}@clinic.example", "Password1!")
            assert response.status_code == 200
            assert "Too many" not in response.content.decode(), number
        response = sign_in(clinic_a.members[Role.THERAPIST].user.email)
        assert not signed_in(response)
        page = response.content.decode()
        assert "Too many failed sign-ins from this network address" in page
        assert "Try again in 56 minutes" in page
        # Another address is unaffected.
        assert signed_in(sign_in(clinic_a.members[Role.THERAPIST].user.email, ip="198.51.100.7"))


def test_a_shift_signing_in_at_one_desk_is_not_throttled(clinic_a: Tenant) -> None:
    # allauth's default counts 30 sign-ins a minute per address, right or wrong.
    with time_machine.travel(clock.now(), tick=False):
        for _ in range(8):
            for membership in clinic_a.members.values():
                assert signed_in(sign_in(membership.user.email))
    assert len(clinic_a.members) * 8 > 30


# --- Password hashing ------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_and_old_hashes_upgrade_on_sign_in(
    clinic_a: Tenant, settings: Any
) -> None:
    # The suite hashes with MD5 for speed; this test uses what every other setting runs.
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS
    assert identify_hasher(make_password("x" * 20)).algorithm == "argon2"
    user = clinic_a.members[Role.THERAPIST].user
    old = make_password("an older passphrase", hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old)
    assert not signed_in(sign_in(user.email, "not it"))
    user.refresh_from_db()
    assert user.password == old  # a wrong password changes nothing
    assert signed_in(sign_in(user.email, "an older passphrase"))
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert check_password("an older passphrase", user.password)
    assert signed_in(sign_in(user.email, "an older passphrase"))
