"""Benchmarks, not tests: `make bench`. Timings are printed, never asserted (the machine is
shared and noisy); sizes are measured side by side in one run so their ratio means something.
"""

import statistics
import time

from django.test import Client

from tests import factories
from tests.conftest import build_tenant

ROUNDS = 30


def median_ms(client: Client, url: str) -> float:
    client.get(url)  # warm
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def test_patient_pages_scale_with_page_size_not_clinic_size(db: None) -> None:
    rows = []
    for size in (50, 500):
        tenant = build_tenant(f"bench{size}")
        for n in range(size - 1):
            factories.patient(tenant.clinic, actor=tenant.admin.user, legal_last_name=f"B{n:04d}")
        client = tenant.client_for()
        slug = tenant.clinic.slug
        api = Client(headers={"Authorization": f"Bearer {tenant.token_secret}"})
        rows.append(
            (
                size,
                median_ms(client, f"/c/{slug}/patients/"),
                median_ms(client, f"/c/{slug}/patients/{tenant.patient.pk}/"),
                median_ms(api, "/api/v1/patients/"),
            )
        )
    print(f"\npatients  list_ms  chart_ms  api_list_ms   (median of {ROUNDS})")
    for size, page, chart, api_ms in rows:
        print(f"{size:8d}  {page:7.1f}  {chart:8.1f}  {api_ms:11.1f}")
    (_, p1, c1, a1), (_, p2, c2, a2) = rows
    print(f"ratio 500/50: list {p2 / p1:.2f}, chart {c2 / c1:.2f}, api {a2 / a1:.2f}")
