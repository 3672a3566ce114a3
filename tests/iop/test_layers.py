"""The layers of DESIGN.md §2 as `make lint` checks them (import-linter, configured in
pyproject.toml): the tree keeps them, the check fails on an upward import, and every app of
the project sits in a layer."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def copy_of_project(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in config()["root_packages"]:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tree


def test_the_tree_keeps_its_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_project(tmp_path)
    (tree / "iop" / "upward.py").write_text("from therapy.models import Availability\n")
    (tree / "scheduling" / "upward.py").write_text(
        "def later() -> None:\n    from groups import selectors\n"
    )
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "iop.upward -> therapy.models" in result.stdout
    assert "scheduling.upward -> groups.selectors" in result.stdout  # function-level too


def test_one_feature_importing_another_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_project(tmp_path)
    (tree / "family" / "sideways.py").write_text("import progress.models\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "family.sideways -> progress.models" in result.stdout


def test_every_app_of_the_project_sits_in_a_layer() -> None:
    ours = {app.name for app in apps.get_app_configs() if Path(app.path).parent == ROOT}
    layered = {
        name.strip() for layer in config()["contracts"][0]["layers"] for name in layer.split("|")
    }
    assert ours == set(config()["root_packages"]) == layered
