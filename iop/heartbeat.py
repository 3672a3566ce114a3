"""The worker heartbeat: every Celery worker writes one Redis key, periodically, that expires.

`/readyz` (iop/health.py) reads the key instead of pinging the workers: a ping is a broadcast
that waits its whole timeout for replies, which a burst of probes turns into stalled web
threads. A read is one GET that answers at once.

Why a consumer bootstep and not the alternatives: the step's timer runs in the worker's
consumer event loop (the main process, not a pool child), and it starts only after the task
consumer is subscribed to the queue, so a fresh key means "a worker is taking jobs". The
`heartbeat_sent` signal fires only while event heartbeats are on (`--without-heartbeat`
turns it off); a beat task would go stale whenever beat, not the worker, is down.

The key is shared by all workers (any live one keeps it fresh); its value is the time of the
last beat, for people reading Redis; staleness is the key's expiry, kept by Redis's own
clock, so web and worker clocks need not agree.
"""

import logging
from functools import lru_cache
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

from iop import clock

logger = logging.getLogger(__name__)

KEY = "iop:worker-heartbeat"
# A heartbeat that hangs must not hang the worker's event loop or a web thread.
SOCKET_TIMEOUT = 1.0


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )


def client() -> redis.Redis:
    """The broker's Redis: the heartbeat speaks for the worker that consumes from it."""
    return _client(settings.CELERY_BROKER_URL)


def beat() -> None:
    """Write the heartbeat; it expires after HEALTH_WORKER_HEARTBEAT_TTL seconds."""
    ttl = max(1, round(settings.HEALTH_WORKER_HEARTBEAT_TTL))
    client().set(KEY, clock.now().isoformat(), ex=ttl)


def last_beat() -> str | None:
    """The time of the last live heartbeat (ISO 8601), or None when it has expired."""
    value = client().get(KEY)
    return value.decode() if isinstance(value, bytes) else None


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Registered on the consumer blueprint in iop/celery.py."""

    requires = ("celery.worker.consumer.tasks:Tasks",)  # after the worker consumes the queue

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        self.tref: Any = None
        super().__init__(parent, **kwargs)

    def start(self, c: Any) -> None:
        self._beat()
        self.tref = c.timer.call_repeatedly(settings.HEALTH_WORKER_HEARTBEAT_INTERVAL, self._beat)

    def stop(self, c: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    shutdown = stop

    def _beat(self) -> None:
        try:
            beat()
        except redis.RedisError as exc:
            # The broker is away: the worker reconnects by itself, the key expires meanwhile
            # and /readyz says so. Never crash the event loop over a heartbeat.
            logger.warning("Worker heartbeat not written: %s", type(exc).__name__)
