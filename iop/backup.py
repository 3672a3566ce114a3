"""`make backup` and `make restore`: the whole database, every clinic's rows, as a maintenance role.

The app's role cannot dump its own database: every tenant table forces row-level security,
so it sees one clinic at a time, and none outside a transaction (pg_dump refuses: "query
would be affected by row-level security"). Backups and restores run as a separate role,
`iop_maintenance`: LOGIN, BYPASSRLS, CREATEDB, never a superuser, and a member of the app's
role, so it reads every table the app owns and can give what it restores back to the app.

    python -m iop.backup dump [FILE] [--database NAME]      # make backup [FILE=…] [DATABASE=…]
    python -m iop.backup restore FILE [--database NAME]     # make restore FILE=… [DATABASE=…]

The dump is pg_dump's custom format with owners and privileges, so the restored tables
belong to the app's role again, with their policies, triggers and revoked privileges. A
restore goes only into an empty database (it is created, owned by the app's role, when it
does not exist), in one transaction: it succeeds whole or leaves nothing. Both print how
many tables and rows they saw, counted as the maintenance role: equal numbers mean the
restore holds every row.

Which server: MAINTENANCE_DATABASE_URL when set (a role like the one above, on your
server); otherwise the embedded server under `.data/` (started if needed), where the role is
made through the local superuser socket. Standard library and psycopg only, like
iop/devservers.py: this runs without Django.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from psycopg import sql

from iop import clock
from iop.devservers import (
    APP_DB,
    APP_ROLE,
    ROOT,
    EmbeddedPostgres,
    ServiceError,
    pg_connect,
    say,
)

MAINTENANCE_ROLE = "iop_maintenance"
BACKUP_DIR = ROOT / "backups"


@dataclass
class Server:
    """Where the maintenance role connects, and the database the app uses there."""

    url: str  # the maintenance role's URL, for any database: see `database()`
    app_database: str
    app_role: str
    started: EmbeddedPostgres | None = None

    def database(self, name: str) -> str:
        """The maintenance role's URL for database `name` (libpq URI, as pg_dump takes)."""
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def stop_started(self) -> None:
        if self.started is not None:
            self.started.stop()


def app_database_url() -> tuple[str, str]:
    """The app's database name and role, from DATABASE_URL or the embedded defaults."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return APP_DB, APP_ROLE
    parts = urlsplit(url)
    return parts.path.lstrip("/") or APP_DB, parts.username or APP_ROLE


def embedded_port(postgres: EmbeddedPostgres) -> int | None:
    if not postgres.is_running():
        return None
    return int((postgres.pgdata / "postmaster.pid").read_text().splitlines()[3])


def server() -> Server:
    database, role = app_database_url()
    explicit = os.environ.get("MAINTENANCE_DATABASE_URL", "")
    if explicit:
        return Server(url=explicit, app_database=database, app_role=role)
    postgres = EmbeddedPostgres()
    app_url = os.environ.get("DATABASE_URL", "")
    if app_url and urlsplit(app_url).port != embedded_port(postgres):
        raise ServiceError(
            "DATABASE_URL names your own server: set MAINTENANCE_DATABASE_URL to a role with "
            "LOGIN BYPASSRLS CREATEDB that is a member of the app's role (README, Backups)."
        )
    started = postgres if postgres.start() else None
    try:
        postgres.ensure_app_role()
        ensure_maintenance_role(postgres, app_role=role)
    except BaseException:
        if started is not None:
            started.stop()
        raise
    query = urlencode({"host": str(postgres.socket_dir), "port": str(postgres.port)})
    url = f"postgresql://{MAINTENANCE_ROLE}@/{database}?{query}"
    return Server(url=url, app_database=database, app_role=role, started=started)


def ensure_maintenance_role(postgres: EmbeddedPostgres, *, app_role: str) -> None:
    """BYPASSRLS to read every clinic's rows; membership in the app's role to read its
    tables and to hand restored ones back to it. Local socket only (trust): no password."""
    with pg_connect(postgres.superuser_url()) as conn:
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [MAINTENANCE_ROLE])
        if found.fetchone() is None:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER BYPASSRLS CREATEDB").format(
                    sql.Identifier(MAINTENANCE_ROLE)
                )
            )
        conn.execute(
            sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(app_role), sql.Identifier(MAINTENANCE_ROLE)
            )
        )


def pg_tool(name: str) -> str:
    """pg_dump and pg_restore of the embedded server's version (16): they read servers of
    that version and older, which the system's client may not."""
    return str(EmbeddedPostgres().bin / name)


def libpq_url(url: str) -> str:
    """`postgres://` is Django's spelling; libpq (pg_dump) wants `postgresql://`."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def row_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database's own schema, as the maintenance role sees them."""
    with pg_connect(url) as conn:
        conn.execute("SET row_security = off")  # an error, not a silent partial count
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        counts = {}
        for table in tables:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def summary(counts: dict[str, int]) -> str:
    return f"{len(counts)} tables, {sum(counts.values())} rows"


def default_file() -> Path:
    instant = datetime.datetime.fromtimestamp(clock.timestamp(), tz=datetime.UTC)
    return BACKUP_DIR / f"iop-{instant:%Y%m%dT%H%M%SZ}.dump"


def dump(url: str, file: Path) -> dict[str, int]:
    """pg_dump of one database to `file` (custom format); the row counts it holds."""
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--file={partial}",
            libpq_url(url),
        ]
    )
    partial.replace(file)  # a file with the final name is always a finished dump
    return row_counts(url)


def tables_in(url: str) -> int:
    with pg_connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()
    return int(row[0]) if row else 0


def database_exists(server: Server, name: str) -> bool:
    with pg_connect(server.database("postgres")) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def restore(server: Server, file: Path, database: str) -> dict[str, int]:
    """pg_restore into `database`, which must be empty or absent; the row counts it holds."""
    if not file.is_file():
        raise ServiceError(f"No backup at {file}.")
    target = server.database(database)
    if not database_exists(server, database):
        with pg_connect(server.database("postgres")) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(server.app_role)
                )
            )
        say(f"Created database {database!r}, owned by {server.app_role!r}")
    elif tables_in(target):
        raise ServiceError(
            f"Database {database!r} has tables already; a restore goes into an empty database. "
            "Drop it first, or name another with DATABASE=…"
        )
    run(
        [
            pg_tool("pg_restore"), "--no-password", "--exit-on-error", "--single-transaction",
            f"--dbname={libpq_url(target)}", str(file),
        ]
    )  # fmt: skip
    return row_counts(target)


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        print(done.stderr.strip()[-4000:], file=sys.stderr)
        raise ServiceError(f"{Path(command[0]).name} failed (exit {done.returncode}); see above.")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m iop.backup", description=__doc__.split("\n")[0]
    )
    actions = parser.add_subparsers(dest="action", required=True)
    dumping = actions.add_parser("dump", help="back up the database to FILE")
    dumping.add_argument("file", nargs="?", type=Path)
    restoring = actions.add_parser("restore", help="restore FILE into an empty database")
    restoring.add_argument("file", type=Path)
    for action in (dumping, restoring):
        action.add_argument("--database", help="default: the app's database")
    arguments = parser.parse_args(argv)
    try:
        target = server()
        try:
            database = arguments.database or target.app_database
            if arguments.action == "dump":
                file: Path = arguments.file or default_file()
                counts = dump(target.database(database), file)
                say(f"Backed up {database!r} to {file}: {summary(counts)}")
            else:
                counts = restore(target, arguments.file, database)
                say(f"Restored {arguments.file} into {database!r}: {summary(counts)}")
        finally:
            target.stop_started()
    except ServiceError as exc:
        say(f"Error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
