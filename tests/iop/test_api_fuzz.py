"""Property-based API testing from our own OpenAPI schema (schemathesis): whatever the body,
query or path, the API answers without a server error, and in the documented shape.

Runs as the clinic admin of a seeded tenant; writes land in the test transaction.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from iop.wsgi import application
from tests.conftest import Tenant


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    # Requests go straight to the WSGI app; like Django's test client, keep the test's
    # connection (and its transaction) open across them.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_never_answers_with_a_server_error(clinic_a: Tenant, api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {clinic_a.token_secret}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            derandomize=True,  # the same cases every run: CI never fails by luck
            suppress_health_check=list(HealthCheck),
        )
        def answers_cleanly(case: Any) -> None:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path} {case.query or ''}"
            assert response.status_code < 500, f"{where}: {response.text[:300]}"
            if response.status_code >= 400:
                headers_ = {k.lower(): v for k, v in response.headers.items()}
                content_type = " ".join(headers_.get("content-type", []))
                assert content_type.startswith("application/json"), f"{where}: {content_type}"
                body = response.json()
                assert set(body) == {"error"}, body
                assert body["error"]["status"] == response.status_code

        answers_cleanly()
