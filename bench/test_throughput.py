"""Benchmark, not a test: throughput under gunicorn, as production serves (2 gthread workers ×
4 threads, the production settings with the bench's URLs: bench/settings.py), loaded by wrk
with 8 connections for a fixed time, against the realistic clinic (bench/dataset.py: 300
active patients, 12 weeks of history, today's group with all 300 on its list).

Each product URL has a floor served by the same server: the trivial view signed out beside
the same view under `/c/<slug>/` signed in (what being in a clinic costs a request), and for
the roster and the patients API the same rows by one raw query joined into minimal HTML or
JSON (bench/urls.py). Floor and product are loaded in turn, a few rounds each after a warm-up,
and each reduced to its median round. The row's milliseconds are per request at that load
(1000 / req/s), so the ratio reads as everywhere else in the table (throughput = 1/ratio);
the note has req/s, p50 and p99.

The data is committed (`transactional_db`): gunicorn's workers are other processes on the
same test database.
"""

import http.client
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

from bench import dataset, floors
from iop.devservers import free_port, healthy, stop_processes, wait_for
from iop.roles import Role

WORKERS, THREADS, CONNECTIONS = 2, 4, 8
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "3"))
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def server_env() -> dict[str, str]:
    """The environment of a server process on the test database and Redis."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        # The test process signed the sessions in: the same key verifies them.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback, no proxy in front
        "API_RATE_LIMIT": "1000000/min",  # one token's load is the point, not its throttle
    }


@contextmanager
def gunicorn() -> Iterator[str]:
    """gunicorn on a free port against the test database and Redis; its base URL."""
    port = free_port()
    env = server_env()
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "iop.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread",
        "--workers", str(WORKERS), "--threads", str(THREADS),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)
    try:
        wait_for(lambda: healthy(f"{base}/livez"), timeout=120, what="gunicorn")
        yield base
    finally:
        stop_processes([process])


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request, redirects not followed (a sign-in redirect must not pass for a page)."""
    parts = urlsplit(url)
    client = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        client.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path,
                       headers=headers)  # fmt: skip
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def wrk(url: str, headers: dict[str, str], seconds: int = SECONDS) -> Load:
    command = [
        "wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "30s",
        "--latency", *(f"-H{name}: {value}" for name, value in headers.items()), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90, check=True)
    out = done.stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    assert "Non-2xx" not in out, out
    assert errors is None or errors.group(4) == "0", out
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]

    def percentile(p: int) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * UNITS[unit]

    return Load(rps, percentile(50), percentile(99))


def loaded(floor: tuple[str, dict[str, str]], product: tuple[str, dict[str, str]]) -> list[Load]:
    """The floor's and the product's median rounds (by req/s), loaded in turn."""
    for url, headers in (floor, product):
        wrk(url, headers, seconds=1)  # warm-up: every thread's connections and caches
    rounds: tuple[list[Load], list[Load]] = ([], [])
    for _ in range(ROUNDS):
        for runs, (url, headers) in zip(rounds, (floor, product), strict=True):
            runs.append(wrk(url, headers))
    return [sorted(runs, key=lambda load: load.rps)[len(runs) // 2] for runs in rounds]


def test_throughput_under_gunicorn_beside_floors(transactional_db: None) -> None:
    real = dataset.realistic_clinic("bench-load")
    tenant, clinic = real.tenant, real.tenant.clinic

    def cookie(role: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={tenant.client_for(role).cookies['sessionid'].value}"}

    bearer = {"Authorization": f"Bearer {tenant.token_secret}"}
    day = f"{real.session.day:%Y-%m-%d}"
    with gunicorn() as base:
        cases = [
            ("trivial view under /c/<slug>/, signed in", "the same view signed out",
             (f"{base}/bench-trivial/", {}),
             (f"{base}/c/{real.slug}/bench-trivial/", cookie(Role.ADMIN))),
            (f"roster, {dataset.PATIENTS} attendees", "one raw query + minimal HTML, signed out",
             (f"{base}/bench-floor/roster/{clinic.pk}/{real.slug}/{day}/", {}),
             (f"{base}{real.roster_url}", cookie(Role.FRONT_DESK))),
            ("patients API, 50 rows", "one raw query + json.dumps, signed out",
             (f"{base}/bench-floor/patients/{clinic.pk}/", {}),
             (f"{base}/api/v1/patients/", bearer)),
        ]  # fmt: skip
        for metric, what, floor, product in cases:
            sizes = []
            for url, headers in (floor, product):
                status, body = fetch(url, headers)
                assert status == 200, (url, status)
                sizes.append(len(body))
            floor_load, product_load = loaded(floor, product)
            floors.record(
                floors.Row(
                    f"throughput: {metric}", what,
                    1000 / floor_load.rps, 1000 / product_load.rps,
                    size=f"{sizes[1] / 1024:.1f} KiB (floor {sizes[0] / 1024:.1f} KiB)",
                    note=f"{product_load.rps:.1f} req/s (floor {floor_load.rps:.0f}); "
                    f"p50 {product_load.p50_ms:.0f} ms, p99 {product_load.p99_ms:.0f} ms "
                    f"(floor {floor_load.p50_ms:.1f} / {floor_load.p99_ms:.1f}); "
                    f"gunicorn {WORKERS}×{THREADS} gthread, wrk {CONNECTIONS} connections, "
                    f"median of {ROUNDS} × {SECONDS} s",
                )
            )  # fmt: skip
