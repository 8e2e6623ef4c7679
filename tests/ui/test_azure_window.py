"""Signing in to Azure DevOps and connecting the open workspace, in the window, as a person
clicks and types: File → Sign in… (Test connection, Sign in, what failed in a sentence),
File → Connect… (the project's pipelines to pick from), the status-bar indicator and the
bar that asks to sign in again. The HTTPS emulator is Azure DevOps; the keyring is the
real Secret Service of the test session (gnome-keyring under dbus-run-session), or
keyring's failing backend where a test has no secure keyring."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import socket
from datetime import datetime
from pathlib import Path

import keyring
import pytest
from azure_emulator.auth import VIEW_PROJECT
from azure_emulator.state import StageSpec
from conftest import DATA
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from release_manager.credentials import CredentialKey, CredentialStore
from release_manager.engine.azure.binding import AzureBinding, load_binding, save_binding
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.sign_in import PatSignIn
from release_manager.ui import azure_status
from release_manager.ui.azure_sign_in_dialog import SESSION_ONLY, SignInDialog
from release_manager.ui.main_window import MainWindow

TOKEN = "pat-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"
PROJECT = "Fabrikam-Fiber"
TIMEOUT = 20_000
STAGES = [StageSpec("Build"), StageSpec("Deploy", environment="production")]


@pytest.fixture
def no_secure_keyring():
    """A machine without a secure keyring: keyring's failing backend."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "clone"
    folder.mkdir()
    shutil.copyfile(DATA / "pipelines" / "spacegame.yml", folder / "azure-pipelines.yml")
    return folder


@pytest.fixture
def window(qtbot, settings: QSettings, home: Path, workspace: Path):
    """`window()`: the main window on the workspace's pipeline, shown."""
    made: list[MainWindow] = []

    def make() -> MainWindow:
        shown = MainWindow(settings)
        qtbot.addWidget(shown)
        made.append(shown)
        shown.show()
        qtbot.waitExposed(shown)
        assert shown.load(workspace / "azure-pipelines.yml")
        return shown

    yield make
    for shown in made:
        shown.azure.status.unwatch()
        controller = shown.release_controller
        if controller is not None:
            controller.dispose()
            controller.pool.waitForDone(60_000)


def open_sign_in(qtbot, window: MainWindow) -> SignInDialog:
    window.azure.sign_in_action.trigger()
    dialog = window.azure.sign_in_dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    return dialog


def fill(qtbot, dialog: SignInDialog, url: str, token: str, project: str = "") -> None:
    dialog.organization.clear()
    qtbot.keyClicks(dialog.organization, url)
    dialog.project.clear()
    qtbot.keyClicks(dialog.project, project)
    qtbot.keyClicks(dialog.token, token)


def test_connection(qtbot, dialog: SignInDialog) -> str:
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=TIMEOUT)
    return dialog.result.text()


test_connection.__test__ = False  # a helper, not a test


def sign_in(qtbot, window: MainWindow, url: str, token: str = TOKEN) -> None:
    """Sign in through the dialog, as a person does; it closes once kept."""
    dialog = open_sign_in(qtbot, window)
    fill(qtbot, dialog, url, token)
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def pat_key(url: str) -> CredentialKey:
    return CredentialKey("azure-devops-pat", url)


def assert_token_nowhere(token: str, *folders: Path, logs: str = "",
                         settings: QSettings | None = None) -> None:
    forms = [token.encode(), base64.b64encode(f":{token}".encode())]
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    assert files, "the test wrote files to look through"
    for path in files:
        content = path.read_bytes()
        assert not any(form in content for form in forms), path
    assert not any(form.decode() in logs for form in forms)
    if settings is not None:
        for key in settings.allKeys():
            assert token not in str(settings.value(key)), key


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------ signing in


def test_a_good_token_tests_then_signs_in_into_the_keyring_and_nowhere_else(
        qtbot, window, azure_devops, secret_service, settings, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    shown = window()
    dialog = open_sign_in(qtbot, shown)
    fill(qtbot, dialog, url, TOKEN)

    assert dialog.token.echoMode() == dialog.token.EchoMode.Password
    assert test_connection(qtbot, dialog) == "Signed in as Jane Doe"
    assert secret_service.get(pat_key(url)) is None  # a test keeps nothing

    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    assert secret_service.get(pat_key(url)) == TOKEN
    assert shown.statusBar().currentMessage() == f"Signed in to {url} as Jane Doe"
    again = open_sign_in(qtbot, shown)  # a new dialog: the token is not shown again
    assert again is not dialog and again.token.text() == ""
    again.reject()
    settings.sync()
    assert_token_nowhere(TOKEN, tmp_path, Path(os.environ["AZURE_DEVOPS_CACHE_DIR"]),
                         logs=caplog.text, settings=settings)


def test_a_wrong_token_says_401_and_keeps_nothing(qtbot, window, azure_devops,
                                                  secret_service, home, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    url = azure_devops.organization_url
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, url, TOKEN)

    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=TIMEOUT)

    assert dialog.result.text() == (f"{url} refused the credentials (HTTP 401 Unauthorized): "
                                    "the token is wrong, revoked or expired. Sign in again.")
    assert dialog.isVisible()
    assert secret_service.get(pat_key(url)) is None
    assert not (home / ".config").exists()
    assert TOKEN not in caplog.text
    qtbot.keyClicks(dialog.token, "x")  # the sentence was about the token before the edit
    assert dialog.result.text() == ""


def test_a_missing_permission_is_named(qtbot, window, azure_devops, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe", denied={VIEW_PROJECT})
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, azure_devops.organization_url, TOKEN, project=PROJECT)

    said = test_connection(qtbot, dialog)

    assert "HTTP 403 Forbidden" in said
    assert f"You need the permission {VIEW_PROJECT}." in said


def test_an_unknown_project_is_named(qtbot, window, azure_devops, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, url, TOKEN, project="Tailspin")

    assert test_connection(qtbot, dialog) == (
        f"The project 'Tailspin' does not exist at {url}, or this sign-in cannot see it "
        "(HTTP 404).")


def test_an_unreachable_host_is_said(qtbot, window, secret_service) -> None:
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, f"https://localhost:{closed_port()}/fabrikam", TOKEN)

    assert test_connection(qtbot, dialog) == ("Cannot reach localhost: the connection was "
                                              "refused.")


def test_an_untrusted_certificate_is_said(qtbot, window, azure_devops, secret_service,
                                          monkeypatch) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, azure_devops.organization_url, TOKEN)

    assert test_connection(qtbot, dialog) == (
        "The certificate of localhost is not trusted: if your network inspects TLS, set "
        "REQUESTS_CA_BUNDLE to the PEM file of its certificate authority.")


def test_without_a_secure_keyring_it_says_so_and_keeps_for_this_session_only(
        qtbot, window, azure_devops, no_secure_keyring, home, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    shown = window()
    dialog = open_sign_in(qtbot, shown)

    assert dialog.keyring_notice.isVisible()
    assert "No secure keyring" in dialog.keyring_notice.text()
    assert "never in a file" in dialog.keyring_notice.text()
    assert dialog.sign_in_button.text() == SESSION_ONLY

    fill(qtbot, dialog, url, TOKEN)
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    organization = parse_organization(url)
    assert shown.azure.saved.load(organization) == PatSignIn(TOKEN)  # in this window's memory
    assert shown.azure.saved.organizations() == [url]
    assert not (home / ".config").exists()
    assert_token_nowhere(TOKEN, tmp_path, logs=caplog.text)


def test_a_service_principal_signs_in_its_secret_in_the_keyring(
        qtbot, window, azure_devops, secret_service, monkeypatch) -> None:
    tenant, client, secret = "contoso.onmicrosoft.com", "release-bot-app", "sp-secret-55aa66bb"
    azure_devops.add_service_principal(tenant, client, secret, "release-bot")
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", azure_devops.base_url)
    dialog = open_sign_in(qtbot, window())
    dialog.organization.clear()
    qtbot.keyClicks(dialog.organization, azure_devops.organization_url)
    dialog.method.setCurrentIndex(dialog.method.findText(
        "Microsoft Entra ID: service principal"))
    assert not dialog.token.isVisible() and dialog.client_secret.isVisible()
    assert dialog.client_secret.echoMode() == dialog.client_secret.EchoMode.Password
    qtbot.keyClicks(dialog.tenant, tenant)
    qtbot.keyClicks(dialog.client_id, client)

    assert test_connection(qtbot, dialog) == ("A service principal needs a tenant, a client "
                                              "id and its secret.")
    qtbot.keyClicks(dialog.client_secret, secret)
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    assert secret_service.get(CredentialKey("azure-client-secret",
                                            f"{tenant}/{client}")) == secret


def test_the_window_stays_responsive_while_the_test_waits_and_cancel_works(
        qtbot, window, azure_devops, secret_service) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    hold = azure_devops.faults.hold("/_apis/connectionData")
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, azure_devops.organization_url, TOKEN)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(hold.arrived.is_set, timeout=TIMEOUT)
    seen = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= seen + 5)  # the GUI thread keeps running

    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.test_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert dialog.result.text() == "Cancelled."
    assert dialog.test_button.isEnabled() and not dialog.progress.isVisible()
    timer.stop()
    hold.release()


def test_a_sign_in_cancelled_while_azure_devops_answers_is_not_kept(
        qtbot, window, azure_devops, secret_service, home) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    hold = azure_devops.faults.hold("/_apis/connectionData")
    dialog = open_sign_in(qtbot, window())
    fill(qtbot, dialog, url, TOKEN)

    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(hold.arrived.is_set, timeout=TIMEOUT)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    hold.release()  # the service answers after all
    assert QThreadPool.globalInstance().waitForDone(TIMEOUT)

    assert dialog.result.text() == "Cancelled." and dialog.isVisible()
    assert secret_service.get(pat_key(url)) is None
    assert not (home / ".config").exists()


# ------------------------------------------------------------------ connecting


def test_connect_lists_the_pipelines_and_writes_the_binding(
        qtbot, window, azure_devops, secret_service, workspace, settings, tmp_path,
        caplog) -> None:
    caplog.set_level(logging.DEBUG)
    azure_devops.add_pat(TOKEN, "Jane Doe")
    azure_devops.add_pipeline("web-frontend", STAGES)
    api = azure_devops.add_pipeline("orders-api", STAGES)
    url = azure_devops.organization_url
    shown = window()
    sign_in(qtbot, shown, url)

    shown.azure.connect_action.trigger()
    dialog = shown.azure.connect_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.organization.currentText() == url  # from the saved sign-ins
    qtbot.keyClicks(dialog.project, "fabrikam-fiber")
    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pipelines.count() == 2, timeout=TIMEOUT)

    assert [dialog.pipelines.item(row).text() for row in range(2)] == [
        f"orders-api  (id {api.id})", f"web-frontend  (id {api.id - 1})"]
    assert dialog.project.text() == PROJECT  # as the service spells it
    assert not dialog.connect_button.isEnabled()
    rect = dialog.pipelines.visualItemRect(dialog.pipelines.item(0))
    qtbot.mouseClick(dialog.pipelines.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)

    assert load_binding(workspace) == AzureBinding(url, PROJECT, api.id, "orders-api")
    qtbot.waitUntil(lambda: shown.azure.indicator.text().startswith(
        "Azure DevOps: signed in as Jane Doe · fabrikam · refreshed "), timeout=TIMEOUT)
    assert shown.azure.indicator.isVisible()
    settings.sync()
    assert_token_nowhere(TOKEN, tmp_path, logs=caplog.text, settings=settings)


def test_disconnect_removes_the_binding_and_the_indicator(
        qtbot, window, azure_devops, secret_service, workspace) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    secret_service.set(pat_key(url), TOKEN)
    save_binding(workspace, AzureBinding(url, PROJECT, 7, "web-frontend"))
    shown = window()
    qtbot.waitUntil(lambda: shown.azure.indicator.isVisible(), timeout=TIMEOUT)

    shown.azure.connect_action.trigger()
    dialog = shown.azure.connect_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert "is connected to pipeline web-frontend (id 7)" in dialog.workspace_label.text()
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.disconnect_button, Qt.MouseButton.LeftButton)

    assert load_binding(workspace) is None
    assert not shown.azure.indicator.isVisible()
    assert secret_service.get(pat_key(url)) == TOKEN  # the sign-in stays


# ------------------------------------------------------------------ the indicator


def connected(workspace: Path, secret_service: CredentialStore, azure_devops) -> str:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    url = azure_devops.organization_url
    secret_service.set(pat_key(url), TOKEN)
    save_binding(workspace, AzureBinding(url, PROJECT, 1, "web-frontend"))
    return url


def test_the_indicator_says_offline_then_recovers_by_itself(
        qtbot, window, azure_devops, secret_service, workspace, monkeypatch) -> None:
    monkeypatch.setattr(azure_status, "RETRY_MS", (200, 400))
    connected(workspace, secret_service, azure_devops)
    azure_devops.faults.drop("/_apis/connectionData", times=4)  # every try of one check
    shown = window()
    indicator = shown.azure.indicator

    qtbot.waitUntil(lambda: indicator.text() == "Azure DevOps: offline, retrying",
                    timeout=TIMEOUT)
    assert "localhost" in indicator.toolTip()
    before = datetime.now()
    qtbot.waitUntil(lambda: indicator.text().startswith("Azure DevOps: signed in as "),
                    timeout=TIMEOUT)
    assert indicator.text() in {f"Azure DevOps: signed in as Jane Doe · fabrikam · "
                                f"refreshed {moment:%H:%M}"
                                for moment in (before, datetime.now())}


def test_an_expired_token_asks_to_sign_in_again_and_keeps_the_screen(
        qtbot, window, azure_devops, secret_service, workspace) -> None:
    url = connected(workspace, secret_service, azure_devops)
    shown = window()
    indicator = shown.azure.indicator
    qtbot.waitUntil(lambda: indicator.text().startswith("Azure DevOps: signed in as "),
                    timeout=TIMEOUT)
    editor, graph = shown.editor, shown.graph

    azure_devops.revoke(TOKEN)
    shown.azure.status.check_now()  # a refresh, as the releases' workers make them

    notice = shown.azure.notice
    qtbot.waitUntil(notice.isVisible, timeout=TIMEOUT)
    assert indicator.text() == "Azure DevOps: not signed in"
    assert "refused the credentials (HTTP 401" in notice.label.text()
    assert "Everything on screen stays as it is." in notice.label.text()
    assert shown.editor is editor and shown.graph is graph and shown.isVisible()
    assert QApplication.activeModalWidget() is None

    azure_devops.add_pat("pat-new-0123456789abcdef0123456789ab", "Jane Doe")
    qtbot.mouseClick(notice.buttons["Sign in again…"], Qt.MouseButton.LeftButton)
    dialog = shown.azure.sign_in_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.organization.text() == url
    qtbot.keyClicks(dialog.token, "pat-new-0123456789abcdef0123456789ab")
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    assert indicator.text().startswith("Azure DevOps: signed in as Jane Doe · fabrikam")
    assert not notice.isVisible()


def test_clicking_the_indicator_opens_the_sign_in_dialog(
        qtbot, window, azure_devops, secret_service, workspace) -> None:
    url = connected(workspace, secret_service, azure_devops)
    shown = window()
    qtbot.waitUntil(lambda: shown.azure.indicator.isVisible(), timeout=TIMEOUT)

    qtbot.mouseClick(shown.azure.indicator, Qt.MouseButton.LeftButton)

    dialog = shown.azure.sign_in_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.organization.text() == url and dialog.project.text() == PROJECT
    dialog.reject()


def test_connect_while_signed_out_offers_to_sign_in(qtbot, window, azure_devops,
                                                    secret_service, workspace) -> None:
    url = azure_devops.organization_url
    shown = window()
    shown.azure.connect_action.trigger()
    dialog = shown.azure.connect_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.organization.lineEdit(), url)
    qtbot.keyClicks(dialog.project, PROJECT)

    qtbot.mouseClick(dialog.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.load_button.isEnabled(), timeout=TIMEOUT)

    assert dialog.result.text() == f"Not signed in to {url}: sign in first."
    assert dialog.pipelines.count() == 0 and load_binding(workspace) is None
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    sign_in_dialog = shown.azure.sign_in_dialog
    qtbot.waitUntil(sign_in_dialog.isVisible)
    assert sign_in_dialog.organization.text() == url


def test_a_connected_workspace_never_signed_in_says_so(qtbot, window, azure_devops,
                                                      secret_service, workspace) -> None:
    url = azure_devops.organization_url
    save_binding(workspace, AzureBinding(url, PROJECT, 1, "web-frontend"))
    shown = window()

    qtbot.waitUntil(lambda: shown.azure.notice.isVisible(), timeout=TIMEOUT)

    assert shown.azure.indicator.text() == "Azure DevOps: not signed in"
    assert shown.azure.notice.label.text() == (f"Not signed in to {url}. Everything on "
                                               "screen stays as it is.")
    assert azure_devops.calls("/_apis/") == []
