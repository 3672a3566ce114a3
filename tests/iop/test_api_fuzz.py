"""Property-based API testing from our own OpenAPI schema (schemathesis): the API answers
exactly what it documents. For every operation, as three roles of a seeded tenant, generated
requests must get a documented status code, the documented content type and a body that
validates against the documented schema, and never a server error.

Each operation is tried with generated ids (mostly 404s) and with the tenant's own objects
(the 200 and 201 shapes). Writes land in the test transaction.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from iop.roles import Role
from iop.wsgi import application
from tests import factories
from tests.conftest import Tenant
from tests.iop.routes import api_ids

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Between them these reach every operation's 2xx (the therapist writes clinical records, the
# nurse records tests, the admin configures) and each is refused plenty (the 403s). The admin
# goes last: its staff edits may deactivate the others' memberships, and so their tokens.
ROLES = [Role.THERAPIST, Role.NURSE, Role.ADMIN]
# Per operation and role: 160 operations x 3 roles x 5 cases, under three minutes on 2 cores.
EXAMPLES = 5


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


def test_api_answers_exactly_what_it_documents(clinic_a: Tenant, api_schema: Any) -> None:
    ids = api_ids(clinic_a)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 150
    seen = Seen()
    for role in ROLES:
        _, secret = factories.api_token(clinic_a.members[role])
        headers = {"Authorization": f"Bearer {secret}"}
        for operation in operations:
            cache.clear()  # the rate limit counts per token; each operation starts afresh
            strategy = operation.as_strategy()
            if re.search(r"{\w+}", operation.path):
                collection = operation.path.removeprefix("/api/v1/").split("/")[0]
                own = {"id": ids[collection]}
                strategy = st.one_of(strategy, operation.as_strategy(path_parameters=own))
            try_operation(operation, strategy, role=role, headers=headers, seen=seen)

    report = "\n".join(
        f"{label} [{', '.join(sorted(roles))}] {problem}"
        for (label, problem), roles in sorted(seen.violations.items())
    )
    touched = {label for label, _ in seen.violations}
    assert not seen.violations, (
        f"{len(seen.violations)} violations across {len(touched)} operations:\n{report}"
    )
    # The tenant's own objects were reached: the 2xx shapes were checked, not only errors.
    # (Most creates stay 400s: a generated body rarely names objects of this clinic.)
    answered = seen.answered
    succeeded = [label for label, codes in answered.items() if any(c < 300 for c in codes)]
    assert len(succeeded) >= 105, "\n".join(
        f"{label} {sorted(answered[label])}" for label in sorted(set(answered) - set(succeeded))
    )


@dataclass
class Seen:
    # (operation, problem) -> the roles that met it: every violation is reported, not the first.
    violations: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    answered: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


def try_operation(
    operation: Any, strategy: Any, *, role: str, headers: dict[str, str], seen: Seen
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: CI never fails by luck
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Any) -> None:
        response = case.call(headers=headers)
        seen.answered[operation.label].add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = failure.message.strip().splitlines()[0][:160]
                problem = f"{response.status_code} {failure.title}: {detail}"
                seen.violations[(operation.label, problem)].add(role)
        status = response.status_code
        if status >= 400 and response.json()["error"]["status"] != status:
            problem = f"{status} answered with {response.text[:160]}"
            seen.violations[(operation.label, problem)].add(role)

    answers_as_documented()
