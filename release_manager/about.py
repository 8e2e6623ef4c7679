"""What Help → About and `release-manager --version` say: versions, folders, credential
store, licences. Qt-free and cheap to import: `--version` must not load Qt or the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from release_manager import __version__

APP_ID = "release-manager"
"""The name of the app's folders (platformdirs) and of its command."""
PYSIDE_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6")
LICENCE_DIR = Path(__file__).resolve().parent / "resources" / "licenses"
"""Where the licence texts ship with the app, when the build put them there."""


@dataclass(frozen=True)
class Versions:
    app: str
    pyside: str
    python: str

    def line(self) -> str:
        return f"{APP_ID} {self.app} (PySide6 {self.pyside}, Python {self.python})"


def versions() -> Versions:
    """The versions from the installed metadata: PySide6 is not imported for its own."""
    import platform

    return Versions(__version__, pyside_version(), platform.python_version())


def pyside_version() -> str:
    from importlib import metadata  # ~30 ms: only when a version is asked for

    for name in PYSIDE_DISTRIBUTIONS:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


@dataclass(frozen=True)
class Folder:
    label: str
    path: Path
    holds: str


def data_folders(settings_file: Path | None = None) -> list[Folder]:
    """The folders the app writes to on this machine (the settings file is Qt's to
    place, so the window passes it in)."""
    from release_manager.crash_report import report_dir
    from release_manager.engine.demo import default_demo_dir

    folders = [Folder("Demo workspace", default_demo_dir(),
                      "the demo pipeline, its releases and their logs")]
    if settings_file is not None:
        folders.append(Folder("Settings", settings_file,
                              "window layout, recent files, graph positions"))
    folders.append(Folder("Crash reports", report_dir(),
                          "one file per unexpected error, with no secrets"))
    return folders


@dataclass(frozen=True)
class CredentialStoreState:
    backend: str
    secure: bool

    def describe(self) -> str:
        if self.secure:
            return f"{self.backend} (secure)"
        return (f"No secure store: {self.backend}. Release Manager will not keep "
                "credentials until a Secret Service, Keychain or Credential Locker is "
                "available; it never writes them to a file.")


def credential_store_state() -> CredentialStoreState:
    """The keyring backend in use. It may talk to the desktop's secret service (D-Bus):
    the window asks from a worker."""
    from release_manager.credentials import CredentialStore

    store = CredentialStore()
    return CredentialStoreState(store.backend_name, store.is_secure())


@dataclass(frozen=True)
class Licence:
    component: str
    spdx: str
    url: str


LICENCES = (
    Licence("Release Manager", "MIT", "https://opensource.org/license/mit"),
    Licence("Qt and Qt for Python (PySide6)", "LGPL-3.0-only",
            "https://www.gnu.org/licenses/lgpl-3.0.html"),
)


def licence_files() -> list[Path]:
    """The licence texts shipped with this install (none in a source checkout that has
    not gathered them)."""
    if not LICENCE_DIR.is_dir():
        return []
    return sorted(path for path in LICENCE_DIR.iterdir() if path.is_file())
