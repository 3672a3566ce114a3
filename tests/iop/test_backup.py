"""`make backup` and `make restore`: every clinic's rows come back, and so do the walls.

Three clinics with a full record each are committed, backed up with `make backup` (as the
maintenance role: the app's role cannot read across clinics), restored with `make restore`
into a new database, and compared table by table. Then the restored database is checked as
the app sees it: every tenant table still forces row-level security, a clinic sees exactly
its own rows (as many of each table as before), no clinic sees nothing, and the audit trail
is still append-only.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from iop import backup
from tests import factories
from tests.conftest import Tenant, build_tenant
from tests.iop.test_rls import tables_with_clinic_id

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL"))
    and not os.environ.get("MAINTENANCE_DATABASE_URL")
    and urlsplit(os.environ["DATABASE_URL"]).port
    != backup.embedded_port(backup.EmbeddedPostgres()),
    reason="DATABASE_URL names your own server: set MAINTENANCE_DATABASE_URL",
)


@pytest.fixture
def clinics(transactional_db: None) -> list[Tenant]:
    tenants = [build_tenant(slug) for slug in ("alpha", "bravo", "charlie")]
    for tenant in tenants:
        for number in range(5):
            factories.patient(tenant.clinic, actor=tenant.admin.user, legal_last_name=f"P{number}")
    return tenants


def drop_database(name: str) -> None:
    """Drop a scratch database as the maintenance role, whoever is still connected to it.

    A plain DROP stops autovacuum workers itself (a freshly restored database is their
    favourite), which `WITH (FORCE)` refuses to do for a role that is not a superuser:
    "permission denied to terminate process". FORCE is kept for the sessions this role may
    end, the app's own, when something left one open.
    """
    with backup.pg_connect(backup.server().database("postgres")) as conn:
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        except psycopg.errors.ObjectInUse:
            force = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(force.format(sql.Identifier(name)))


@pytest.fixture
def restored_name(clinics: list[Tenant]) -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    drop_database(name)
    yield name
    drop_database(name)


def make(*arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The documented command itself, as a person runs it."""
    done = subprocess.run(
        [shutil.which("make") or "make", "-s", "--no-print-directory", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def per_clinic(url: str, tables: list[str]) -> dict[tuple[str, int], int]:
    """Rows of each clinic in each tenant table, as the maintenance role counts them."""
    counts = {}
    with backup.pg_connect(url) as conn:
        for table in tables:
            query = sql.SQL("SELECT clinic_id, count(*) FROM {} GROUP BY 1")
            for clinic_id, count in conn.execute(query.format(sql.Identifier(table))):
                counts[table, clinic_id] = count
    return counts


def app_connection(database: str) -> psycopg.Connection[Any]:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=database,
        autocommit=True,
    )


def test_a_restored_backup_has_every_row_and_every_wall(
    clinics: list[Tenant], restored_name: str, tmp_path: Path
) -> None:
    source = connection.settings_dict["NAME"]
    server = backup.server()
    file = tmp_path / "iop.dump"

    said = make("backup", f"FILE={file}", f"DATABASE={source}").stdout
    assert f"Backed up {source!r} to {file}" in said
    restored = make("restore", f"FILE={file}", f"DATABASE={restored_name}").stdout
    assert f"into {restored_name!r}" in restored

    before = backup.row_counts(server.database(source))
    after = backup.row_counts(server.database(restored_name))
    assert after == before
    tenant_tables = sorted(tables_with_clinic_id())
    assert before["iop_patient"] == 3 * 6
    assert sum(1 for table in tenant_tables if before[table]) >= 30, "seed more tables"
    clinic_rows = per_clinic(server.database(source), tenant_tables)
    assert per_clinic(server.database(restored_name), tenant_tables) == clinic_rows
    print(f"backup: {backup.summary(after)} restored equal")  # noqa: T201

    with app_connection(restored_name) as app:
        # The app's role owns what was restored, under forced RLS, as before.
        forced = app.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE c.relname = ANY(%s) AND c.relrowsecurity AND c.relforcerowsecurity "
            "AND r.rolname = current_user AND EXISTS "
            "(SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)",
            [tenant_tables],
        )
        assert sorted(row[0] for row in forced) == tenant_tables
        for table in tenant_tables:
            count = sql.SQL("SELECT clinic_id, count(*) FROM {} GROUP BY 1").format(
                sql.Identifier(table)
            )
            with app.transaction():
                assert app.execute(count).fetchall() == [], f"{table} visible with no clinic"
            for tenant in clinics:
                clinic_id = tenant.clinic.pk
                with app.transaction():
                    app.execute("SELECT set_config('app.clinic_id', %s, true)", [str(clinic_id)])
                    seen = dict(app.execute(count).fetchall())
                expected = clinic_rows.get((table, clinic_id))
                assert seen == ({clinic_id: expected} if expected else {}), table
        # The audit trail's revoked UPDATE came back too (the privilege, not a row count).
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("UPDATE iop_auditevent SET action = action")


def test_a_restore_refuses_a_database_that_has_tables(
    transactional_db: None, tmp_path: Path
) -> None:
    source = connection.settings_dict["NAME"]
    before = backup.row_counts(backup.server().database(source))
    file = tmp_path / "iop.dump"
    make("backup", f"FILE={file}", f"DATABASE={source}")
    done = make("restore", f"FILE={file}", f"DATABASE={source}", check=False)
    assert done.returncode != 0
    assert "has tables already" in done.stdout
    assert backup.row_counts(backup.server().database(source)) == before


def test_the_apps_role_cannot_take_a_backup(transactional_db: None, tmp_path: Path) -> None:
    """Why the maintenance role exists: pg_dump as the app's role stops at the first
    tenant table (row-level security), rather than writing one clinic's part."""
    settings = connection.settings_dict
    url = (
        f"postgresql://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT']}/{settings['NAME']}"
    )
    done = subprocess.run(
        [backup.pg_tool("pg_dump"), "--format=custom", f"--file={tmp_path / 'x'}", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "row-level security" in done.stderr
