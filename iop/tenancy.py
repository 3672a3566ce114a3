"""The database half of tenancy: which clinic the current transaction works for.

PostgreSQL's row-level-security policies compare every tenant row's `clinic_id` with the
transaction-local setting `app.clinic_id`. Unset, no tenant row is visible or writable
(fails closed). The setting lives only inside a transaction, so it is always set inside
`transaction.atomic()` and never leaks into the next request or task on a pooled connection.

Entry points: `clinic_context(id)` (tasks, commands, services called outside a request) and
`request_scope()` (the middleware, for API requests whose clinic the token decides).
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

SETTING = "app.clinic_id"

# Which clinic this code bound the open transaction to; mirrors the database setting so a
# nested context for the same clinic costs no query.
_bound: contextvars.ContextVar[int | None] = contextvars.ContextVar("clinic_id", default=None)


def activate(clinic_id: int | None) -> None:
    """Bind the current transaction to a clinic (None: to no clinic)."""
    if not connection.in_atomic_block:
        raise RuntimeError("The clinic is set per transaction: call inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)",
            [SETTING, "" if clinic_id is None else str(int(clinic_id))],
        )
    _bound.set(clinic_id)


def bound_clinic_id() -> int | None:
    return _bound.get() if connection.in_atomic_block else None


@contextmanager
def request_scope() -> Iterator[None]:
    """One transaction; whoever authenticates inside it binds the clinic."""
    with transaction.atomic():
        # Reset before the transaction commits: on-commit hooks run after it, unbound.
        token = _bound.set(None)
        try:
            yield
        finally:
            _bound.reset(token)


@contextmanager
def clinic_context(clinic_id: int) -> Iterator[None]:
    """Run a block as one clinic, in an atomic block. Nested use for another clinic (a
    sign-in event written to each of a person's clinics) restores the outer one after."""
    previous = bound_clinic_id()
    if previous == clinic_id:
        with transaction.atomic():
            yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        # The mirror is reset inside the block, before any commit: on-commit hooks run
        # after it and must not believe a clinic is still bound.
        token = _bound.set(previous)
        try:
            activate(clinic_id)
            yield
            # The setting ends with the outermost transaction; inside another one, put the
            # outer clinic back. (On an exception the rollback restores it by itself.)
            if not outermost:
                activate(previous)
        finally:
            _bound.reset(token)
