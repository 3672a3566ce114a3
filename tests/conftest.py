"""Shared fixtures. Everything runs against real PostgreSQL and Redis (`make test` starts
them); jobs run on a real Celery worker where the job's behaviour is the point."""

import datetime
import time
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iop.models import ApiToken, Clinic, Membership, Patient, Site
from iop.roles import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and cached values live in Redis: each test starts clean."""
    cache.clear()
    yield
    cache.clear()


# Zones far from the default clinic's: the clinic's date and week differ from UTC's for much
# of the day. Date-sensitive tests run in them too (`parametrize("clinic_zone", FAR_ZONES)`).
DEFAULT_ZONE = "America/Chicago"
FAR_ZONES = ["Pacific/Honolulu", "Asia/Kolkata"]


@pytest.fixture
def clinic_zone() -> str:
    """The time zone the tenant fixtures' clinics keep; parametrize it to move them."""
    return DEFAULT_ZONE


@pytest.fixture(autouse=True)
def _instant(request: pytest.FixtureRequest) -> Iterator[None]:
    """`@pytest.mark.instant("2026-12-07 07:00")` runs the test (and the fixtures it uses)
    from that wall-clock time in the clinic's zone; an ISO instant with an offset ("…Z") is
    taken as it is. The clock ticks on from there. Unmarked tests run on the real clock, which
    CI also moves with libfaketime: they must hold at any hour."""
    marker = request.node.get_closest_marker("instant")
    if marker is None:
        yield
        return
    when = datetime.datetime.fromisoformat(marker.args[0].replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=zoneinfo.ZoneInfo(request.getfixturevalue("clinic_zone")))
    with time_machine.travel(when, tick=True):
        yield


@dataclass
class Tenant:
    clinic: Clinic
    members: dict[str, Membership]
    patient: Patient
    site: Site
    token: ApiToken
    token_secret: str
    records: dict[str, Any]  # one of each part of the patient's record, by URL id name

    @property
    def admin(self) -> Membership:
        return self.members[Role.ADMIN]

    def client_for(self, role: str = Role.ADMIN) -> Client:
        client = Client()
        client.force_login(self.members[role].user)
        return client


def settle_session(client: Client) -> None:
    """Before a measured request: this client's session was just seen and its MFA state
    just checked. Every query count does this for every session by itself now
    (`_settled_before_counting`); kept for the tests that say it."""
    _settle(client.session)


def _settle(session: Any) -> None:
    """The middleware rewrites a session when 30 s have passed since it last saw it (idle
    sign-out) or 5 minutes since MFA was checked; on a loaded machine a large warm-up can
    take that long, and a measured request would count the session's save (three queries).
    Only what the middleware has already written is refreshed, so a first request still
    counts what a first request costs."""
    from iop import clock
    from iop.middleware import MFA_RECHECK_SECONDS, SESSION_LAST_SEEN, SESSION_MFA_OK_UNTIL

    now = clock.timestamp()
    changed = False
    if SESSION_LAST_SEEN in session:
        session[SESSION_LAST_SEEN], changed = now, True
    if SESSION_MFA_OK_UNTIL in session:
        session[SESSION_MFA_OK_UNTIL], changed = now + MFA_RECHECK_SECONDS, True
    if changed:
        session.save()


def settle_every_session() -> None:
    """`_settle` each signed-in session in the store (a test's clients, however many)."""
    from importlib import import_module

    from django.conf import settings

    # The configured store: with cached_db, a row changed behind the cache is never read.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    from django.contrib.sessions.models import Session as StoredSession

    for key in StoredSession.objects.values_list("session_key", flat=True):
        _settle(SessionStore(session_key=key))


@pytest.fixture(autouse=True)
def _settled_before_counting(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every query count (`CaptureQueriesContext`, which pytest-django's
    `django_assert_num_queries` and `django_assert_max_num_queries` use too) starts with every
    session settled (`_settle`), so a slow warm-up cannot add the session's save to a pinned
    budget. `@pytest.mark.unsettled_sessions` measures without it."""
    if request.node.get_closest_marker("unsettled_sessions"):
        return
    original = CaptureQueriesContext.__enter__

    def settled_enter(self: CaptureQueriesContext) -> CaptureQueriesContext:
        if _database_allowed():
            settle_every_session()
        return original(self)

    monkeypatch.setattr(CaptureQueriesContext, "__enter__", settled_enter)


def _database_allowed() -> bool:
    """Whether this test may use the database (a test without `db` may still count)."""
    from django.db import connection

    try:
        connection.ensure_connection()
    except RuntimeError:  # pytest-django's blocker: no database for this test
        return False
    return True


def build_tenant(slug: str, zone: str = DEFAULT_ZONE) -> Tenant:
    clinic = factories.ClinicFactory(slug=slug, name=f"Clinic {slug}", timezone=zone)
    members = {role: factories.member(clinic, role) for role in Role.values}
    admin = members[Role.ADMIN].user
    token, secret = factories.api_token(members[Role.ADMIN])
    patient = factories.patient(clinic, actor=admin, legal_last_name=f"Patient-{slug}")
    site = factories.site(clinic, actor=admin, name=f"Site {slug}")
    records = factories.full_record(patient, actor=admin, label=slug)
    # --- aftercare: a signed plan, its PDF job, the follow-up calls ---
    from tests.aftercare.factories import aftercare_records

    records |= aftercare_records(records["enrollment_id"], actor=members[Role.CASE_MANAGER].user)
    # --- progress app: one of each progress record (tests, measures, safety task, check-in)
    from tests.progress.records import progress_records

    records.update(progress_records(patient, actor=admin, session=records["session_id"]))
    # --- end progress app
    # --- family app: a family member with a consent, a family education group and its list
    from tests.family.records import family_records

    records |= family_records(patient, actor=admin)
    # --- end family app
    # --- therapy: care team, availability, treatment plan, signed note, coming session ---
    from tests.therapy.records import therapy_records

    records |= therapy_records(patient, members=members, records=records)
    # --- end therapy
    # --- billing ---
    from tests.billing.records import billing_records

    records |= billing_records(patient, actor=admin)
    # --- end billing
    # --- reports: a printed report (queued; nothing commits in these tests) ---
    from tests.reports.records import reports_records

    records |= reports_records(clinic, actor=admin)
    # --- end reports
    # --- interop: an attended session, GAD-7 and AUDIT-C, an outside recipient's consent ---
    from tests.interop.records import interop_records

    records |= interop_records(patient, member=members[Role.ADMIN])
    # --- end interop
    return Tenant(
        clinic=clinic,
        members=members,
        patient=patient,
        site=site,
        token=token,
        token_secret=secret,
        records=records,
    )


@pytest.fixture
def clinic_a(db: None, clinic_zone: str) -> Tenant:
    return build_tenant("alpha", clinic_zone)


@pytest.fixture
def clinic_b(db: None, clinic_zone: str) -> Tenant:
    return build_tenant("bravo", clinic_zone)


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[object]:
    """A real Celery worker (a thread in this process) consuming from the real Redis broker.

    Jobs read what the test committed, so tests using it run with real transactions. One
    worker per test: when the test ends no worker is left. Its heartbeat key (iop/heartbeat.py)
    outlives it by up to HEALTH_WORKER_HEARTBEAT_TTL; tests/iop/test_health.py deletes it.
    """
    from celery.contrib.testing.worker import start_worker

    from iop.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
