"""The probes: /livez answers from the process alone, whatever the burst; /readyz reads the
database and the worker heartbeat a real worker writes, once per burst, and never pings."""

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from iop import health, heartbeat
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
BURST = 16


@pytest.fixture(autouse=True)
def _fresh_readiness() -> Iterator[None]:
    """The readiness answer is kept per process: each test starts without one."""
    health.readiness.forget()
    yield
    health.readiness.forget()


def redis_commands() -> dict[str, int]:
    """Commands the broker's Redis has served since it started, by name (INFO commandstats)."""
    stats = heartbeat.client().info("commandstats")
    return {name.removeprefix("cmdstat_"): int(row["calls"]) for name, row in stats.items()}


def redis_commands_during(action: Callable[[], object]) -> dict[str, int]:
    before = redis_commands()
    action()
    after = redis_commands()
    used = {name: after[name] - before.get(name, 0) for name in after}
    return {name: n for name, n in used.items() if n and name != "info"}


def burst(path: str) -> tuple[list[int], list[bytes], int]:
    """BURST clients at once, each on its own thread (so its own database connection):
    their status codes and bodies, and the SQL queries they ran between them."""
    start = threading.Barrier(BURST)
    statuses: list[int] = []
    bodies: list[bytes] = []
    queries: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        try:
            with CaptureQueriesContext(connection) as ran:
                response = Client().get(path)
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.content)
                queries.append(len(ran))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses, bodies, sum(queries)


# --- liveness ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_liveness_answers_ok_without_the_database(path: str) -> None:
    with CaptureQueriesContext(connection) as ran:
        response = Client().get(path)
    assert (response.status_code, response.content) == (200, b"ok")
    assert len(ran) == 0
    assert response["Cache-Control"] == "no-store"


def test_liveness_answers_unknown_hosts_and_plain_http() -> None:
    """A load balancer probes the pod address over HTTP: no 400 for the host, no redirect."""
    with override_settings(ALLOWED_HOSTS=["iop.example.org"], SECURE_SSL_REDIRECT=True):
        response = Client(HTTP_HOST="10.1.2.3:8000").get("/livez")
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_liveness_probes_touches_neither_database_nor_broker() -> None:
    result: list[tuple[list[int], list[bytes], int]] = []
    used = redis_commands_during(lambda: result.append(burst("/livez")))
    [(statuses, bodies, queries)] = result
    assert statuses == [200] * BURST
    assert set(bodies) == {b"ok"}
    assert queries == 0
    assert used == {}  # no ping (a PUBLISH to the pidbox), no GET, nothing


# --- readiness --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_readiness_is_503_naming_the_worker_without_a_heartbeat() -> None:
    heartbeat.client().delete(heartbeat.KEY)
    result: list[HttpResponse] = []
    used = redis_commands_during(lambda: result.append(Client().get("/readyz")))
    [response] = result
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "down": ["worker"]}
    assert "publish" not in used  # read the heartbeat, never a ping


@pytest.mark.django_db(transaction=True)
@override_settings(HEALTH_WORKER_HEARTBEAT_TTL=1, HEALTH_READY_CACHE_SECONDS=0)
def test_readiness_turns_503_when_the_heartbeat_expires() -> None:
    heartbeat.beat()
    assert Client().get("/readyz").status_code == 200
    assert wait_until(lambda: heartbeat.last_beat() is None, timeout=5)
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["down"]) == (503, ["worker"])


@pytest.mark.worker
def test_readiness_is_ok_with_the_database_and_a_real_worker(celery_worker: object) -> None:
    """The worker (tests/conftest.py) writes the heartbeat from its consumer bootstep."""
    assert wait_until(lambda: heartbeat.last_beat() is not None, timeout=10)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "down": []}


@pytest.fixture
def fast_heartbeat(settings: Settings) -> None:
    """Requested before `celery_worker`: the worker starts with these."""
    settings.HEALTH_WORKER_HEARTBEAT_INTERVAL = 0.2
    settings.HEALTH_WORKER_HEARTBEAT_TTL = 1


@pytest.mark.worker
def test_a_running_worker_keeps_its_heartbeat_fresh(
    fast_heartbeat: None, celery_worker: object
) -> None:
    """Beyond the first beat: after several TTLs with no help the key is still there."""
    assert wait_until(lambda: heartbeat.last_beat() is not None, timeout=10)
    seen = set()
    for _ in range(6):
        time.sleep(0.5)
        beat = heartbeat.last_beat()
        assert beat is not None
        seen.add(beat)
    assert len(seen) > 1  # rewritten, not one key that happened to live on


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_readiness_probes_costs_one_check() -> None:
    heartbeat.beat()
    result: list[tuple[list[int], list[bytes], int]] = []
    used = redis_commands_during(lambda: result.append(burst("/readyz")))
    [(statuses, _, queries)] = result
    assert statuses == [200] * BURST
    assert queries == 1  # one SELECT 1 for sixteen probes
    assert used == {"get": 1}  # one heartbeat read; no ping


@pytest.mark.django_db(transaction=True)
def test_readiness_names_an_unreachable_database_and_says_nothing_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database stops answering: pointed at a port where nothing listens."""
    heartbeat.beat()
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    try:
        response = Client().get("/readyz")
    finally:
        monkeypatch.undo()
        connection.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "down": ["database"]}


# --- what points at the probes ----------------------------------------------------------------


def test_make_run_and_docker_compose_use_the_probes() -> None:
    devservers = (ROOT / "iop/devservers.py").read_text()
    assert re.search(r'health_url = f"http://127.0.0.1:\{WEB_PORT\}/readyz"', devservers)
    compose = (ROOT / "docker-compose.yml").read_text()
    probed = re.findall(r"http://127\.0\.0\.1:8000(/\w+)", compose)
    assert probed
    assert set(probed) <= set(health.PROBES)
