"""Jobs run on a real Celery worker: enqueued only on commit, exactly once, inside the
clinic's row-level-security context."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction

from iop.celery import app
from iop.jobs import ClinicTask
from iop.models import Patient
from iop.roles import Role
from iop.services import membership_invite
from iop.tenancy import clinic_context
from tests.conftest import Tenant, wait_until

pytestmark = pytest.mark.worker


@app.task(base=ClinicTask, name="tests.count_visible_patients")
def count_visible_patients(*, clinic_id: int) -> None:
    """What a clinic job can see: only its own clinic's rows."""
    cache.set(f"visible-patients-{clinic_id}", Patient.objects.count())


def invite(tenant: Tenant, email: str) -> None:
    with clinic_context(tenant.clinic.pk):  # as the invite page runs it
        membership_invite(
            clinic=tenant.clinic, actor=tenant.admin.user, email=email, role=Role.THERAPIST
        )


def test_a_job_from_a_rolled_back_transaction_never_runs(
    clinic_a: Tenant, celery_worker: object
) -> None:
    def failing_request() -> None:
        with transaction.atomic():
            invite(clinic_a, "rolled.back@clinic.example")
            raise RuntimeError("the request failed after the invitation")

    with pytest.raises(RuntimeError):
        failing_request()
    with transaction.atomic():
        invite(clinic_a, "committed@clinic.example")
    assert wait_until(lambda: len(mail.outbox) >= 1)
    time.sleep(1.0)  # room for a duplicate or a stray job to show up
    assert [m.to for m in mail.outbox] == [["committed@clinic.example"]]


def test_a_clinic_job_sees_only_its_clinic(
    clinic_a: Tenant, clinic_b: Tenant, celery_worker: object
) -> None:
    assert Patient.objects.count() == 0  # this test's own connection has no clinic bound
    count_visible_patients.delay(clinic_id=clinic_a.clinic.pk)
    count_visible_patients.delay(clinic_id=clinic_b.clinic.pk)
    key_a, key_b = (f"visible-patients-{t.clinic.pk}" for t in (clinic_a, clinic_b))
    assert wait_until(lambda: cache.get(key_a) is not None and cache.get(key_b) is not None)
    assert (cache.get(key_a), cache.get(key_b)) == (1, 1)


def test_a_clinic_job_without_a_clinic_fails_closed() -> None:
    with pytest.raises(TypeError, match="clinic_id"):
        count_visible_patients.apply(kwargs={}).get()
