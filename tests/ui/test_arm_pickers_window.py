"""Signing in to Azure Resource Manager in the window, and picking an environment's App
Service target from what it lists, as a person clicks and types: File → Sign in to
Azure Resource Manager… (Test connection, Sign in, Cancel, Sign out, what failed in a
sentence), then the inspector's Subscription / App / Slot pickers. The App Service
emulator is Resource Manager (with its Entra ID), reached by the real azure-mgmt-web
SDK; the keyring is the real Secret Service of the test session (gnome-keyring under
dbus-run-session)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QPoint, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QComboBox

from release_manager.core.environments_file import environments_path, load_environments
from release_manager.core.model import AppServiceTarget
from release_manager.credentials import CredentialKey
from release_manager.engine.azure.arm_sign_in import ARM_ENDPOINT
from release_manager.ui.arm_sign_in_dialog import ArmSignInDialog
from release_manager.ui.inspector.app_service_form import AppServiceForm
from release_manager.ui.main_window import MainWindow

TIMEOUT = 30_000
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
CONTOSO = "11111111-1111-1111-1111-111111111111"
TAILSPIN = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "clone"
    folder.mkdir()
    shutil.copyfile(DATA / "pipelines" / "spacegame.yml", folder / "azure-pipelines.yml")
    return folder


@pytest.fixture
def window(qtbot, settings: QSettings, home: Path, workspace: Path) -> MainWindow:
    """The main window on the workspace's Space Game pipeline, shown."""
    shown = MainWindow(settings)
    qtbot.addWidget(shown, before_close_func=lambda w: w.editor.undo_stack.clear())
    shown.show()
    qtbot.waitExposed(shown)
    assert shown.load(workspace / "azure-pipelines.yml")
    yield shown
    shown.azure.status.unwatch()


@pytest.fixture
def cloud(app_service):
    """Three subscriptions and three web apps in two resource groups: each listing is
    more than one page (the emulator's page_size is 2)."""
    app_service.add_subscription(CONTOSO, "Contoso Test")
    app_service.add_subscription(TAILSPIN, "Tailspin Toys")
    app_service.add_app("spacegame-web", resource_group="rg-spacegame",
                        slots=("staging", "canary"))
    app_service.add_app("spacegame-api", resource_group="rg-spacegame", slots=())
    app_service.add_app("tailspin-web", resource_group="rg-tailspin", slots=("qa",))
    return app_service


def secret_key(app_service) -> CredentialKey:
    return CredentialKey("azure-client-secret",
                         f"{app_service.tenant}/{app_service.principal.client_id}")


def open_arm_sign_in(qtbot, window: MainWindow) -> ArmSignInDialog:
    window.azure.arm_sign_in_action.trigger()
    dialog = window.azure.arm_sign_in_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    return dialog


def fill(qtbot, dialog: ArmSignInDialog, app_service, secret: str) -> None:
    """The emulator's endpoint, Service principal, its tenant, client id and `secret`."""
    assert dialog.endpoint.text() == ARM_ENDPOINT  # Azure's public cloud unless changed
    dialog.endpoint.selectAll()
    qtbot.keyClicks(dialog.endpoint, app_service.endpoint)
    dialog.method.setCurrentIndex(dialog.method.findText("Service principal"))
    qtbot.keyClicks(dialog.tenant, app_service.tenant)
    qtbot.keyClicks(dialog.client_id, app_service.principal.client_id)
    qtbot.keyClicks(dialog.client_secret, secret)


def click_and_wait(qtbot, dialog: ArmSignInDialog, button) -> str:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=TIMEOUT)
    return dialog.result.text()


def sign_in(qtbot, window: MainWindow, app_service) -> None:
    dialog = open_arm_sign_in(qtbot, window)
    fill(qtbot, dialog, app_service, app_service.principal.secret)
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def target_form(qtbot, window: MainWindow, stage: str = "Staging") -> AppServiceForm:
    """Select `stage` and check "Deploy to an App Service app's slot"."""
    window.editor.select([stage])
    form = window.inspector.environment.app_service
    qtbot.mouseClick(form.mapped, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, form.mapped.height() // 2))  # on its box
    assert form.fields.isVisible()
    return form


def items(picker: QComboBox) -> list[str]:
    return [picker.itemText(index) for index in range(picker.count())]


def pick(qtbot, picker: QComboBox, text: str) -> None:
    """Open the picker's list, go to `text` with the arrow keys and press Return (a
    click on an item just after the list opens is taken for the opening click)."""
    index = picker.findText(text, Qt.MatchFlag.MatchExactly)
    assert index >= 0, (text, items(picker))
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton,
                     pos=QPoint(picker.width() - 8, picker.height() // 2))  # its arrow
    view = picker.view()
    qtbot.waitUntil(view.isVisible)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    for _ in range(index):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().data() == text
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible())


def type_into(qtbot, picker: QComboBox, text: str) -> None:
    """Type `text` over the picker's text and press Return, in the active window (the
    offscreen platform does not give the activation back when a dialog closes)."""
    window = picker.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    line = picker.lineEdit()
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def staging_target(window: MainWindow) -> AppServiceTarget | None:
    environment = window.editor.pipeline.environments.get("staging")
    return environment.app_service if environment else None


def assert_secret_nowhere(secret: str, folder: Path, logs: str) -> None:
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert files, "the test wrote files to look through"
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
    assert secret not in logs


# ------------------------------------------------------------------ signing in


def test_a_service_principal_tests_signs_in_into_the_keyring_only_and_signs_out(
        qtbot, window, cloud, secret_service, home, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = cloud.principal.secret
    dialog = open_arm_sign_in(qtbot, window)
    fill(qtbot, dialog, cloud, secret)
    assert dialog.client_secret.echoMode() == dialog.client_secret.EchoMode.Password

    tested = click_and_wait(qtbot, dialog, dialog.test_button)

    assert tested.startswith("It sees 3 subscriptions: Contoso Test, Space Game, "
                             "Tailspin Toys.")
    assert secret_service.get(secret_key(cloud)) is None  # a test keeps nothing
    assert not (home / ".config").exists()

    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    assert secret_service.get(secret_key(cloud)) == secret
    assert window.statusBar().currentMessage() == (
        "Signed in to Azure Resource Manager: 3 subscriptions")
    assert_secret_nowhere(secret, tmp_path, caplog.text)

    again = open_arm_sign_in(qtbot, window)  # a new dialog: the secret is not shown again
    assert again is not dialog and again.client_secret.text() == ""
    assert [again.endpoint.text(), again.method.currentText(), again.client_id.text()] == [
        cloud.endpoint, "Service principal", cloud.principal.client_id]
    assert again.result.text() == f"Signed in (Service principal {cloud.principal.client_id})."
    assert click_and_wait(qtbot, again, again.sign_out_button) == (
        "Signed out of Azure Resource Manager.")
    assert secret_service.get(secret_key(cloud)) is None
    assert "arm" not in (home / ".config" / "release-manager" /
                         "azure-sign-ins.json").read_text()


def test_a_wrong_secret_is_named_and_nothing_is_kept(
        qtbot, window, cloud, secret_service, home, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = open_arm_sign_in(qtbot, window)
    fill(qtbot, dialog, cloud, "not-the-secret-4711")

    said = click_and_wait(qtbot, dialog, dialog.sign_in_button)

    assert said.startswith(f"Microsoft Entra ID sign-in for {cloud.endpoint} failed: ")
    assert "AADSTS7000215" in said  # Entra ID's own code for a wrong client secret
    assert dialog.isVisible()
    assert secret_service.get(secret_key(cloud)) is None
    assert not (home / ".config").exists()
    assert_secret_nowhere("not-the-secret-4711", tmp_path, caplog.text)
    qtbot.keyClicks(dialog.client_secret, "x")  # the sentence was about the secret before
    assert dialog.result.text() == ""


def test_a_sign_in_under_way_is_cancelled_at_once_and_keeps_nothing(
        qtbot, window, cloud, secret_service, home) -> None:
    hold = cloud.faults.hold("/subscriptions", method="GET")
    dialog = open_arm_sign_in(qtbot, window)
    fill(qtbot, dialog, cloud, cloud.principal.secret)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(hold.arrived.is_set, timeout=TIMEOUT)
    seen = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= seen + 5)  # the GUI thread keeps running
    assert dialog.progress.isVisible() and not dialog.sign_in_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert dialog.result.text() == "Cancelled."
    assert dialog.sign_in_button.isEnabled() and dialog.isVisible()
    timer.stop()
    hold.release()  # Azure answers after all: the sign-in the user cancelled is not kept
    assert QThreadPool.globalInstance().waitForDone(TIMEOUT)
    assert cloud.calls("/subscriptions", "GET")
    assert secret_service.get(secret_key(cloud)) is None
    assert not (home / ".config").exists()


# ------------------------------------------------------------------ picking


def test_the_pickers_list_subscriptions_and_apps_a_pick_fills_the_target_and_undoes(
        qtbot, window, cloud, secret_service, workspace) -> None:
    sign_in(qtbot, window, cloud)
    form = target_form(qtbot, window)
    stack = window.editor.undo_stack

    qtbot.waitUntil(lambda: form.subscription_picker.count() == 3, timeout=TIMEOUT)
    assert items(form.subscription_picker) == [
        f"Contoso Test ({CONTOSO})", f"Space Game ({SUBSCRIPTION})",
        f"Tailspin Toys ({TAILSPIN})"]
    assert not form.sign_in_link.isVisible()
    assert form.subscription.text() == ""  # listing changes nothing the user typed
    commands = stack.count()
    type_into(qtbot, form.subscription_picker, "Contoso")  # completed as it is typed
    assert form.subscription.text() == CONTOSO
    qtbot.waitUntil(lambda: form.listing.text() == "Contoso Test has no web app.",
                    timeout=TIMEOUT)
    assert staging_target(window) == AppServiceTarget(CONTOSO)
    stack.undo()
    assert form.subscription.text() == "" and form.app_picker.count() == 0

    pick(qtbot, form.subscription_picker, f"Space Game ({SUBSCRIPTION})")

    assert form.subscription.text() == SUBSCRIPTION  # the id, as environments.yml keeps it
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION)
    assert stack.count() == commands + 1
    qtbot.waitUntil(lambda: form.app_picker.count() == 3, timeout=TIMEOUT)
    assert items(form.app_picker) == ["spacegame-api (rg-spacegame)",
                                      "spacegame-web (rg-spacegame)",
                                      "tailspin-web (rg-tailspin)"]

    pick(qtbot, form.app_picker, "spacegame-web (rg-spacegame)")

    assert [form.app.text(), form.resource_group.text()] == ["spacegame-web",
                                                             "rg-spacegame"]
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION, "rg-spacegame",
                                                      "spacegame-web")
    assert stack.count() == commands + 2  # app and resource group: one edit
    assert items(form.slot_picker) == ["production", "canary", "staging"]

    pick(qtbot, form.slot_picker, "staging")
    assert staging_target(window).slot == "staging"
    assert stack.count() == commands + 3
    assert items(form.swap_with_picker) == ["production", "canary", "staging"]
    pick(qtbot, form.swap_with_picker, "production")
    assert staging_target(window).swap_with == "production"
    assert stack.count() == commands + 4

    stack.undo()  # swap with
    stack.undo()  # the slot
    stack.undo()  # the app pick, resource group with it
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION)
    assert [form.app.text(), form.resource_group.text(), form.slot.text()] == ["", "", ""]
    stack.redo()
    stack.redo()
    stack.redo()

    assert window.save()
    assert load_environments(workspace)["staging"].app_service == AppServiceTarget(
        SUBSCRIPTION, "rg-spacegame", "spacegame-web", "staging", "production")
    assert ("    appService:\n"
            f"      subscription: {SUBSCRIPTION}\n"
            "      resourceGroup: rg-spacegame\n"
            "      app: spacegame-web\n"
            "      slot: staging\n"
            "      swapWith: production\n") in environments_path(workspace).read_text()


def test_a_listing_that_fails_is_said_and_the_fields_keep_what_they_hold(
        qtbot, window, cloud, secret_service) -> None:
    sign_in(qtbot, window, cloud)
    cloud.faults.fail("/providers/Microsoft.Web/sites", 403, times=10)
    form = target_form(qtbot, window)
    qtbot.waitUntil(lambda: form.subscription_picker.count() == 3, timeout=TIMEOUT)

    type_into(qtbot, form.subscription_picker, SUBSCRIPTION)

    said = ("Azure refused to list the web apps of subscription "
            f"{SUBSCRIPTION} (HTTP 403 Forbidden): the sign-in may not perform "
            "Microsoft.Web/sites/read.")
    qtbot.waitUntil(lambda: form.listing.text() == said, timeout=TIMEOUT)
    assert form.listing.isVisible()
    assert form.subscription.text() == SUBSCRIPTION
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION)
    type_into(qtbot, form.app_picker, "spacegame-web")  # typed, as without a listing
    assert staging_target(window).app == "spacegame-web"
    assert form.listing.text() == said  # said until the form is shown again


def test_signed_out_the_fields_are_typed_and_the_link_opens_the_sign_in(
        qtbot, window, app_service, secret_service) -> None:
    form = target_form(qtbot, window)

    qtbot.waitUntil(form.sign_in_link.isVisible, timeout=TIMEOUT)
    assert form.subscription_picker.count() == 0
    assert app_service.arm_calls() == []  # nothing to ask Azure without a sign-in
    for _ in range(2):  # unmapped and mapped again: the link is still there
        qtbot.mouseClick(form.mapped, Qt.MouseButton.LeftButton,
                         pos=QPoint(8, form.mapped.height() // 2))
    assert form.sign_in_link.isVisible()
    type_into(qtbot, form.subscription_picker, SUBSCRIPTION)
    type_into(qtbot, form.app_picker, "spacegame-web")
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION, "", "spacegame-web")

    qtbot.mouseClick(form.sign_in_link, Qt.MouseButton.LeftButton,
                     pos=QPoint(12, form.sign_in_link.fontMetrics().height() // 2))

    dialog = window.azure.arm_sign_in_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    fill(qtbot, dialog, app_service, app_service.principal.secret)
    with qtbot.waitSignal(dialog.finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: form.subscription_picker.count() == 1, timeout=TIMEOUT)
    assert not form.sign_in_link.isVisible()
    assert form.subscription.text() == SUBSCRIPTION  # nothing typed was lost
    qtbot.waitUntil(lambda: form.listing.text() == "Space Game has no web app.",
                    timeout=TIMEOUT)  # the typed id's subscription, by name

    dialog = open_arm_sign_in(qtbot, window)
    assert click_and_wait(qtbot, dialog, dialog.sign_out_button) == (
        "Signed out of Azure Resource Manager.")

    qtbot.waitUntil(form.sign_in_link.isVisible, timeout=TIMEOUT)
    assert form.subscription_picker.count() == 0  # nothing left to pick from
    assert staging_target(window) == AppServiceTarget(SUBSCRIPTION, "", "spacegame-web")
