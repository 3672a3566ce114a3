"""The probes, answered by the first middleware, before sessions, users or host checks.

- `/livez` (and `/healthz`, the older name): the process answers. No database, no Redis,
  no broker: a burst of probes costs nothing, and a database outage does not get the web
  processes restarted.
- `/readyz`: the database answers `SELECT 1` and a worker heartbeat (iop/heartbeat.py) is
  fresh. The result is kept for HEALTH_READY_CACHE_SECONDS per process, so a burst costs
  one check; a probe that arrives while another thread checks gets the last result
  instead of waiting. 503 names the components that are down, nothing more.

Ahead of SecurityMiddleware on purpose: a load balancer probing over plain HTTP by pod
address gets the answer, not an HTTPS redirect or a 400 for an unlisted host. The answers
carry no patient data and nothing taken from the request.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from iop import heartbeat

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def _worker_ok() -> bool:
    return heartbeat.last_beat() is not None


CHECKS: dict[str, Callable[[], bool]] = {"database": _database_ok, "worker": _worker_ok}


def _down_now() -> list[str]:
    down = []
    for name, check in CHECKS.items():
        try:
            ok = check()
        except Exception as exc:  # noqa: BLE001 - a probe reports, it does not crash
            logger.warning("Readiness check %s failed: %s", name, type(exc).__name__)
            ok = False
        if not ok:
            logger.warning("Readiness: %s is down", name)
            down.append(name)
    return down


class Readiness:
    """The last readiness result of this process, and when it was taken (monotonic)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._result: list[str] | None = None
        self._taken = 0.0

    def down(self) -> list[str]:
        if self._fresh():
            return list(self._result or [])
        # One thread checks; the others take the last result rather than queue behind it.
        if not self._lock.acquire(blocking=self._result is None):
            return list(self._result or [])
        try:
            if not self._fresh():
                self._result, self._taken = _down_now(), time.monotonic()
            return list(self._result or [])
        finally:
            self._lock.release()

    def forget(self) -> None:
        with self._lock:
            self._result = None

    def _fresh(self) -> bool:
        age = time.monotonic() - self._taken
        return self._result is not None and age < settings.HEALTH_READY_CACHE_SECONDS


readiness = Readiness()


def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain", headers=NO_STORE)


def readyz(request: HttpRequest) -> JsonResponse:
    down = readiness.down()
    body = {"status": "unavailable" if down else "ok", "down": down}
    response = JsonResponse(body, status=503 if down else 200, headers=NO_STORE)
    # The failed check was logged once, when it ran: not an ERROR line for every probe that
    # reads the kept answer (Django's own flag for a response already logged).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/livez": livez,
    "/healthz": livez,
    "/readyz": readyz,
}


class ProbeMiddleware:
    """First in MIDDLEWARE: a probe path is answered here and goes no further."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        return probe(request) if probe is not None else self.get_response(request)
