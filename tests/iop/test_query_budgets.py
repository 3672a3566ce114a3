"""Pinned query counts do not depend on how long the warm-up took.

The idle-logoff middleware rewrites the session (three queries) when more than 30 s have
passed since it last saw it, and rechecks MFA after five minutes; on a loaded machine a
warm-up can take that long. Every count (`CaptureQueriesContext`, and pytest-django's
`django_assert_num_queries` / `django_assert_max_num_queries`, which use it) starts with the
sessions settled (tests/conftest.py `_settled_before_counting`): here the session's last
activity is put past both thresholds before measuring, and the pinned count still holds —
and without the settling, the same request costs the session's save on top."""

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop import clock
from iop.middleware import SESSION_LAST_SEEN, SESSION_MFA_OK_UNTIL
from iop.roles import Role
from tests.conftest import Tenant
from tests.progress.test_caseload import CASELOAD_QUERIES, _busy_patients

pytestmark = pytest.mark.instant("2026-12-02 10:30")
SESSION_SAVE = 3  # what the middleware's save of a session costs
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the cache's too


def warmed_up_long_ago(tenant: Tenant) -> tuple[Client, str]:
    """A case manager's client after its warm-up, as if that warm-up had taken minutes: the
    session was last seen 31 s ago and its MFA state checked over five minutes ago."""
    _busy_patients(tenant, 5)
    client = tenant.client_for(Role.CASE_MANAGER)
    url = f"/c/{tenant.clinic.slug}/caseload/"
    assert client.get(url).status_code == 200
    session = SessionStore(session_key=client.session.session_key)
    now = clock.timestamp()
    assert SESSION_LAST_SEEN in session
    assert SESSION_MFA_OK_UNTIL in session
    session[SESSION_LAST_SEEN] = now - 31
    session[SESSION_MFA_OK_UNTIL] = now - 1
    session.save()
    return client, url


def test_a_count_after_a_slow_warm_up_still_gets_the_pinned_number(clinic_a: Tenant) -> None:
    client, url = warmed_up_long_ago(clinic_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == CASELOAD_QUERIES, [q["sql"][:90] for q in queries]


def test_pytest_djangos_budget_fixtures_are_settled_too(
    clinic_a: Tenant,
    django_assert_num_queries: Callable[..., Any],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client, url = warmed_up_long_ago(clinic_a)
    with django_assert_num_queries(CASELOAD_QUERIES):
        client.get(url)
    session = SessionStore(session_key=client.session.session_key)
    session[SESSION_LAST_SEEN] = clock.timestamp() - 31
    session.save()
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        client.get(url)


@pytest.mark.unsettled_sessions
def test_without_settling_the_same_request_pays_for_the_sessions_save(clinic_a: Tenant) -> None:
    """The counterfactual: what the settling keeps out of every budget."""
    client, url = warmed_up_long_ago(clinic_a)
    session = SessionStore(session_key=client.session.session_key)
    session[SESSION_MFA_OK_UNTIL] = clock.timestamp() + 300  # only the idle save, not MFA
    session.save()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == CASELOAD_QUERIES + SESSION_SAVE, [q["sql"][:90] for q in queries]
