#!/usr/bin/env python3
"""Set up and run Release Manager, or its tests, on a fresh machine.

    python3 dev.py run [ARGS...]   create .venv, install, start the app (the demo workspace)
    python3 dev.py test [PYTEST ARGS...]   create .venv, install, lint, run every test
    python3 dev.py package [--smoke]   build the desktop bundle (dist/release-manager/) and,
                                       on Linux, the .deb; --smoke: then test them
    python3 dev.py resources   regenerate the icon set and the compiled Qt resource

Only the Python standard library is used here, so this runs before anything is installed.
On Linux, the system libraries Qt needs (and a Secret Service for the keyring tests) are
installed with apt-get when missing and this runs as root; otherwise the command to run is
printed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")

# Debian packages: what Qt's xcb/offscreen platforms load, fonts, git (workspaces are
# repositories), and gnome-keyring + dbus so the keyring tests use a real Secret Service.
APT_PACKAGES = [
    "libegl1", "libgl1", "libglib2.0-0", "libfontconfig1", "libdbus-1-3", "libxkbcommon0",
    "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0",
    "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0",
    "libxcb-xinerama0", "libxcb-xkb1", "fonts-dejavu-core", "git", "dbus",
    "gnome-keyring",
]
# Packaging: PyInstaller reads binaries with binutils; the desktop files' validators.
PACKAGING_APT_PACKAGES = ["binutils", "desktop-file-utils", "appstream"]
APP_ID = "org.releasemanager.ReleaseManager"
DIST = ROOT / "dist"
BUNDLE = DIST / "release-manager"


def ensure_system_packages(packages: list[str] = APT_PACKAGES) -> None:
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Status}\\n", *packages],
        capture_output=True, text=True,
    ).stdout
    installed = {line.split()[0] for line in status.splitlines() if "ok installed" in line}
    missing = [name for name in packages if name not in installed]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    else:
        print("Some system libraries may be missing; install them with:\n"
              f"  sudo apt-get install {' '.join(missing)}", file=sys.stderr)


def ensure_venv(extras: tuple[str, ...] = ("test",)) -> None:
    """Create .venv and install the project with `extras` (the stamp records what was
    installed for which pyproject.toml) when pyproject changed or an extra is new."""
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    recorded_digest, _, recorded = (stamp.read_text() if stamp.exists() else "").partition(" ")
    have = set(filter(None, recorded.split(","))) if recorded_digest == digest else set()
    if set(extras) <= have:
        return
    wanted = ",".join(sorted(have | set(extras)))
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[{wanted}]"], check=True)
    stamp.write_text(f"{digest} {wanted}")


def with_keyring_session(command: list[str]) -> list[str]:
    """Run `command` in a private D-Bus session with an unlocked gnome-keyring, so the
    keyring tests talk to a real Secret Service; unchanged where those are missing."""
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        return command
    script = (
        'printf "test-session" | gnome-keyring-daemon --unlock --components=secrets '
        '>/dev/null 2>&1; exec "$@"'
    )
    return ["dbus-run-session", "--", "sh", "-c", script, "sh", *command]


def run_tests(extra: list[str]) -> int:
    ensure_system_packages()
    ensure_venv()
    # A data folder of the run's own: the tests' keyring (created unlocked by the session
    # below) and any demo workspace never touch, or depend on, the user's.
    data_home = tempfile.mkdtemp(prefix="release-manager-tests-")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=data_home)
    lint = subprocess.run([str(BIN / "ruff"), "check", "release_manager", "tests",
                           "benchmarks", "packaging", "resources", "dev.py"], cwd=ROOT)
    if lint.returncode != 0:
        return lint.returncode
    command = with_keyring_session([str(PYTHON), "-m", "pytest", *extra])
    try:
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        shutil.rmtree(data_home, ignore_errors=True)


def validate_desktop_files() -> None:
    """The freedesktop validators on the .desktop entry and the AppStream metainfo."""
    resources = ROOT / "resources"
    subprocess.run(["desktop-file-validate", str(resources / f"{APP_ID}.desktop")],
                   check=True)
    subprocess.run(["appstreamcli", "validate", "--no-net",
                    str(resources / f"{APP_ID}.metainfo.xml")], check=True)


def megabytes(path: Path) -> float:
    files = [path] if path.is_file() else [
        p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6


def run_package(extra: list[str]) -> int:
    """The one-folder bundle with PyInstaller; on Linux the .deb, and with --smoke the
    smoke test of both (packaging/smoke.py) in a Secret Service session."""
    linux = sys.platform.startswith("linux")
    ensure_system_packages([*APT_PACKAGES, *PACKAGING_APT_PACKAGES])
    ensure_venv(("package",))
    started = time.monotonic()
    if linux:
        validate_desktop_files()
    subprocess.run([str(BIN / "pyinstaller"), "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
                    str(ROOT / "packaging" / "release-manager.spec")], cwd=ROOT, check=True)
    print(f"bundle: {BUNDLE} ({megabytes(BUNDLE):.0f} MB)")
    if not linux:
        print(f"built in {time.monotonic() - started:.0f} s (see packaging/README.md)")
        return 0
    deb = Path(subprocess.run(
        [str(PYTHON), str(ROOT / "packaging" / "deb.py"), str(BUNDLE), str(DIST)],
        check=True, capture_output=True, text=True).stdout.strip())
    print(f"package: {deb} ({megabytes(deb):.0f} MB)")
    print(f"built in {time.monotonic() - started:.0f} s")
    if "--smoke" not in extra:
        return 0
    data_home = tempfile.mkdtemp(prefix="release-manager-smoke-")  # the session's keyring
    try:
        smoke = with_keyring_session(
            [str(PYTHON), str(ROOT / "packaging" / "smoke.py"), str(BUNDLE), str(deb)])
        return subprocess.run(smoke, cwd=ROOT, env=dict(os.environ, XDG_DATA_HOME=data_home)
                              ).returncode
    finally:
        shutil.rmtree(data_home, ignore_errors=True)


def run_resources() -> int:
    ensure_venv()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(PYTHON), str(ROOT / "resources" / "generate.py")],
                          cwd=ROOT, env=env).returncode


def run_app(extra: list[str]) -> int:
    ensure_system_packages()
    ensure_venv()
    return subprocess.run([str(PYTHON), "-m", "release_manager", *extra], cwd=ROOT).returncode


def main() -> int:
    verb, *extra = sys.argv[1:] or ["run"]
    if verb == "test":
        return run_tests(extra)
    if verb == "run":
        return run_app(extra)
    if verb == "package":
        return run_package(extra)
    if verb == "resources":
        return run_resources()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
