"""`/healthz`: the database, Redis and at least one live Celery worker."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from iop.celery import app

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    cache.set("healthz", "1", timeout=10)
    return "ok" if cache.get("healthz") == "1" else "unreadable"


def _check_worker() -> str:
    replies = app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT)
    return "ok" if replies else "no worker answered"


CHECKS = {"database": _check_database, "redis": _check_redis, "worker": _check_worker}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - a health check reports, it does not crash
            logger.warning("Health check %s failed: %s", name, type(exc).__name__)
            results[name] = f"down: {type(exc).__name__}"
    down = [name for name, state in results.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", "down": down, "checks": results}
    return JsonResponse(body, status=503 if down else 200)
