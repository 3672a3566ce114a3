"""A real PgBouncer (Debian's `pgbouncer`) in transaction mode, in front of the test database.

Started per test as a subprocess on a free loopback port and stopped after it; the system
package comes from iop/systemdeps.py. `databases` maps each name a client connects to onto
a pool size: several names can point at the one test database with pools of their own.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from iop.devservers import free_port

# PgBouncer refuses to run as root; `-u` drops to this user after reading its files.
UNPRIVILEGED_USER = "nobody"


def binary() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")
    if found is None:
        raise RuntimeError("pgbouncer is missing: `make test` installs it (iop/systemdeps.py)")
    return found


@dataclass
class Bouncer:
    port: int
    user: str
    password: str
    log: Path

    def settings_for(self, base: dict[str, Any], database: str) -> dict[str, Any]:
        """A Django settings dict for one of the bouncer's database names."""
        return {**base, "HOST": "127.0.0.1", "PORT": str(self.port), "NAME": database}

    def connect(self, database: str) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            dbname=database,
            user=self.user,
            password=self.password,
            autocommit=True,
            prepare_threshold=None,
        )


@contextmanager
def pgbouncer(settings_dict: dict[str, Any], databases: dict[str, int]) -> Iterator[Bouncer]:
    """PgBouncer with `pool_mode = transaction` for the server in `settings_dict`."""
    user, password = settings_dict["USER"], settings_dict["PASSWORD"]
    host, server_port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or "5432"
    target = settings_dict["NAME"]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="iop-pgbouncer-") as folder:
        directory = Path(folder)
        directory.chmod(0o755)  # read by the unprivileged user it switches to
        (directory / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        lines = [
            "[databases]",
            *(
                f"{name} = host={host} port={server_port} dbname={target} pool_size={size}"
                for name, size in databases.items()
            ),
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "pool_mode = transaction",
            "auth_type = scram-sha-256",
            f"auth_file = {directory / 'userlist.txt'}",
            "max_client_conn = 200",
            # Queries wait for a server connection rather than fail while all are busy.
            "query_wait_timeout = 60",
            "log_connections = 0",
            "log_disconnections = 0",
        ]
        config = directory / "pgbouncer.ini"
        config.write_text("\n".join(lines) + "\n")
        for path in directory.iterdir():
            path.chmod(0o644)
        log = directory / "pgbouncer.log"
        command = [binary(), str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", UNPRIVILEGED_USER]
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        bouncer = Bouncer(port=port, user=user, password=password, log=log)
        try:
            wait_until_accepting(bouncer, next(iter(databases)), process)
            yield bouncer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_accepting(bouncer: Bouncer, database: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited at start: {bouncer.log.read_text()[-2000:]}")
        try:
            with bouncer.connect(database) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
