"""Wall 2 behind PgBouncer in transaction mode: 10,000 requests over random clinics and users.

Consecutive transactions of one client land on whichever server connection is free, and one
server connection serves many clients in turn. The clinic is bound per transaction
(`set_config(…, true)`, iop/tenancy.py), so nothing one request set may be seen by the
next, whoever's it is. Eight threads, each with its own Django connection (the app's settings
with DATABASE_PGBOUNCER's changes) to one PgBouncer that holds three server connections, run
the requests as the app would: resolve the person's membership, enter the clinic, read
through the selectors, every tenant table raw, or the API through the test client; and
between them, transactions that bind no clinic. Every row returned is checked against the
requesting clinic, and every transaction's setting before it binds one must be empty.
"""

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from iop import selectors
from iop.models import Membership, Patient
from iop.tenancy import SETTING, clinic_context
from tests import factories
from tests.conftest import Tenant, build_tenant
from tests.iop.test_rls import tables_with_clinic_id
from tests.pgbouncer import Bouncer, pgbouncer

pytestmark = pytest.mark.pooling

REQUESTS = 10_000
THREADS = 8
SERVER_CONNECTIONS = 3
EXTRA_PATIENTS = 15  # per clinic, besides build_tenant's one
SLUGS = ("alpha", "bravo", "charlie", "delta")


@dataclass
class Clinics:
    tenants: list[Tenant]
    patient_ids: dict[int, set[int]]  # clinic id → its patients
    memberships: list[Membership]
    secrets: dict[int, list[str]]  # clinic id → API tokens, one per role
    tenant_tables: list[str]


@pytest.fixture
def clinics(transactional_db: None) -> Clinics:
    """Four clinics with a full record each, committed: PgBouncer's connections see them."""
    tenants = [build_tenant(slug) for slug in SLUGS]
    patient_ids: dict[int, set[int]] = {}
    secrets: dict[int, list[str]] = {}
    for tenant in tenants:
        for number in range(EXTRA_PATIENTS):
            factories.patient(
                tenant.clinic, actor=tenant.admin.user, legal_last_name=f"Extra-{number}"
            )
        with clinic_context(tenant.clinic.pk):
            patient_ids[tenant.clinic.pk] = set(Patient.objects.values_list("pk", flat=True))
        secrets[tenant.clinic.pk] = [
            factories.api_token(member)[1] for member in tenant.members.values()
        ]
    return Clinics(
        tenants=tenants,
        patient_ids=patient_ids,
        memberships=[m for t in tenants for m in t.members.values()],
        secrets=secrets,
        tenant_tables=sorted(tables_with_clinic_id()),
    )


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    foreign: list[str] = field(default_factory=list)  # what a clinic saw that was not its own
    backends: dict[int, set[int]] = field(default_factory=dict)  # server pid → client threads
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, kind: str, seconds: float, rows: int, foreign: list[str]) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.seconds[kind] += seconds
            self.rows += rows
            self.foreign.extend(foreign)


@pytest.fixture
def bouncer(clinics: Clinics) -> Iterator[Bouncer]:
    with pgbouncer(
        connection.settings_dict,
        {"pooled": SERVER_CONNECTIONS, "single": 1},
    ) as running:
        yield running


def bouncer_settings() -> dict[str, Any]:
    """What DATABASE_PGBOUNCER=1 changes in the app's database settings, read from the
    settings themselves in a fresh interpreter (they are read once, at import)."""
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES['default']; "
        "print(json.dumps({'DISABLE_SERVER_SIDE_CURSORS': d.get('DISABLE_SERVER_SIDE_CURSORS'),"
        " 'OPTIONS': {k: v for k, v in d['OPTIONS'].items() if k != 'pool'}}))"
    )
    environment = {**os.environ, "DATABASE_PGBOUNCER": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def test_pgbouncer_settings_disable_what_transaction_pooling_breaks() -> None:
    changed = bouncer_settings()
    assert changed["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "prepare_threshold" in changed["OPTIONS"]
    assert changed["OPTIONS"]["prepare_threshold"] is None


def point_at(bouncer: Bouncer, database: str, changes: dict[str, Any]) -> None:
    """This thread's Django connection, through PgBouncer, with DATABASE_PGBOUNCER's changes."""
    wrapper = connections["default"]
    wrapper.close()
    settings_dict = bouncer.settings_for(wrapper.settings_dict, database)
    settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = changes["DISABLE_SERVER_SIDE_CURSORS"]
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], **changes["OPTIONS"]}
    wrapper.settings_dict = settings_dict


def leftover(tally: Tally, thread: int) -> list[str]:
    """A new transaction's clinic setting, which must be empty, and its server connection."""
    # One statement in autocommit: behind PgBouncer, a transaction of its own.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true), pg_backend_pid()", [SETTING])
        value, pid = cursor.fetchone()
    with tally.lock:
        tally.backends.setdefault(pid, set()).add(thread)
    return [] if value in ("", None) else [f"a new transaction found {SETTING}={value}"]


class Requests:
    """The kinds of request, each returning (rows seen, rows that were not the clinic's)."""

    def __init__(self, clinics: Clinics, rng: random.Random) -> None:
        self.clinics = clinics
        self.rng = rng
        self.api = {
            clinic_id: [Client(headers={"Authorization": f"Bearer {s}"}) for s in secrets]
            for clinic_id, secrets in clinics.secrets.items()
        }

    def pages(self) -> tuple[int, list[str]]:
        """As the clinic middleware does: the person's membership, then the clinic's reads."""
        member = self.rng.choice(self.clinics.memberships)
        membership = selectors.membership_for(
            user_id=member.user_id, clinic_slug=member.clinic.slug
        )
        assert membership is not None
        clinic = membership.clinic
        with clinic_context(clinic.pk):
            listed = [
                (f"patient {p.pk}", p.clinic_id) for p in selectors.patient_list(clinic=clinic)
            ]
            listed += [(f"site {s.pk}", s.clinic_id) for s in selectors.site_list(clinic=clinic)]
            # No clinic filter: row-level security alone decides what this returns.
            unfiltered = list(Patient.objects.values_list("pk", "clinic_id"))
        rows = listed + [(f"patient {pk}", owner) for pk, owner in unfiltered]
        foreign = [
            f"{what} of clinic {owner} shown to {clinic.pk}"
            for what, owner in rows
            if owner != clinic.pk
        ]
        seen = {pk for pk, _ in unfiltered}
        assert seen == self.clinics.patient_ids[clinic.pk], "a clinic misses its own patients"
        return len(rows), foreign

    def table(self) -> tuple[int, list[str]]:
        """One tenant table, raw SQL, no WHERE: only the policy keeps other clinics out."""
        clinic = self.rng.choice(self.clinics.tenants).clinic
        table = self.rng.choice(self.clinics.tenant_tables)
        with clinic_context(clinic.pk), connection.cursor() as cursor:
            cursor.execute(f'SELECT clinic_id, count(*) FROM "{table}" GROUP BY 1')  # noqa: S608
            counts = dict(cursor.fetchall())
        foreign = [
            f"{table}: {n} rows of clinic {other} shown to {clinic.pk}"
            for other, n in counts.items()
            if other != clinic.pk
        ]
        return sum(counts.values()), foreign

    def unbound(self) -> tuple[int, list[str]]:
        """No clinic at all, in a transaction or in autocommit: nothing is visible."""
        table = self.rng.choice(self.clinics.tenant_tables)
        if self.rng.random() < 0.5:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
                count = cursor.fetchone()[0]
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
                count = cursor.fetchone()[0]
        return 0, [f"{table}: {count} rows seen with no clinic"] if count else []

    def api_request(self) -> tuple[int, list[str]]:
        """The patient list through the whole stack: token, middleware, view, serializer."""
        clinic_id = self.rng.choice(list(self.api))
        response = self.rng.choice(self.api[clinic_id]).get("/api/v1/patients/")
        if response.status_code == 403:  # a role without the patient list
            return 0, []
        assert response.status_code == 200, response.content
        ids = [row["id"] for row in response.json()["results"]]
        own = self.clinics.patient_ids[clinic_id]
        assert ids, "the API list is empty"
        return len(ids), [
            f"API patient {i} shown to clinic {clinic_id}" for i in ids if i not in own
        ]


KINDS = {"pages": 30, "table": 45, "unbound": 20, "api_request": 5}  # weights, per cent


def run_requests(
    bouncer: Bouncer, clinics: Clinics, changes: dict[str, Any], thread: int, count: int
) -> Tally:
    tally = Tally()
    point_at(bouncer, "pooled", changes)
    try:
        requests = Requests(clinics, random.Random(1000 + thread))
        kinds = requests.rng.choices(list(KINDS), weights=list(KINDS.values()), k=count)
        for kind in kinds:
            began = time.perf_counter()
            foreign = leftover(tally, thread)
            rows, more = getattr(requests, kind)()
            tally.saw(kind, time.perf_counter() - began, rows, foreign + more)
    finally:
        connections.close_all()
    return tally


def test_ten_thousand_requests_through_pgbouncer_see_only_their_clinic(
    clinics: Clinics, bouncer: Bouncer
) -> None:
    changes = bouncer_settings()
    results: list[Tally] = []
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        count = REQUESTS // THREADS + (1 if thread < REQUESTS % THREADS else 0)
        try:
            results.append(run_requests(bouncer, clinics, changes, thread, count))
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            errors.append(exc)

    began = time.monotonic()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise errors[0]
    requests = sum((tally.requests for tally in results), Counter())
    seconds = sum((tally.seconds for tally in results), Counter())
    per_kind = {k: f"{n} x {seconds[k] / n * 1000:.1f} ms" for k, n in requests.items()}
    foreign = [line for tally in results for line in tally.foreign]
    backends: dict[int, set[int]] = {}
    for tally in results:
        for pid, users in tally.backends.items():
            backends.setdefault(pid, set()).update(users)
    print(  # noqa: T201
        f"pgbouncer sweep: {requests.total()} requests {per_kind} in {elapsed:.1f} s, "
        f"{sum(t.rows for t in results)} rows, {len(foreign)} foreign, "
        f"{len(backends)} server connections for {THREADS} clients"
    )
    assert foreign == []
    assert requests.total() == REQUESTS
    # The pool really was shared: few server connections, each serving several clients.
    assert len(backends) <= SERVER_CONNECTIONS
    assert all(len(users) > 1 for users in backends.values())


def test_the_sweep_would_see_a_setting_that_outlived_its_transaction(
    clinics: Clinics, bouncer: Bouncer
) -> None:
    """The harness can fail: through a one-connection pool, a session-level setting made by
    one client is what the next client's transaction finds, with that clinic's rows; the
    transaction-local one the app makes is gone when its transaction ends."""
    alpha = clinics.tenants[0].clinic.pk
    count = "SELECT current_setting('app.clinic_id', true), count(*) FROM iop_patient"
    with bouncer.connect("single") as first, bouncer.connect("single") as second:
        with first.transaction():
            first.execute("SELECT set_config('app.clinic_id', %s, true)", [str(alpha)])
        assert second.execute(count).fetchone() == ("", 0)
        first.execute("SELECT set_config('app.clinic_id', %s, false)", [str(alpha)])
        try:
            leaked = second.execute(count).fetchone()
        finally:
            first.execute("SELECT set_config('app.clinic_id', '', false)")
        assert leaked == (str(alpha), len(clinics.patient_ids[alpha]))
        assert second.execute(count).fetchone() == ("", 0)
