"""The read that opens every clinic page and API request: the membership, its clinic and its
person in one hand-written query (iop.selectors.membership_for, api_token_authenticate), and
the session checks Django would make had it read the person itself
(iop.middleware.adopt_session_user)."""

from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from iop import tenancy
from iop.models import Membership, User
from iop.selectors import api_token_authenticate, membership_for
from tests.conftest import Tenant


def test_the_read_matches_the_orm_field_for_field(clinic_a: Tenant, clinic_b: Tenant) -> None:
    member = clinic_a.admin
    with tenancy.request_scope(user_id=member.user_id):
        found = membership_for(user_id=member.user_id, clinic_slug=clinic_a.clinic.slug)
        orm = Membership.objects.select_related("clinic", "user").get(pk=member.pk)
        assert found is not None
        for ours, theirs in [(found, orm), (found.clinic, orm.clinic), (found.user, orm.user)]:
            assert model_to_dict(ours) == model_to_dict(theirs)
            assert ours.pk == theirs.pk
            assert not ours._state.adding
        # Another clinic's slug, or the right slug with another clinic's id: nothing.
        assert membership_for(user_id=member.user_id, clinic_slug=clinic_b.clinic.slug) is None
        assert (
            membership_for(
                user_id=member.user_id,
                clinic_slug=clinic_a.clinic.slug,
                clinic_id=clinic_b.clinic.pk,
            )
            is None
        )


def test_a_tokens_read_matches_the_orm_and_refuses_an_inactive_person(clinic_a: Tenant) -> None:
    with tenancy.request_scope():
        token = api_token_authenticate(raw=clinic_a.token_secret)
        assert token is not None
        orm = Membership.objects.select_related("clinic", "user").get(pk=token.membership_id)
        for ours, theirs in [
            (token.membership, orm),
            (token.membership.clinic, orm.clinic),
            (token.membership.user, orm.user),
        ]:
            assert model_to_dict(ours) == model_to_dict(theirs)
    User.objects.filter(pk=orm.user_id).update(is_active=False)
    with tenancy.request_scope():
        assert api_token_authenticate(raw=clinic_a.token_secret) is None


def test_a_clinic_page_reads_no_session_row_and_no_person_apart(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    url = f"/c/{clinic_a.clinic.slug}/patients/"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in queries]
    assert not [s for s in sql if "django_session" in s]  # from Redis (cached_db)
    assert not [s for s in sql if s.startswith('SELECT "iop_user"')]  # with the membership


def test_a_password_changed_elsewhere_signs_the_session_out(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    url = f"/c/{clinic_a.clinic.slug}/patients/"
    assert client.get(url).status_code == 200
    user = User.objects.get(pk=clinic_a.admin.user_id)
    user.set_password("another long passphrase 42")
    user.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_deactivated_person_is_sent_to_sign_in(clinic_a: Tenant) -> None:
    client = clinic_a.client_for()
    url = f"/c/{clinic_a.clinic.slug}/patients/"
    assert client.get(url).status_code == 200
    User.objects.filter(pk=clinic_a.admin.user_id).update(is_active=False)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
