"""The layer rule holds (import-linter, configured in pyproject.toml): ui and cli over
engine over core, Qt only in ui; and the check does catch a break of it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layers() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_qt_in_the_engine_or_the_engine_in_core_breaks_the_check(tmp_path: Path) -> None:
    shutil.copytree(REPO / "release_manager", tmp_path / "release_manager",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "release_manager" / "engine" / "store.py").open("a") as store:
        store.write("\nfrom PySide6.QtCore import QObject  # a Qt signal in the engine\n")
    with (tmp_path / "release_manager" / "core" / "cron.py").open("a") as cron:
        cron.write("\nfrom release_manager.engine import store  # core reaching up\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Contracts: 0 kept, 2 broken." in result.stdout
    assert "release_manager.engine.store -> PySide6" in result.stdout
    assert "release_manager.core.cron -> release_manager.engine.store" in result.stdout
