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
"""

import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import dataset, floors
from tests.conftest import settle_every_session

SAMPLES = 2 * floors.SAMPLES


def analyze() -> None:
    with connection.cursor() as cursor:
        for model in dataset.OTHER_CLINIC_MODELS:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def measure(pages: dict[str, tuple[Client, str]]) -> dict[str, tuple[list[float], int]]:
    """Each page's samples (ms) and queries, the pages sampled in turn after a warm-up."""
    for _ in range(2):
        for client, url in pages.values():
            assert client.get(url).status_code == 200
    settle_every_session()
    counts = {}
    for name, (client, url) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts[name] = len(queries)
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(SAMPLES):
        for name, (client, url) in pages.items():
            started = time.perf_counter()
            client.get(url)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: (samples[name], counts[name]) for name in pages}


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
    }
    analyze()
    alone = measure(pages)
    started = time.perf_counter()
    with transaction.atomic():
        written = dataset.other_clinics()
    built = time.perf_counter() - started
    analyze()
    among = measure(pages)
    for name in pages:
        (alone_samples, alone_queries), (among_samples, among_queries) = alone[name], among[name]
        floors.record(
            floors.Row(
                f"{name}, among {dataset.OTHER_CLINICS:,} other clinics",
                "the same clinic alone", statistics.median(alone_samples),
                statistics.median(among_samples), queries=f"{alone_queries} / {among_queries}",
                note=f"{written:,} other clinics' rows (built in {built:.0f} s); two blocks, "
                f"not interleaved; medians of {SAMPLES}",
            )
        )  # fmt: skip
