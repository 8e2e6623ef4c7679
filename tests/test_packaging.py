"""The packaging scripts' own parts, fast: what the notices list and what the .deb lays
out. The frozen app itself is tested by `python3 dev.py package --smoke` (CI)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path
from types import ModuleType

from conftest import REPO

from release_manager.ui.app import APP_ID


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notices_name_what_the_app_runs_on_and_not_the_build_tools() -> None:
    notices = load("notices")
    names = {d.metadata["Name"].lower().replace("_", "-") for d in notices.runtime_closure()}
    assert {"release-manager", "pyside6-essentials", "shiboken6", "keyring",
            "azure-devops", "ruamel.yaml", "jsonschema"} <= names
    assert not names & {"pytest", "ruff", "hypothesis", "pyinstaller"}
    text = notices.notices()
    pyside = text.index("PySide6_Essentials 6.11.3: LGPL-3.0-only")
    assert text.index("Shipped under the LGPL-3.0", pyside) > pyside
    assert "MIT License" in text  # a licence file's text, not only its name


def test_the_deb_tree_puts_the_app_in_opt_and_the_desktop_files_in_usr_share(
        tmp_path: Path) -> None:
    bundle = tmp_path / "release-manager"
    bundle.mkdir()
    program = bundle / "release-manager"
    program.write_text("#!/bin/sh\necho frozen app \"$@\"\n")
    program.chmod(0o755)
    tree = tmp_path / "root"
    load("deb").stage_tree(bundle, tree)
    launcher = tree / "usr" / "bin" / "release-manager"
    assert launcher.is_symlink() and not os.readlink(launcher).startswith("/")
    ran = subprocess.run([str(launcher), "--version"], capture_output=True, text=True)
    assert ran.stdout == "frozen app --version\n"
    share = tree / "usr" / "share"
    assert (share / "applications" / f"{APP_ID}.desktop").is_file()
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    icons = {p.relative_to(share / "icons").as_posix() for p in (share / "icons").rglob("*.*")}
    assert icons == {f"hicolor/{size}/apps/{APP_ID}.{'svg' if size == 'scalable' else 'png'}"
                     for size in ("scalable", "16x16", "24x24", "32x32", "48x48", "64x64",
                                  "128x128", "256x256", "512x512")}
