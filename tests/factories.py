"""Test data, built through the real services: tenant rows are created inside their clinic's
row-level-security context, as the app does."""

import datetime
import itertools
from typing import Any

import factory

from iop import services
from iop.models import ApiToken, Clinic, Membership, Patient, Site, User
from iop.roles import Role
from iop.tenancy import clinic_context

PASSWORD = "correct horse battery staple"
_record_numbers = itertools.count(1000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@clinic.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    timezone = "America/Chicago"
    require_mfa = False


def member(clinic: Clinic, role: str = Role.ADMIN, **user_fields: Any) -> Membership:
    return Membership.objects.create(user=UserFactory(**user_fields), clinic=clinic, role=role)


def patient(clinic: Clinic, *, actor: User, **fields: Any) -> Patient:
    values = {
        "record_number": f"MRN{next(_record_numbers)}",
        "legal_first_name": "Pat",
        "legal_last_name": "Doe",
        "date_of_birth": datetime.date(1990, 5, 17),
        **fields,
    }
    with clinic_context(clinic.pk):
        return services.patient_create(clinic=clinic, actor=actor, **values)


def site(clinic: Clinic, *, actor: User, name: str = "Main campus") -> Site:
    with clinic_context(clinic.pk):
        return services.site_create(clinic=clinic, actor=actor, name=name)


def api_token(membership: Membership) -> tuple[ApiToken, str]:
    return services.api_token_create(membership=membership, actor=membership.user, name="Tests")
