"""Smoke test of the frozen app: what a user's first minutes would hit.

    python packaging/smoke.py BUNDLE_FOLDER DEB    (pictures go to BUNDLE_FOLDER/../smoke)

Run inside a Secret Service session (dev.py starts one). Checks, failing on the first
miss: the bundle pictures its window on the demo (offscreen Qt), validates the demo
pipeline against the bundled schema, names a secure keyring backend, holds every module
that is imported by name; the .deb installs
into a scratch root with its desktop files, and the app runs from there.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PyInstaller.archive.readers import pkg_archive_contents
from PySide6.QtGui import QGuiApplication, QImage

from release_manager.ui.app import APP_ID
from release_manager.ui.main_window import DEFAULT_SIZE

LOADED_BY_NAME = ("azure.devops", "keyring.backends", "release_manager.cli")
"""Packages whose modules are imported by name at run time, so PyInstaller cannot see
them: the spec collects them all, and this checks it did."""
MIN_COLOURS = 8
"""A drawn window has text, cards and docks; a blank or black picture has one or two."""


class SmokeFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    print(f"$ {' '.join(command)}  -> {result.returncode}")
    return result


def check_picture(path: Path) -> None:
    image = QImage(str(path))
    check(not image.isNull(), f"{path}: no picture was written")
    check(image.size().toTuple() == DEFAULT_SIZE,
          f"{path}: {image.width()}x{image.height()}, expected {DEFAULT_SIZE}")
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    check(len(colours) >= MIN_COLOURS, f"{path}: looks blank ({len(colours)} colours)")
    print(f"  {path.name}: {image.width()}x{image.height()}, {len(colours)} colours")


def check_app(executable: Path, scratch: Path, picture: Path) -> None:
    """The window on the demo workspace, and the CLI on the bundled schema."""
    name = picture.stem
    data_home = scratch / f"data-{name}"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(data_home))
    shot = run([str(executable), "--screenshot", str(picture)], env)
    check(shot.returncode == 0, f"{name}: --screenshot failed:\n{shot.stderr}")
    check_picture(picture)
    demo = next(data_home.rglob("azure-pipelines.yml"), None)
    check(demo is not None, f"{name}: the demo workspace was not created")
    validate = run([str(executable), "validate", str(demo)], env)
    said = validate.stdout + validate.stderr
    check(validate.returncode == 0, f"{name}: validate failed:\n{said}")
    check("skipped" not in said, f"{name}: the bundled schema was not used:\n{said}")


def check_modules_by_name(executable: Path) -> None:
    frozen = set(pkg_archive_contents(str(executable)))
    for package in LOADED_BY_NAME:
        path = importlib.import_module(package).__path__
        wanted = {info.name for info in pkgutil.walk_packages(path, f"{package}.")}
        missing = sorted(wanted - frozen)
        check(missing == [], f"the bundle misses {len(missing)} modules: {missing[:5]}")
        print(f"  {package}: all {len(wanted)} modules frozen")


def check_keyring(executable: Path) -> None:
    result = run([str(executable), "--check-keyring"], dict(os.environ))
    check(result.returncode == 0, f"--check-keyring found no secure store:\n{result.stderr}")
    check("SecretService" in result.stdout, f"not the Secret Service: {result.stdout}")
    print(f"  {result.stdout.strip()}")


def install_into(deb: Path, root: Path) -> None:
    """dpkg's own install into an empty root (its dependencies are the host's)."""
    admin = root / "var" / "lib" / "dpkg"
    for folder in ("info", "updates", "triggers"):
        (admin / folder).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    result = run(["dpkg", f"--root={root}", "--force-depends", "--force-not-root",
                  "--install", str(deb)], dict(os.environ))
    check(result.returncode == 0, f"dpkg --install failed:\n{result.stderr}")


def check_installed(root: Path) -> Path:
    share = root / "usr" / "share"
    desktop = share / "applications" / f"{APP_ID}.desktop"
    expected = [
        desktop,
        share / "metainfo" / f"{APP_ID}.metainfo.xml",
        share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        share / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png",
        root / "opt" / "release-manager" / "_internal" / "licenses" / "LGPL-3.0.txt",
        root / "opt" / "release-manager" / "_internal" / "licenses" / "THIRD-PARTY-NOTICES.txt",
    ]
    missing = [str(path.relative_to(root)) for path in expected if not path.is_file()]
    check(missing == [], f"the package misses {missing}")
    launcher = root / "usr" / "bin" / "release-manager"
    check(launcher.exists(), "no /usr/bin/release-manager (or it points nowhere)")
    exec_line = next(line for line in desktop.read_text().splitlines()
                     if line.startswith("Exec="))
    check(exec_line.split()[0] == f"Exec={launcher.name}", f"desktop entry runs {exec_line}")
    return launcher


def main(bundle: Path, deb: Path) -> int:
    QGuiApplication.instance() or QGuiApplication(["smoke", "-platform", "offscreen"])
    executable = bundle / "release-manager"
    pictures = bundle.parent / "smoke"  # kept to look at (CI can archive them)
    pictures.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="release-manager-smoke-") as folder:
        scratch = Path(folder)
        try:
            check_app(executable, scratch, pictures / "bundle.png")
            check_keyring(executable)
            check_modules_by_name(executable)
            root = scratch / "root"
            install_into(deb, root)
            check_app(check_installed(root), scratch, pictures / "installed.png")
        except SmokeFailure as failure:
            print(f"smoke test FAILED: {failure}", file=sys.stderr)
            return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
