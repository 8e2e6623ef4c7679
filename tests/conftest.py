"""Shared test set-up: Qt runs offscreen; the inputs written for the tests; the shared corpus
and contracts, and the `corpus` suites that run only where that corpus is."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
# Inputs written for the tests (every clone has them): pipelines/ with their templates
# below it, and invalid/.
DATA = REPO / "tests" / "data"
DATA_PIPELINES = sorted(
    p for p in (DATA / "pipelines").iterdir() if p.suffix in (".yml", ".yaml"))
# The real corpus (public pipelines, Azure's parser inputs) and the official contracts live
# beside the checkout on the team's machines and in CI, not in a user's clone.
SHARED = Path(os.environ.get("RELEASE_MANAGER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
CONTRACTS = SHARED / "contracts"
HAS_CORPUS = CORPUS.is_dir()
_DESELECTED = pytest.StashKey[bool]()  # corpus tests were left out of this run
_SDK_CACHE = pytest.StashKey[str]()  # the azure-devops SDK's disk cache for this run


def corpus_files(folder: str, suffixes: tuple[str, ...] = (".yml", ".yaml")) -> list[Path]:
    """The files of a corpus folder, sorted; none where the corpus is absent (the tests
    that read them are marked `corpus` and are not collected then)."""
    where = CORPUS / folder
    return sorted(p for p in where.iterdir() if p.suffix in suffixes) if where.is_dir() else []


def corpus(paths: list[Path]) -> list:
    """`paths` as parameters marked `corpus`; without the corpus, one such parameter that
    stands for them, so that the run says what it left out. (A test whose every parameter
    comes from the corpus is marked itself: an empty list is then deselected, not skipped.)"""
    if not HAS_CORPUS:
        return [pytest.param(CORPUS, id="corpus", marks=pytest.mark.corpus)]
    return [pytest.param(path, marks=pytest.mark.corpus) for path in paths]


@pytest.fixture
def azure_devops(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A running Azure DevOps emulator (organization "fabrikam", project "Fabrikam-Fiber")
    over HTTPS: REQUESTS_CA_BUNDLE trusts its certificate authority and
    AZURE_DEVOPS_CACHE_DIR names a folder of this test (the SDK itself reads that variable
    once, at import: pytest_configure points it at a folder of the run; its cache is keyed
    by URL, and each emulator has its own port). Register tokens with add_pat/add_bearer."""
    from azure_emulator import AzureDevOpsEmulator

    folder = tmp_path_factory.mktemp("azure-devops")
    monkeypatch.setenv("AZURE_DEVOPS_CACHE_DIR", str(folder / "sdk-cache"))
    emulator = AzureDevOpsEmulator(folder)
    emulator.add_project("Fabrikam-Fiber")
    _trust(monkeypatch, emulator.ca_bundle, folder)
    with emulator:
        yield emulator
    _forget_sign_ins(emulator.organization_url)


@pytest.fixture
def app_service(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """A running Azure Resource Manager (App Service) emulator over HTTPS, with one
    subscription (DEFAULT_SUBSCRIPTION, no apps yet: add_app, deploy) and a service
    principal of its tenant (`principal`: a client id new to each test, so no credential
    the app keeps per sign-in outlives the test). A client passes `endpoint` as base_url
    and signs in at `authority`: AZURE_AUTHORITY_HOST names it (so the app's own
    credential uses it) and REQUESTS_CA_BUNDLE trusts its certificate authority."""
    import uuid

    from azure_emulator import AppServiceEmulator

    folder = tmp_path_factory.mktemp("app-service")
    emulator = AppServiceEmulator(folder)
    emulator.add_subscription()
    emulator.add_service_principal(str(uuid.uuid4()), "ci-secret-value", "release-bot")
    _trust(monkeypatch, emulator.ca_bundle, folder)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.authority)
    with emulator:
        yield emulator


def _trust(monkeypatch: pytest.MonkeyPatch, ca_bundle: Path, folder: Path) -> None:
    """REQUESTS_CA_BUNDLE trusts `ca_bundle` besides what it trusts already (a test may
    run both emulators, each with its own certificate authority)."""
    earlier = os.environ.get("REQUESTS_CA_BUNDLE")
    bundle = folder / "trusted-ca.pem"
    kept = Path(earlier).read_text() if earlier and Path(earlier).is_file() else ""
    bundle.write_text(kept + ca_bundle.read_text())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))


def _forget_sign_ins(organization_url: str) -> None:
    """Forget the tokens a test kept for this emulator's organization: the test session's
    keyring outlives the test, and a later emulator may get the same port (its URL)."""
    from release_manager.credentials import CredentialStore
    from release_manager.engine.azure.organization import parse_organization
    from release_manager.engine.azure.saved_sign_ins import pat_key

    store = CredentialStore()
    if not store.is_secure():
        return
    for url in {organization_url, organization_url.replace("//localhost:", "//127.0.0.1:")}:
        store.delete(pat_key(parse_organization(url)))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's folders (config: the sign-in records) in the test's own folder."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"),
                      ("XDG_CACHE_HOME", ".cache")):
        monkeypatch.setenv(name, str(folder / sub))
    return folder


@pytest.fixture
def secret_service():
    """The machine's keyring: the real Secret Service of the test session."""
    from release_manager.credentials import CredentialStore

    store = CredentialStore()
    assert store.is_secure(), (
        "these tests need a Secret Service: run them under dbus-run-session with "
        "gnome-keyring (python dev.py test does)")
    return store


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data folder (the demo, recovery copies) in a temporary folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def settings(tmp_path: Path, data_home: Path):
    """The app's settings (and its data folder) in a temporary folder, never the user's."""
    from PySide6.QtCore import QSettings

    from release_manager.ui.app import app_settings

    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    return app_settings()


def pytest_configure(config: pytest.Config) -> None:
    # azure-devops reads AZURE_DEVOPS_CACHE_DIR once, when first imported, and caches the
    # location table there for 12 hours: point it at a folder of this run, never the user's.
    config.stash[_SDK_CACHE] = tempfile.mkdtemp(prefix="azure-devops-cache-")
    os.environ["AZURE_DEVOPS_CACHE_DIR"] = config.stash[_SDK_CACHE]
    if os.environ.get("CI") == "true" and not HAS_CORPUS:
        raise pytest.UsageError(
            f"CI=true but no shared corpus at {CORPUS}: CI must run the corpus suites "
            "(check out the shared folder beside the repository or set "
            "RELEASE_MANAGER_SHARED)")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SDK_CACHE in config.stash:
        shutil.rmtree(config.stash[_SDK_CACHE], ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the corpus, its suites are deselected (said once in the summary)."""
    if HAS_CORPUS:
        return
    deselected = [item for item in items if item.get_closest_marker("corpus")]
    if deselected:
        config.stash[_DESELECTED] = True
        items[:] = [item for item in items if not item.get_closest_marker("corpus")]
        config.hook.pytest_deselected(items=deselected)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if config.stash.get(_DESELECTED, False):
        terminalreporter.write_line(
            f"corpus suites: not run — no shared corpus found at {CORPUS}; "
            "set RELEASE_MANAGER_SHARED to the folder holding corpus/ and contracts/",
            yellow=True)



def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Empty the clipboard a test filled before Qt goes: the offscreen platform crashes at
    exit when it still owns mime data (a copy test run alone ended in a segfault)."""
    qt_gui = sys.modules.get("PySide6.QtGui")  # (a run of Qt-free tests never loads it)
    if qt_gui is not None and qt_gui.QGuiApplication.instance() is not None:
        qt_gui.QGuiApplication.clipboard().clear()
