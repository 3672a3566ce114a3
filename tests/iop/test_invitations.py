"""Invitations: a clinic never learns anything of a person from another clinic, the person
chooses whether to join, and the same address invited six times at once is one place."""

import threading

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from iop import services
from iop.models import Membership, User
from iop.roles import Role
from iop.tenancy import clinic_context, user_context
from tests.conftest import Tenant


def invite(tenant: Tenant, email: str, role: str = Role.THERAPIST) -> Client:
    client = tenant.client_for()
    client.post(f"/c/{tenant.clinic.slug}/staff/invite/", {"email": email, "role": role})
    return client


def test_inviting_another_clinics_staff_reveals_nothing_until_they_accept(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    person = clinic_b.members[Role.NURSE].user
    User.objects.filter(pk=person.pk).update(first_name="Zelda", last_name="Quimby")
    admin = invite(clinic_a, person.email)
    slug = clinic_a.clinic.slug
    page = admin.get(f"/c/{slug}/staff/").content.decode()
    assert person.email in page
    assert "Invited" in page
    assert "Zelda" not in page
    assert "Quimby" not in page
    staff = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"}).get(
        "/api/v1/staff/", {"page_size": 100}
    )
    listed = next(m for m in staff.json()["results"] if m["email"] == person.email)
    assert (listed["first_name"], listed["last_name"], listed["accepted_at"]) == ("", "", None)
    with clinic_context(clinic_a.clinic.pk):
        place = Membership.objects.get(clinic=clinic_a.clinic, user=person)
    assert "Quimby" not in admin.get(f"/c/{slug}/staff/{place.pk}/").content.decode()

    # Until they accept they have no access, and their chooser asks them.
    invited = Client()
    invited.force_login(person)
    assert invited.get(f"/c/{slug}/").status_code == 404
    home = invited.get("/")
    assert home.status_code == 200
    assert clinic_a.clinic.name in home.content.decode()
    accepted = invited.post(f"/invitations/{place.pk}/", {"answer": "accept"})
    assert accepted.status_code == 302
    assert invited.get(f"/c/{slug}/").status_code == 200
    assert "Quimby" in admin.get(f"/c/{slug}/staff/").content.decode()


def test_a_declined_invitation_is_gone_and_only_its_person_may_answer_it(
    clinic_a: Tenant, clinic_b: Tenant
) -> None:
    person = clinic_b.members[Role.AUDITOR].user
    invite(clinic_a, person.email, Role.AUDITOR)
    with clinic_context(clinic_a.clinic.pk):
        place = Membership.objects.get(clinic=clinic_a.clinic, user=person)
    # Someone else (even the inviting admin) cannot answer it.
    other = clinic_a.client_for()
    assert other.post(f"/invitations/{place.pk}/", {"answer": "accept"}).status_code == 404
    invited = Client()
    invited.force_login(person)
    assert invited.post(f"/invitations/{place.pk}/", {"answer": "decline"}).status_code == 302
    with clinic_context(clinic_a.clinic.pk):
        assert not Membership.objects.filter(pk=place.pk).exists()
    assert invited.get(f"/c/{clinic_a.clinic.slug}/").status_code == 404


def test_a_new_persons_invitation_is_in_force_at_once(clinic_a: Tenant) -> None:
    invite(clinic_a, "brand.new@clinic.example")
    with clinic_context(clinic_a.clinic.pk):
        place = Membership.objects.get(
            clinic=clinic_a.clinic, user__email="brand.new@clinic.example"
        )
    assert place.is_accepted


@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_invites_of_one_new_address_make_one_place(clinic_a: Tenant) -> None:
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def one() -> None:
        start.wait()
        try:
            with clinic_context(clinic_a.clinic.pk):  # as the invite page runs it
                services.membership_invite(
                    clinic=clinic_a.clinic, actor=clinic_a.admin.user,
                    email="rush@clinic.example", role=Role.NURSE,
                )  # fmt: skip
            outcomes.append("invited")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("invited") == 1, outcomes
    assert set(outcomes) - {"invited"} <= {"rush@clinic.example is already on this clinic's staff."}
    rush = User.objects.get(email="rush@clinic.example")
    with user_context(rush.pk):
        assert Membership.objects.filter(user=rush).count() == 1


def test_a_new_email_address_counts_only_once_its_owner_confirms_it(clinic_a: Tenant) -> None:
    user = clinic_a.members[Role.NURSE].user
    client = clinic_a.client_for(Role.NURSE)
    response = client.post(
        "/accounts/email/", {"email": "=cmd@elsewhere.example", "action_add": ""}
    )
    assert response.status_code in (200, 302)
    user.refresh_from_db()
    assert user.email != "=cmd@elsewhere.example"
    pending = EmailAddress.objects.get(user=user, email="=cmd@elsewhere.example")
    assert not pending.verified
    assert not pending.primary
    key = EmailConfirmationHMAC(pending).key
    assert client.post(f"/accounts/confirm-email/{key}/").status_code == 302
    user.refresh_from_db()
    assert user.email == "=cmd@elsewhere.example"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "=cmd@elsewhere.example"
    ]
