"""Django's Redis cache, with one redis-py client per connection pool instead of one per
call: Django builds a new `redis.Redis` for every cache operation, and each one copies about
170 response callbacks before it sends anything — a tenth of a millisecond on every session
read and unread-count lookup. A client is thread-safe and takes its connections from the
pool, which redis-py resets itself in a forked child."""

from typing import Any

from django.core.cache.backends import redis


class _Client(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    # django-stubs leave out the client's private helpers that Django's own get_client uses.
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            made = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients.setdefault(index, made)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
