"""Benchmark, not a test: the missed-session sweep over 10,000 misses in one clinic."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from iop.tenancy import clinic_context
from scheduling import makeups
from scheduling.models import MakeupProposal
from tests.conftest import build_tenant
from tests.scheduling.backlog import build_backlog


def test_sweep_10000_misses(db: None) -> None:
    tenant = build_tenant("bench-sweep")
    clinic = tenant.clinic
    total = build_backlog(tenant, 10_000)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        first = makeups.missed_sweep(clinic=clinic)
    took = time.perf_counter() - started
    started = time.perf_counter()
    again = makeups.missed_sweep(clinic=clinic)
    second = time.perf_counter() - started
    with clinic_context(clinic.pk):
        proposals = MakeupProposal.objects.filter(clinic=clinic).count()
    print(
        f"\nsweep: {first.missed} misses, {first.proposals} proposals ({proposals} stored) "
        f"in {took:.2f} s ({len(queries)} queries); second run {second:.2f} s, "
        f"new misses {again.missed}"
    )
    assert first.missed == total >= 10_000 - 84
    assert again.missed == 0
