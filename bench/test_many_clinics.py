"""Benchmark, not a test: pages of the realistic clinic (bench/dataset.py: 300 active patients,
12 weeks of history) alone in the database, beside the same pages once 1,000 other clinics'
rows share its tables. Every query is scoped by clinic (and row-level security filters on
clinic_id), so the target is 1.0×: a page that slows with other clinics' rows reads them.

The "floor" here is the clinic alone. The two cannot be interleaved (the other clinics are
there or not), so each is measured in a block of twice the usual samples after a warm-up,
each sample taking the pages in turn: alone, then with the other clinics inserted and the
planner's statistics retaken. The rows are committed (`transactional_db`), so the flush
after the test truncates them: a rollback would leave 585,000 dead rows behind for the next
benches to scan until autovacuum came by (twice as slow on this machine).

Blocks on a shared machine drift (±20% between runs here, once 2× as the load doubled), so
a reference rides along in both blocks: the trivial view under `/c/<slug>/` (bench/urls.py),
which reads one clinic row by its slug and the person's session and membership, nothing the
other clinics have many rows in. Its ratio is the machine's drift; each page's note has its
ratio over the reference's. The note also has the shared buffers its reads touch, alone /
among (`buffers`): a count, not a time. It moves a little with the plans the new statistics
choose (the chart's weekly hours: a nested loop rescanning the patient's attendance index per
session, 16 → 281 buffers, 0.1 ms); a read of the other clinics' rows would add thousands
(585,000 rows fill thousands of pages).
"""

import statistics
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import dataset, floors
from iop.tenancy import clinic_context
from tests.conftest import settle_every_session

SAMPLES = 2 * floors.SAMPLES


def analyze() -> None:
    with connection.cursor() as cursor:
        for model in dataset.OTHER_CLINIC_MODELS:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass
class Measured:
    samples: list[float]  # ms
    queries: int
    buffers: int  # shared buffers its reads touched (EXPLAIN ANALYZE, BUFFERS)


def buffers(clinic_id: int, statements: list[str]) -> int:
    """The shared buffers (hit or read) the page's reads touch, each run again under EXPLAIN
    in the clinic: unlike time, a count the machine's load does not move. A read that
    touched other clinics' rows would touch more of them once they are there."""
    total = 0
    for sql in statements:
        if not sql.startswith("SELECT") or "set_config(" in sql:
            continue
        with clinic_context(clinic_id), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0][0]["Plan"]
        total += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    return total


def measure(clinic_id: int, pages: dict[str, tuple[Client, str]]) -> dict[str, Measured]:
    """Each page's samples, queries and buffers, the pages sampled in turn after a warm-up."""
    for _ in range(2):
        for client, url in pages.values():
            assert client.get(url).status_code == 200
    settle_every_session()
    counts, touched = {}, {}
    for name, (client, url) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[name] = len(queries)
        touched[name] = buffers(clinic_id, [q["sql"] for q in queries])
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(SAMPLES):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            client.get(url)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: Measured(samples[name], counts[name], touched[name]) for name in pages}


REFERENCE = "reference: trivial view under /c/<slug>/"


@override_settings(ROOT_URLCONF="bench.urls")
def test_pages_alone_beside_among_1000_other_clinics(transactional_db: None) -> None:
    real = dataset.realistic_clinic("bench-alone")
    tenant = real.tenant
    browser = tenant.client_for()
    api = Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})
    pages = {
        "patients list": (browser, f"/c/{real.slug}/patients/"),
        "chart": (browser, f"/c/{real.slug}/patients/{tenant.patient.pk}/"),
        "patients API, 50 rows": (api, "/api/v1/patients/"),
        "roster, 300 attendees": (browser, real.roster_url),
        # Reads nothing the other clinics have many rows in: its ratio is the machine's drift.
        REFERENCE: (browser, f"/c/{real.slug}/bench-trivial/"),
    }
    analyze()
    clinic_id = tenant.clinic.pk
    alone = measure(clinic_id, pages)
    started = time.perf_counter()
    with transaction.atomic():
        written = dataset.other_clinics()
    built = time.perf_counter() - started
    analyze()
    among = measure(clinic_id, pages)
    drift = statistics.median(among[REFERENCE].samples) / statistics.median(
        alone[REFERENCE].samples
    )
    for name in pages:
        before, after = alone[name], among[name]
        ratio = statistics.median(after.samples) / statistics.median(before.samples)
        floors.record(
            floors.Row(
                f"{name}, among {dataset.OTHER_CLINICS:,} other clinics",
                "the same clinic alone", statistics.median(before.samples),
                statistics.median(after.samples), queries=f"{before.queries} / {after.queries}",
                note=f"{ratio / drift:.2f}x over the reference's {drift:.2f}x; "
                f"buffers read {before.buffers} / {after.buffers}; {written:,} other "
                f"clinics' rows (built in {built:.0f} s); two blocks, not interleaved; "
                f"medians of {SAMPLES}",
            )
        )  # fmt: skip
