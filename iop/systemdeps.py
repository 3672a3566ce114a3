"""What `make run` and `make test` need from the operating system, and getting it.

Python packages come from requirements.lock; a few things only the system's package manager
provides. This is the one place that knows which, and their Debian package names:

    python3 -I iop/systemdeps.py run     # Pango and fonts: WeasyPrint's PDFs
    python3 -I iop/systemdeps.py test    # the same, Chromium (browser tests) and gettext
    python3 -I iop/systemdeps.py clock   # the same and faketime: the suite at another instant
    python3 -I iop/systemdeps.py bench   # make run's and wrk: `make bench`'s load generator

When something is missing and we run as root where apt-get exists, it is installed, with one
line saying what. Otherwise the run stops at once with one line naming the command a person
must run. Standard library only and free of project imports: `make test` runs it as a script
with the system's Python, before the virtualenv, lint or any server exists, so a machine that
lacks something learns so in the first second, not after minutes of setup. (`-I` keeps the
script's own directory off sys.path, where iop/ holds modules that would shadow the standard
library, and the environment's PYTHONPATH out; it is also known to Pythons too old for the
project, so those get this script's message rather than an unknown-option error.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Where Debian (and most distributions) put fonts; fontconfig's own tools may be absent.
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
MIN_PYTHON = (3, 11)  # pyproject.toml's requires-python
APT_TIMEOUT = 900  # seconds; Chromium and its libraries are ~100 MB on a slow mirror


class MissingError(Exception):
    """What is missing and what to run: printed as one line, no traceback."""


def say(message: str) -> None:
    print(f"[iop] {message}", flush=True)


def loads(soname: str, short: str) -> bool:
    """The shared library loads, with its own dependencies: what WeasyPrint's dlopen needs.

    By its Linux file name first, then as ctypes finds `short` (other systems' names)."""
    for candidate in (soname, ctypes.util.find_library(short)):
        if not candidate:
            continue
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return True
    return False


def has_font(filename: str) -> bool:
    return any(next(folder.rglob(filename), None) for folder in FONT_DIRS if folder.is_dir())


def on_path(*commands: str) -> bool:
    return any(shutil.which(command) for command in commands)


@dataclass(frozen=True)
class Need:
    what: str
    packages: tuple[str, ...]  # Debian's names
    present: Callable[[], bool]
    purposes: frozenset[str]


RUN, TEST, CLOCK, BENCH = "run", "test", "clock", "bench"
NEEDS = (
    # WeasyPrint renders the aftercare plan PDFs with Pango (and Pango's own dependencies:
    # HarfBuzz, fontconfig, FreeType, which its packages pull in).
    Need(
        "Pango",
        ("libpango-1.0-0", "libpangoft2-1.0-0"),
        lambda: (
            loads("libpango-1.0.so.0", "pango-1.0")
            and loads("libpangoft2-1.0.so.0", "pangoft2-1.0")
        ),
        frozenset({RUN, TEST, CLOCK, BENCH}),
    ),
    # The PDF stylesheet names DejaVu Sans; without it the text falls back to whatever
    # font there is, or none at all on a minimal image.
    Need(
        "the DejaVu fonts",
        ("fonts-dejavu-core",),
        lambda: has_font("DejaVuSans.ttf"),
        frozenset({RUN, TEST, CLOCK, BENCH}),
    ),
    # Playwright drives the system's Chromium (tests/e2e/conftest.py), never a download.
    Need(
        "Chromium",
        ("chromium",),
        lambda: on_path("chromium", "chromium-browser"),
        frozenset({TEST, CLOCK}),
    ),
    # tests/iop/test_pooling.py runs the app through PgBouncer in transaction mode. Debian
    # puts it in /usr/sbin, which a non-root PATH may lack.
    Need(
        "PgBouncer",
        ("pgbouncer",),
        lambda: on_path("pgbouncer", "/usr/sbin/pgbouncer"),
        frozenset({TEST, CLOCK}),
    ),
    # The translation catalogs (locale/) are committed compiled; the suite checks each .mo is
    # msgfmt's output of its .po, and `make messages` regenerates them: both need gettext.
    Need("gettext", ("gettext",), lambda: on_path("msgfmt", "xgettext"), frozenset({TEST, CLOCK})),
    # tests/e2e/test_print_walk.py reads the printed sign-in sheet, roster and chart back
    # (pdftotext) and renders a page to look at (pdftoppm).
    Need(
        "poppler-utils",
        ("poppler-utils",),
        lambda: on_path("pdftotext") and on_path("pdftoppm"),
        frozenset({TEST, CLOCK}),
    ),
    # .ci/run's second leg runs the suite at a chosen instant under libfaketime.
    Need("faketime", ("faketime",), lambda: on_path("faketime"), frozenset({CLOCK})),
    # bench/test_throughput.py loads gunicorn with a bounded number of connections and
    # requests per second measured outside Python, so the client takes little of the CPU.
    Need("wrk", ("wrk",), lambda: on_path("wrk"), frozenset({BENCH})),
)
PURPOSES = {
    RUN: "make run",
    TEST: "make test",
    CLOCK: "the suite at another instant",
    BENCH: "make bench",
}


def missing(purpose: str) -> list[Need]:
    return [need for need in NEEDS if purpose in need.purposes and not need.present()]


def listing(needs: list[Need]) -> str:
    names = [need.what for need in needs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_get(*args: str) -> None:
    # Quiet and captured, shown only when it fails: the person sees one line, not dpkg's.
    # The lock timeout waits for another apt run (unattended upgrades, a neighbour's
    # install) instead of failing at once.
    command = ["apt-get", "-qq", "-o", "DPkg::Lock::Timeout=300", *args]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=APT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MissingError(f"`{' '.join(command)}` took over {APT_TIMEOUT} s; stopped.") from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        print("\n".join(output[-20:]), file=sys.stderr)
        raise MissingError(
            f"`apt-get {' '.join(args)}` failed (exit {done.returncode}); its output is above."
        )


def instruction(needs: list[Need]) -> str:
    command = "apt-get install -y " + " ".join(
        package for need in needs for package in need.packages
    )
    if os.geteuid() != 0:
        command = "sudo " + command
    if shutil.which("apt-get") is None:
        them = "it" if len(needs) == 1 else "them"
        return f"install {them} with the system's package manager (Debian's: {command})"
    return f"run: {command}"


def ensure(purpose: str) -> None:
    """Return when everything `purpose` needs is there, installing it if we may."""
    needs = missing(purpose)
    if not needs:
        return
    packages = [package for need in needs for package in need.packages]
    if not can_install():
        raise MissingError(
            f"{PURPOSES[purpose]} needs {listing(needs)}, which this machine lacks; "
            f"{instruction(needs)}"
        )
    say(
        f"Installing {listing(needs)} for {PURPOSES[purpose]}: apt-get install {' '.join(packages)}"
    )
    apt_get("update")
    apt_get("install", "-y", "--no-install-recommends", *packages)
    still = missing(purpose)
    if still:
        raise MissingError(
            f"{listing(still)} still missing after apt-get installed "
            f"{' '.join(packages)}; check the system's package sources."
        )


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in PURPOSES:
        print(f"usage: python3 -I iop/systemdeps.py {' | '.join(PURPOSES)}", file=sys.stderr)
        return 2
    if sys.version_info < MIN_PYTHON:
        # The venv is made from this Python: better said now than by a failed install later.
        say(
            f"Error: the project needs Python ≥ {'.'.join(map(str, MIN_PYTHON))}; "
            f"{sys.executable} is {sys.version.split()[0]}. Run make with PYTHON=python3.11 "
            "(or newer)."
        )
        return 1
    try:
        ensure(argv[0])
    except MissingError as exc:
        say(f"Error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
