"""Management commands: creating a clinic, the demo data."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from iop.models import AuditEvent, Clinic, Membership, Patient, Site, User
from iop.roles import Role
from iop.tenancy import clinic_context, user_context
from scheduling.models import GroupType
from tests.conftest import wait_until


@pytest.mark.worker
def test_create_clinic_makes_the_tenant_and_invites_its_admin(celery_worker: object) -> None:
    out = StringIO()
    call_command(
        "create_clinic", name="Lakeside IOP", slug="lakeside", admin_email="Boss@Lakeside.example",
        stdout=out,
    )  # fmt: skip
    clinic = Clinic.objects.get(slug="lakeside")
    assert clinic.require_mfa  # real clinics require two-factor sign-in by default
    with clinic_context(clinic.pk):
        membership = Membership.objects.select_related("user").get(clinic=clinic)
    assert (membership.user.email, membership.role) == ("boss@lakeside.example", Role.ADMIN)
    assert not membership.user.has_usable_password()
    assert wait_until(lambda: len(mail.outbox) == 1)
    assert "Lakeside IOP" in mail.outbox[0].subject
    with clinic_context(clinic.pk):
        created = AuditEvent.objects.filter(clinic=clinic, action="create")
        # The clinic, its admin's membership, and the starting curriculum.
        assert sorted(created.values_list("object_type", flat=True)) == [
            "",
            "iop.clinic",
            "iop.membership",
        ]
        assert GroupType.objects.filter(clinic=clinic).count() == 4


@pytest.mark.django_db
def test_create_clinic_refuses_a_taken_slug_clearly() -> None:
    Clinic.objects.create(name="Existing", slug="taken")
    with pytest.raises(CommandError, match="slug"):
        call_command("create_clinic", name="Other", slug="taken", admin_email="a@b.example")


@pytest.mark.django_db
def test_seed_demo_builds_two_clinics_with_every_role_once() -> None:
    out = StringIO()
    call_command("seed_demo", patients=4, stdout=out)
    call_command("seed_demo", "--if-empty", stdout=out)  # a second run adds nothing
    assert set(Clinic.objects.values_list("slug", flat=True)) == {"demo", "second"}
    for clinic in Clinic.objects.all():
        with clinic_context(clinic.pk):
            roles = Membership.objects.filter(clinic=clinic).values_list("role", flat=True)
            assert sorted(roles) == sorted([*Role.values, Role.THERAPIST])  # + the shared one
            assert Patient.objects.count() == 4
            assert Site.objects.exists()
    multi = User.objects.get(email="multi@demo.example")
    with user_context(multi.pk):
        assert Membership.objects.filter(user=multi).count() == 2
    text = out.getvalue()
    assert "admin@demo.example" in text
    assert "auditor@second.example" in text
