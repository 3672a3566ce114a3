"""The foundation: bootstrap errors, deployment files, production settings."""

import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


# --- The bootstrap's errors are one clear line ------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def devservers(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iop.devservers", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wrong_database_url_stops_with_one_line() -> None:
    result = devservers(
        "exec", "--", "true", DATABASE_URL=f"postgres://iop:iop@127.0.0.1:{free_port()}/iop"
    )
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    assert "PostgreSQL at 127.0.0.1" in lines[0]
    assert "DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_redis_stops_with_one_line() -> None:
    result = devservers("exec", "--", "true", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1].startswith("[iop] Error: Redis at 127.0.0.1")
    assert "REDIS_URL" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_busy_web_port_names_the_variable_to_change() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = devservers("run", PORT=str(port))
    assert result.returncode == 1
    assert f"Port {port} is in use" in result.stdout
    assert "PORT=8001 make run" in result.stdout


def test_a_busy_embedded_redis_port_names_the_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "iop.devservers", "exec", "--", "true"],
            cwd=ROOT,
            env={**env, "IOP_REDIS_PORT": str(port), "IOP_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"Port {port} (embedded Redis) is in use" in result.stdout
    assert "IOP_REDIS_PORT" in result.stdout


def test_a_superuser_database_url_is_refused() -> None:
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=2).close()
    except Exception:  # noqa: BLE001
        pytest.skip("no local PostgreSQL superuser to try with")
    result = devservers("exec", "--", "true", DATABASE_URL=url)
    assert result.returncode == 1
    assert "superuser" in result.stdout
    assert "NOBYPASSRLS" in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to the postgres user")
def test_files_the_running_server_removes_mid_walk_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process starting the servers walks a live cluster's directory; PostgreSQL
    removes files such as pg_internal.init under it, which must not stop the start."""
    from iop.devservers import EmbeddedPostgres

    pgdata = tmp_path / "postgres"
    (pgdata / "base" / "1").mkdir(parents=True)
    vanishing = pgdata / "base" / "1" / "pg_internal.init"
    vanishing.write_text("cache")
    (pgdata / "PG_VERSION").write_text("16")
    chown = os.chown

    def chown_while_the_server_cleans_up(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        vanishing.unlink(missing_ok=True)
        chown(path, *args, **kwargs)

    monkeypatch.setattr(os, "chown", chown_while_the_server_cleans_up)
    EmbeddedPostgres(pgdata=pgdata)._prepare_directories()

    assert not vanishing.exists()
    assert pgdata.stat().st_uid != 0


# --- Deployment files -------------------------------------------------------------------------


def test_docker_compose_services_point_at_real_parts_of_the_project() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert (ROOT / "Dockerfile").is_file()
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["build"] == "."
        env = service["environment"]
        module = env["DJANGO_SETTINGS_MODULE"]
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
        assert "DATABASE_URL" in env
        assert "REDIS_URL" in env
        command = service["command"]
        if command[0] == "gunicorn":
            module_path, attribute = command[1].split(":")
            source = (ROOT / (module_path.replace(".", "/") + ".py")).read_text()
            assert re.search(rf"^{attribute}\s*=", source, re.MULTILINE)
        elif command[0] == "celery":
            assert command[1:3] == ["-A", "iop"]
            assert "celery_app" in (ROOT / "iop/__init__.py").read_text()
        else:
            assert command[:2] == ["python", "manage.py"]
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name]
    for volume in services["postgres"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).is_file(), source


def test_every_declared_dependency_is_pinned_in_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    names = {re.split(r"[\[<>=!~ ]", dep)[0].lower().replace("_", "-") for dep in declared}
    assert names - pins == set()


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "iop.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Qz!7vB#2mL$8rT" * 4,
    "DJANGO_ALLOWED_HOSTS": "iop.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://iop.example.org",
}


def production_base_env() -> dict[str, str]:
    """This machine's environment without what only the browser tests set."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_production_settings_pass_check_deploy() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**production_base_env(), **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {**os.environ, **PRODUCTION_ENV}
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def settings_module_of(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs `command` (which prints the settings it loaded) without DJANGO_SETTINGS_MODULE."""
    env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("entry_point", ["iop.wsgi", "iop.asgi", "iop.celery"])
def test_servers_started_without_settings_run_the_production_ones(entry_point: str) -> None:
    """gunicorn, an ASGI server, the Celery worker and beat: a forgotten variable means the
    production settings, which refuse to start without their secret, never DEBUG on."""
    code = f"import {entry_point}; from django.conf import settings as s; print(s.SETTINGS_MODULE)"
    command = [sys.executable, "-c", code]
    env = {**production_base_env(), **PRODUCTION_ENV}
    started = settings_module_of(command, env)
    assert started.stdout.strip() == "iop.settings.production", started.stderr
    del env["DJANGO_SECRET_KEY"]
    refused = settings_module_of(command, env)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr


def test_manage_py_run_without_settings_uses_the_dev_ones() -> None:
    """Local commands (shell, makemigrations, seed_demo) need no setup."""
    code = "from django.conf import settings as s; print(s.SETTINGS_MODULE)"
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
    result = settings_module_of(command, dict(os.environ))
    assert result.stdout.strip() == "iop.settings.dev", result.stderr


def test_a_busy_default_port_falls_back_to_a_free_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "IOP_REDIS_PORT")}
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            busy.bind(("127.0.0.1", 63799))
            busy.listen()
        except OSError:
            pass  # already taken (the suite's own embedded Redis): just as good
        result = subprocess.run(
            [sys.executable, "-m", "iop.devservers", "exec", "--",
             sys.executable, "-c", "import os; print(os.environ['REDIS_URL'])"],
            cwd=ROOT, env={**env, "IOP_DATA_DIR": str(tmp_path)},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Port 63799 is busy; embedded Redis uses" in result.stdout
    url = next(line for line in result.stdout.splitlines() if line.startswith("redis://"))
    assert ":63799/" not in url


def test_models_and_migrations_agree(db: None) -> None:
    """A model change without its migration would reach production unapplied."""
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_make_run_links_emails_to_the_port_it_serves_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from iop import devservers as bootstrap

    services = bootstrap.Services(database_url="postgres://x", redis_url="redis://x", started=[])
    monkeypatch.delenv("SITE_URL", raising=False)
    assert bootstrap.run_env(services, port=8123)["SITE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.delenv("WORKER_LOG_LEVEL", raising=False)
    assert bootstrap.run_env(services, port=8123)["WORKER_LOG_LEVEL"] == "WARNING"
    monkeypatch.setenv("SITE_URL", "https://iop.example.org")
    assert bootstrap.run_env(services, port=8123)["SITE_URL"] == "https://iop.example.org"


@pytest.mark.django_db
def test_make_run_ends_with_the_url_logins_and_password_in_a_box() -> None:
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    from iop import devservers as bootstrap

    out = StringIO()
    call_command("seed_demo", patients=2, stdout=out)
    news, logins = bootstrap.split_seed_output(out.getvalue())
    assert news == ["Demo clinics created."]
    box = bootstrap.ready_box("http://127.0.0.1:8123/", logins).splitlines()
    assert box[0] == box[-1]
    assert set(box[0]) == {"+", "-"}
    assert all(line.startswith("| ") and line.endswith(" |") for line in box[1:-1])
    assert len({len(line) for line in box}) == 1
    text = "\n".join(box)
    assert "Ready: http://127.0.0.1:8123/" in box[1]
    assert f"password {settings.DEMO_PASSWORD}" in text
    for email in ("admin@demo.example", "frontdesk@second.example", "multi@demo.example"):
        assert email in text
