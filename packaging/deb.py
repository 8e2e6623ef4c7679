"""The Debian package of the bundle: the app under /opt/release-manager, a launcher in
/usr/bin, the desktop entry, metainfo and icons under /usr/share. Built with dpkg-deb.

    python packaging/deb.py DIST_FOLDER OUT_DIR    (what `python3 dev.py package` runs)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
APP_ID = "org.releasemanager.ReleaseManager"
PACKAGE = "release-manager"
# What the bundled Qt loads from the system (glibc ≥ 2.34 for the PySide6 wheels).
DEPENDS = [
    "libc6 (>= 2.34)", "libegl1", "libgl1", "libglib2.0-0", "libfontconfig1",
    "libfreetype6", "libdbus-1-3", "libxkbcommon0", "libxkbcommon-x11-0", "libx11-xcb1",
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-xkb1",
]
CONTROL = """\
Package: {package}
Version: {version}
Architecture: {architecture}
Maintainer: Release Manager developers <maintainers@releasemanager.org>
Installed-Size: {installed_size}
Depends: {depends}
Recommends: gnome-keyring | kwalletmanager | keepassxc, git
Section: devel
Priority: optional
Homepage: https://github.com/release-manager/release-manager
Description: desktop release manager for Azure Pipelines
 Opens a multi-stage azure-pipelines.yml, draws its stages as a graph you edit
 by hand (conditions, triggers, schedules, approvers) and saves the YAML back
 byte for byte where you did not edit it. Promotes a build from stage to stage
 with one click while the deployment log streams into the window.
"""
COPYRIGHT = """\
Release Manager is distributed under the MIT licence.
It bundles Qt and PySide6 under the LGPL-3.0 and other free software; their licences
and notices are in /opt/release-manager/_internal/licenses/ (THIRD-PARTY-NOTICES.txt).
"""


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "release_manager" / "__init__.py").read_text(), namespace)
    return namespace["__version__"]


def normalise_modes(tree: Path) -> None:
    """Folders 0755, files 0755 when executable else 0644, whatever the umask was."""
    for folder, _dirs, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)


def stage_tree(bundle: Path, tree: Path) -> None:
    shutil.copytree(bundle, tree / "opt" / PACKAGE, symlinks=True)
    launcher = tree / "usr" / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    # Relative, so the package also runs from a scratch root (the smoke test does).
    launcher.symlink_to(Path("..", "..", "opt", PACKAGE, PACKAGE))
    share = tree / "usr" / "share"
    copies = {
        RESOURCES / f"{APP_ID}.desktop": share / "applications",
        RESOURCES / f"{APP_ID}.metainfo.xml": share / "metainfo",
        RESOURCES / "icons" / f"{APP_ID}.svg": share / "icons" / "hicolor" / "scalable" / "apps",
    }
    for png in (RESOURCES / "icons" / "hicolor").glob(f"*/apps/{APP_ID}.png"):
        copies[png] = share / "icons" / png.relative_to(RESOURCES / "icons").parent
    for source, folder in copies.items():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder / source.name)
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT)


def installed_size_kib(tree: Path) -> int:
    return sum(-(-path.lstat().st_size // 1024) for path in tree.rglob("*")
               if path.is_file() or path.is_symlink())


def build_deb(bundle: Path, out_dir: Path) -> Path:
    architecture = subprocess.run(["dpkg", "--print-architecture"], check=True,
                                  capture_output=True, text=True).stdout.strip()
    out = out_dir / f"{PACKAGE}_{version()}_{architecture}.deb"
    with tempfile.TemporaryDirectory(prefix="release-manager-deb-") as folder:
        tree = Path(folder) / "root"
        stage_tree(bundle, tree)
        control = tree / "DEBIAN" / "control"
        control.parent.mkdir()
        control.write_text(CONTROL.format(
            package=PACKAGE, version=version(), architecture=architecture,
            installed_size=installed_size_kib(tree), depends=", ".join(DEPENDS),
        ))
        normalise_modes(tree)
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(tree),
                        str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


if __name__ == "__main__":
    print(build_deb(Path(sys.argv[1]), Path(sys.argv[2])))
