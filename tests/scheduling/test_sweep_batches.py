"""The missed-session sweep over a backlog: its plan does not depend on the planner's
statistics, it commits batch by batch, and a run that is stopped resumes where it stopped."""

import ctypes
import threading
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from iop.tenancy import clinic_context
from scheduling import makeups, tasks
from scheduling import services as calendar
from scheduling.models import Attendance, MakeupProposal, MissedSession
from tests import factories
from tests.conftest import Tenant, wait_until
from tests.scheduling.backlog import build_backlog
from tests.scheduling.test_makeups import evening_track, skills_with_topic


def recorded(tenant: Tenant) -> tuple[int, int, int]:
    """Misses, misses with a proposal or a reason for none, and proposals: of the patients
    made absent here (the tenant's own fixture has a miss already)."""
    with clinic_context(tenant.clinic.pk):
        misses = MissedSession.objects.filter(
            clinic=tenant.clinic, patient__legal_first_name__in=["Bench", "Away"]
        )
        answered = misses.filter(proposals__isnull=False).distinct().count()
        answered += misses.filter(proposals__isnull=True).exclude(none_found="").count()
        proposals = MakeupProposal.objects.filter(clinic=tenant.clinic, missed__in=misses)
        return misses.count(), answered, proposals.count()


def test_a_backlog_swept_on_statistics_taken_before_it_finishes_in_seconds(
    clinic_a: Tenant,
) -> None:
    """The state that once ran for over 15 minutes: the planner's statistics say the miss
    and proposal tables are empty while thousands of misses are waiting. Every statement
    of the sweep is held to a few seconds, so a regression fails here instead of hanging."""
    total = build_backlog(clinic_a, 5000)
    with connection.cursor() as cursor:
        for table in ("attendance", "session", "missedsession", "makeupproposal"):
            cursor.execute(f"ANALYZE scheduling_{table}")
        cursor.execute("SET statement_timeout = '4s'")
    try:
        started = time.monotonic()
        swept = makeups.missed_sweep(clinic=clinic_a.clinic)
        took = time.monotonic() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert swept.missed == total == 5000
    assert swept.batches == 5
    assert swept.finished
    misses, answered, stored = recorded(clinic_a)
    assert misses == answered == total
    assert stored == swept.proposals > 0
    assert took < 30
    assert makeups.missed_sweep(clinic=clinic_a.clinic).missed == 0


def _absent_from_groups(tenant: Tenant, count: int) -> None:
    skills, _ = skills_with_topic(tenant)
    evening_track(tenant, skills)
    admin = tenant.admin.user
    for n in range(count):
        patient = factories.patient(
            tenant.clinic, actor=admin, legal_first_name="Away", legal_last_name=f"P{n}"
        )
        session = factories.past_session(tenant.clinic, actor=admin, group_type=skills)
        row = calendar.attendance_add(session=session, patient=patient, actor=admin)
        row.session = session
        # Marked without the roster's fast path: the sweep under test finds them.
        with clinic_context(tenant.clinic.pk):
            Attendance.objects.filter(pk=row.pk).update(status="absent", minutes_attended=0)


@pytest.mark.django_db(transaction=True)
def test_a_run_out_of_time_keeps_its_batches_and_the_next_run_carries_on(
    clinic_a: Tenant,
) -> None:
    _absent_from_groups(clinic_a, 5)
    first = makeups.missed_sweep(clinic=clinic_a.clinic, batch=2, budget=makeups.SWEEP_BUDGET * 0)
    assert (first.missed, first.batches, first.finished) == (2, 1, False)
    assert recorded(clinic_a)[:2] == (2, 2)
    second = makeups.missed_sweep(clinic=clinic_a.clinic, batch=2)
    assert (second.missed, second.batches, second.finished) == (3, 2, True)
    misses, answered, stored = recorded(clinic_a)
    assert misses == answered == 5
    assert stored == first.proposals + second.proposals == 15


@pytest.mark.django_db(transaction=True)
def test_a_soft_time_limit_mid_batch_rolls_back_only_that_batch(clinic_a: Tenant) -> None:
    """Celery's soft time limit is an exception raised in the running thread wherever it
    is; raised the same way here, between the sweep's statements, after a batch committed."""
    _absent_from_groups(clinic_a, 30)
    outcome: list[BaseException | makeups.Swept] = []

    def sweep() -> None:
        try:
            outcome.append(makeups.missed_sweep(clinic=clinic_a.clinic, batch=1))
        except BaseException as exc:  # noqa: BLE001 - the interruption under test
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=sweep)
    thread.start()
    assert wait_until(lambda: recorded(clinic_a)[0] >= 2, timeout=30)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident or 0), ctypes.py_object(SoftTimeLimitExceeded)
    )
    thread.join(30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], SoftTimeLimitExceeded)
    misses, answered, _ = recorded(clinic_a)
    assert 2 <= misses < 30
    assert answered == misses  # every committed miss has its proposals or its reason
    rest = makeups.missed_sweep(clinic=clinic_a.clinic)
    assert rest.missed == 30 - misses
    misses, answered, stored = recorded(clinic_a)
    assert misses == answered == 30
    assert stored == 90


@pytest.mark.django_db(transaction=True)
def test_the_worker_hands_what_is_left_to_a_fresh_job(
    clinic_a: Tenant, celery_worker: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real worker: each job records one batch, uses its (zero) budget and
    enqueues the next, until the backlog is swept."""
    _absent_from_groups(clinic_a, 4)
    monkeypatch.setattr(makeups, "SWEEP_BATCH", 1)
    monkeypatch.setattr(makeups, "SWEEP_BUDGET", makeups.SWEEP_BUDGET * 0)
    tasks.sweep_missed.delay(clinic_id=clinic_a.clinic.pk)
    assert wait_until(lambda: recorded(clinic_a) == (4, 4, 12), timeout=30)
