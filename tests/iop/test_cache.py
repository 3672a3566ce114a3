"""The Redis cache keeps one client per connection pool (iop/cache.py), and works as
Django's does, from several threads at once."""

import threading
import uuid

from django.core.cache import cache


def test_one_client_serves_every_call_and_every_thread() -> None:
    backend = cache._cache  # type: ignore[attr-defined]
    assert backend.get_client() is backend.get_client(write=True)
    key = f"cache-test-{uuid.uuid4().hex}"
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"{key}-{n}", i, 30)
                assert cache.get(f"{key}-{n}") == i
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cache.delete_many([f"{key}-{n}" for n in range(4)])
    assert cache.get(f"{key}-0") is None
