"""Benchmark, not a test: what a request costs before any page does its work. The floor is
the same trivial view signed out; the product is that view under `/c/<slug>/`, signed in
(session, person, membership, clinic, the row-level-security binding, MFA state)."""

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import floors
from tests.conftest import build_tenant


@override_settings(ROOT_URLCONF="bench.urls")
def test_signed_in_clinic_request_beside_signed_out(db: None) -> None:
    tenant = build_tenant("bench-request")
    signed_in = tenant.client_for()
    anonymous = Client()
    url = f"/c/{tenant.clinic.slug}/bench-trivial/"
    signed_in.get(f"/c/{tenant.clinic.slug}/")  # session settled
    assert signed_in.get(url).status_code == anonymous.get("/bench-trivial/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(url)
    framework = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    floor_ms, product_ms = floors.interleaved(
        lambda: anonymous.get("/bench-trivial/"), lambda: signed_in.get(url), samples=200
    )
    floors.record(
        floors.Row(
            "trivial view under /c/<slug>/, signed in", "the same view signed out",
            floor_ms, product_ms, queries=str(len(framework)),
            note="in-process test client, median of 200; throughput = 1/ratio",
        )
    )  # fmt: skip
