"""Benchmark, not a test: the missed-session sweep over 10,000 misses in one clinic, beside
one INSERT … SELECT of the same misses, in two states of the planner's statistics: none
taken yet (the planner goes by table sizes), and taken while the miss table was empty (the
state that once ran for over 15 minutes). Each sample runs in a savepoint rolled back after
it, so every sample sweeps the same 10,000 misses."""

import os
import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench import floors
from iop.tenancy import clinic_context
from scheduling import makeups
from tests.conftest import build_tenant
from tests.scheduling.backlog import build_backlog

SAMPLES = int(os.environ.get("BENCH_SWEEP_SAMPLES", "3"))

FLOOR = """
    INSERT INTO scheduling_missedsession
        (clinic_id, attendance_id, patient_id, session_id, excused, status, detected_at,
         none_found, waive_reason)
    SELECT a.clinic_id, a.id, a.patient_id, a.session_id, a.status = 'excused', 'open', now(),
           '', ''
    FROM scheduling_attendance a JOIN scheduling_session s ON s.id = a.session_id
    WHERE a.clinic_id = %s AND a.is_active AND a.status IN ('absent', 'excused')
      AND s.status <> 'cancelled' AND s.ends_at <= now() AND s.kind = ANY(%s)
    ON CONFLICT DO NOTHING
"""


def timed_in_savepoint(setup: Callable[[], None], work: Callable[[], object]) -> float:
    with transaction.atomic():
        setup()
        started = time.perf_counter()
        work()
        took = time.perf_counter() - started
        transaction.set_rollback(True)
    return took


def test_sweep_10000_misses_beside_an_insert_select(db: None) -> None:
    tenant = build_tenant("bench-sweep")
    clinic = tenant.clinic
    total = build_backlog(tenant, 10_000)

    def floor() -> None:
        with clinic_context(clinic.pk), connection.cursor() as cursor:
            cursor.execute(FLOOR, [clinic.pk, makeups.MISSABLE_KINDS])
            assert cursor.rowcount == total

    def sweep() -> None:
        swept = makeups.missed_sweep(clinic=clinic)
        assert swept.missed == total

    def no_statistics() -> None:
        pass

    def taken_while_empty() -> None:
        with connection.cursor() as cursor:
            for table in ("attendance", "session", "missedsession", "makeupproposal"):
                cursor.execute(f"ANALYZE scheduling_{table}")

    for state, setup in (
        ("no statistics yet", no_statistics),
        ("statistics taken while the miss table was empty", taken_while_empty),
    ):
        floor_s, product_s = [], []
        for _ in range(SAMPLES):
            floor_s.append(timed_in_savepoint(setup, floor))
            product_s.append(timed_in_savepoint(setup, sweep))
        with transaction.atomic():
            setup()
            with CaptureQueriesContext(connection) as queries:
                sweep()
            transaction.set_rollback(True)
        floors.record(
            floors.Row(
                f"make-up sweep, {total} misses, {state}",
                "one INSERT…SELECT of the misses",
                statistics.median(floor_s) * 1000,
                statistics.median(product_s) * 1000,
                queries=f"{len(queries)}",
                note=f"median of {SAMPLES}; batches of {makeups.SWEEP_BATCH}, with proposals",
            )
        )
