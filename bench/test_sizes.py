"""Benchmark, not a test: the bytes of the main pages and the patients API at the realistic
size (bench/dataset.py: 300 active patients, 12 weeks of history, today's group of 300), as
sent and through gzip, with each page's query count: a second table in `make bench`'s output
and its JSON ("sizes"). Each page is fetched as its usual reader: Today (the roster) by the front
desk, the rest by the clinic's administrator, the API with the administrator's token."""

import gzip

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import dataset, floors
from iop.roles import Role


def test_sizes_of_the_main_pages_at_the_realistic_size(db: None) -> None:
    real = dataset.realistic_clinic("bench-sizes")
    admin = real.tenant.client_for()
    desk = real.tenant.client_for(Role.FRONT_DESK)
    api = Client(headers={"Authorization": f"Bearer {real.tenant.token_secret}"})
    pages = [
        (name, desk if name.startswith("today") else admin, url)
        for name, url in real.pages().items()
    ]
    pages.append(("patients API, 50 rows", api, "/api/v1/patients/"))
    for name, client, url in pages:
        assert client.get(url).status_code == 200, url  # warm, and the session settled
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        body = response.content
        floors.weigh(floors.Size(name, url, len(body), len(gzip.compress(body, 6)), len(queries)))
    print(
        f"\nrealistic clinic: {dataset.PATIENTS} patients, {real.attendance} attendance rows, "
        f"{real.measures} measures, {real.misses} misses swept"
    )
