"""The database half of tenancy: which clinic the current transaction works for.

PostgreSQL's row-level-security policies compare every tenant row's `clinic_id` with the
transaction-local setting `app.clinic_id`. Unset, no tenant row is visible or writable
(fails closed). The setting lives only inside a transaction, so it is always set inside
`transaction.atomic()` and never leaks into the next request or task on a pooled connection.

Entry points: `clinic_context(id)` (tasks, commands, services called outside a request) and
`request_scope()` (the middleware, for API requests whose clinic the token decides).

Two tables are read before the clinic is known, each through a second setting that shows
only the reader's own rows: a membership is visible to its clinic or, with `app.user_id`
set by `user_context(id)`, to its own person (the clinic chooser, sign-in, the clinic of a
`/c/<slug>/` path); an API token to its clinic or, with `app.token_hash` set by
`token_context(hash)`, to whoever presents its secret.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

SETTING = "app.clinic_id"
USER_SETTING = "app.user_id"
TOKEN_SETTING = "app.token_hash"  # noqa: S105 - a setting's name

# Which clinic this code bound the open transaction to; mirrors the database setting so a
# nested context for the same clinic costs no query.
_bound: contextvars.ContextVar[int | None] = contextvars.ContextVar("clinic_id", default=None)
_bound_user: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)


def activate(clinic_id: int | None) -> None:
    """Bind the current transaction to a clinic (None: to no clinic)."""
    _set(SETTING, "" if clinic_id is None else str(int(clinic_id)))
    _bound.set(clinic_id)


def bound_clinic_id() -> int | None:
    return _bound.get() if connection.in_atomic_block else None


@contextmanager
def request_scope(user_id: int | None = None, clinic_id: int | None = None) -> Iterator[None]:
    """One transaction, bound to the signed-in person if there is one; whoever
    authenticates inside it binds the clinic. A clinic given here (the one the session
    last worked in) is bound with the person in the same statement: the caller must still
    check the person's membership of it, and rebind or fail if there is none."""
    with transaction.atomic():
        # Reset before the transaction commits: on-commit hooks run after it, unbound.
        token = _bound.set(None)
        user_token = _bound_user.set(None)
        try:
            if user_id is not None and clinic_id is not None:
                _set_both(str(int(user_id)), str(int(clinic_id)))
                _bound_user.set(user_id)
                _bound.set(clinic_id)
            elif user_id is not None:
                _set(USER_SETTING, str(int(user_id)))
                _bound_user.set(user_id)
            yield
        finally:
            _bound_user.reset(user_token)
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


def _set_both(user_id: str, clinic_id: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Tenancy is set per transaction: call inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [USER_SETTING, user_id, SETTING, clinic_id],
        )


def _set(setting: str, value: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Tenancy is set per transaction: call inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [setting, value])


@contextmanager
def user_context(user_id: int) -> Iterator[None]:
    """A block that also sees this person's memberships in every clinic (their own rows
    only; no other clinic's data). Nested for the same person it costs no query."""
    if connection.in_atomic_block and _bound_user.get() == user_id:
        yield  # already inside a transaction bound to them
        return
    previous = _bound_user.get() if connection.in_atomic_block else None
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        # Reset inside the block: on-commit hooks run after it, with no person bound.
        token = _bound_user.set(user_id)
        try:
            _set(USER_SETTING, str(int(user_id)))
            yield
            if not outermost:  # the rest of the outer transaction sees what it saw before
                _set(USER_SETTING, "" if previous is None else str(previous))
        finally:
            _bound_user.reset(token)


def bind_token_hash(key_hash: str) -> None:
    """Let the open transaction find the API token whose secret hashes to this (and only
    that one) before its clinic is known."""
    _set(TOKEN_SETTING, key_hash)
