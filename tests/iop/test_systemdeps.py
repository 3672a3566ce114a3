"""What the operating system must provide: installed as root with apt-get, otherwise one line
naming the command to run. The machine running the suite has it all, so absence is simulated."""

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iop import systemdeps

ROOT = Path(__file__).resolve().parents[2]


def lacking(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    needs = tuple(
        dataclasses.replace(need, present=lambda: False) if need.what in names else need
        for need in systemdeps.NEEDS
    )
    monkeypatch.setattr(systemdeps, "NEEDS", needs)


def test_this_machine_has_what_the_suite_needs() -> None:
    # Run as `make test` runs it: as a script, isolated from the project and the venv.
    result = subprocess.run(
        [sys.executable, "-I", "iop/systemdeps.py", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_python_too_old_for_the_project_is_named_before_a_venv_is_made_of_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(systemdeps.sys, "version_info", (3, 10, 13, "final", 0))
    assert systemdeps.main(["test"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("[iop] Error: the project needs Python ≥ 3.11;")
    assert line.endswith("Run make with PYTHON=python3.11 (or newer).")


def test_without_root_a_missing_package_stops_with_one_line_naming_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lacking(monkeypatch, "Chromium", "Pango")
    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(systemdeps.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert systemdeps.main(["test"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == (
        "[iop] Error: make test needs Pango and Chromium, which this machine lacks; "
        "run: sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 chromium"
    )


def test_without_apt_get_the_line_names_the_packages_for_another_package_manager(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lacking(monkeypatch, "the DejaVu fonts")
    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 0)
    monkeypatch.setattr(systemdeps.shutil, "which", lambda name: None)
    assert systemdeps.main(["run"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("[iop] Error: make run needs the DejaVu fonts, which this machine")
    assert line.endswith("package manager (Debian's: apt-get install -y fonts-dejavu-core)")


def test_make_run_does_not_need_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    lacking(monkeypatch, "Chromium", "faketime")
    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 1000)
    systemdeps.ensure(systemdeps.RUN)
    with pytest.raises(systemdeps.MissingError, match="needs Chromium,"):
        systemdeps.ensure(systemdeps.TEST)
    with pytest.raises(systemdeps.MissingError, match="needs Chromium and faketime,"):
        systemdeps.ensure(systemdeps.CLOCK)


def test_as_root_with_apt_get_what_is_missing_is_installed_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed: list[str] = []
    commands: list[list[str]] = []
    chromium = next(need for need in systemdeps.NEEDS if need.what == "Chromium")
    monkeypatch.setattr(
        systemdeps,
        "NEEDS",
        tuple(
            dataclasses.replace(need, present=lambda: "chromium" in installed)
            if need is chromium
            else need
            for need in systemdeps.NEEDS
        ),
    )

    def apt(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        assert kwargs["env"]["DEBIAN_FRONTEND"] == "noninteractive"
        if "install" in command:
            installed.append(command[-1])
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 0)
    monkeypatch.setattr(systemdeps.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(systemdeps.subprocess, "run", apt)
    assert systemdeps.main(["test"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "[iop] Installing Chromium for make test: apt-get install chromium"
    ]
    assert [command[-1] for command in commands] == ["update", "chromium"]
    assert commands[1][-4:] == ["install", "-y", "--no-install-recommends", "chromium"]


def test_a_failed_install_says_so_in_one_line_after_apt_gets_own_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lacking(monkeypatch, "faketime")

    def apt(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        failed = "install" in command
        return subprocess.CompletedProcess(command, 100 if failed else 0, "", "E: no network")

    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 0)
    monkeypatch.setattr(systemdeps.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(systemdeps.subprocess, "run", apt)
    assert systemdeps.main(["clock"]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["E: no network"]
    assert captured.out.splitlines()[-1] == (
        "[iop] Error: `apt-get install -y --no-install-recommends faketime` failed (exit 100);"
        " its output is above."
    )


def test_make_bench_needs_wrk_and_make_test_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    lacking(monkeypatch, "wrk")
    monkeypatch.setattr(systemdeps.os, "geteuid", lambda: 1000)
    systemdeps.ensure(systemdeps.TEST)
    with pytest.raises(systemdeps.MissingError, match="make bench needs wrk,"):
        systemdeps.ensure(systemdeps.BENCH)
