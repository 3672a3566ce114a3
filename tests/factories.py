"""Test data, built through the real services: tenant rows are created inside their clinic's
row-level-security context, as the app does."""

import datetime
import itertools
from typing import Any

import factory

from iop import clock, services
from iop.models import (
    ApiToken,
    Authorization,
    Clinic,
    Coverage,
    Diagnosis,
    Medication,
    Membership,
    Patient,
    PaymentPlan,
    Site,
    Track,
    User,
)
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
    user = UserFactory(**user_fields)
    with clinic_context(clinic.pk):
        return Membership.objects.create(user=user, clinic=clinic, role=role)


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
    with clinic_context(membership.clinic_id):
        return services.api_token_create(membership=membership, actor=membership.user, name="Tests")


def track(clinic: Clinic, *, actor: User, name: str = "Morning IOP", **fields: Any) -> Track:
    """A Mon/Tue/Thu track with one three-hour group block a day."""
    from scheduling.services import track_create

    start, end = fields.pop("hours", (datetime.time(9), datetime.time(12)))
    values = {
        "slot": "morning", "weekdays": [0, 1, 3], "starts_at": start, "ends_at": end,
        "active_from": clock.today(clinic) - datetime.timedelta(days=90), **fields,
    }  # fmt: skip
    blocks = [
        {"weekday": day, "starts_at": start, "ends_at": end, "kind": "group"}
        for day in values["weekdays"]
    ]
    with clinic_context(clinic.pk):
        return track_create(clinic=clinic, actor=actor, name=name, blocks=blocks, **values)


def calendar_records(clinic: Clinic) -> dict[str, Any]:
    """The clinic's curriculum and sessions; one of each calendar record to point at."""
    from groups.services import group_types_create_defaults
    from scheduling.models import Attendance, Topic
    from scheduling.services import sessions_generate

    group_types_create_defaults(clinic=clinic, actor=None)  # as clinic_create does
    sessions_generate(clinic=clinic)
    with clinic_context(clinic.pk):
        row = Attendance.objects.filter(clinic=clinic).select_related("session__track").first()
        topic = Topic.objects.filter(clinic=clinic).select_related("group_type").first()
    assert row is not None
    assert topic is not None
    return {
        "attendance_id": row, "session_id": row.session, "track_id": row.session.track,
        "topic_id": topic, "group_type_id": topic.group_type,
    }  # fmt: skip


def past_session(
    clinic: Clinic,
    *,
    actor: User,
    days_ago: int = 2,
    hours: tuple[int, int] = (14, 16),
    **fields: Any,
) -> Any:
    """A session that already happened, at the given local hours `days_ago` days back."""
    from scheduling.services import session_create

    tz = clock.zone(clinic)
    day = clock.today(clinic) - datetime.timedelta(days=days_ago)
    return session_create(
        clinic=clinic, actor=actor, day=day, starts_at=clock.at(tz, day, datetime.time(hours[0])),
        ends_at=clock.at(tz, day, datetime.time(hours[1])), **{"kind": "group", **fields},
    )  # fmt: skip


def missed_session(patient: Patient, *, actor: User, status: str = "absent", **fields: Any) -> Any:
    """The patient absent (or excused) from a past session, swept into a `MissedSession`."""
    from scheduling.makeups import missed_sweep
    from scheduling.models import MissedSession
    from scheduling.services import attendance_add, attendance_mark

    session = past_session(patient.clinic, actor=actor, **fields)
    row = attendance_add(session=session, patient=patient, actor=actor)
    row.session = session
    attendance_mark(row, actor=actor, status=status)
    missed_sweep(clinic=patient.clinic)
    with clinic_context(patient.clinic_id):
        return MissedSession.objects.select_related("session").get(attendance=row)


def full_record(patient: Patient, *, actor: User, label: str) -> dict[str, Any]:
    """One of each part of a chart, through the services; keyed by the id names URLs use."""
    today = clock.today(patient.clinic)
    enrollment = services.enrollment_create(
        patient=patient,
        actor=actor,
        track=track(patient.clinic, actor=actor),
        admission_date=today - datetime.timedelta(days=20),
    )
    coverage = services.record_create(
        Coverage, patient=patient, actor=actor, payer=f"Payer {label}", member_id="M-1"
    )
    return {
        "enrollment_id": enrollment,
        "diagnosis_id": services.record_create(
            Diagnosis,
            patient=patient,
            actor=actor,
            icd10_code="F10.20",
            description=f"Alcohol dependence {label}",
            category="substance_use",
        ),
        "medication_id": services.record_create(
            Medication, patient=patient, actor=actor, name=f"naltrexone {label}", dose="50 mg"
        ),
        "coverage_id": coverage,
        "payment_plan_id": services.record_create(
            PaymentPlan,
            patient=patient,
            actor=actor,
            total_amount="1200.00",
            installment_amount="100.00",
            first_payment_on=today,
        ),
        "authorization_id": services.record_create(
            Authorization,
            patient=patient,
            actor=actor,
            coverage=coverage,
            number=f"A-{label}",
            service_code="H0015",
            units_authorized=30,
            start_date=today,
            end_date=today + datetime.timedelta(days=60),
        ),
        **calendar_records(patient.clinic),
        "missed_id": missed_session(patient, actor=actor, days_ago=9, hours=(10, 11)),
        "inquiry_id": services.inquiry_create(
            clinic=patient.clinic,
            actor=actor,
            first_name="Casey",
            last_name=f"Caller-{label}",
            referral_source="self",
        ),
    }
