"""An environment's App Service slots on a workspace connected to Azure, in the window:
the staging card shows what Azure's slots serve (read through azure-mgmt-web from the
App Service emulator), Swap… swaps them there, after which the card shows what Azure
reads back, and the rollback swaps them back. Azure DevOps is its emulator too; the
sign-in to it is in the real Secret Service of the test session (dbus-run-session with
gnome-keyring), the Resource Manager sign-in handed to the workspace's targets directly
(the keyring is another test's subject)."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_azure_releases_window as azure_window
from azure_emulator.arm_workspace import APP, staging_on_azure
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from test_app_service_window import card, choose, slots_shown
from test_azure_releases_window import TIMEOUT, modal, ready

from release_manager.ui.releases.swap_dialog import SwapDialog

home, jane = azure_window.home, azure_window.jane
workspace, window = azure_window.workspace, azure_window.window


@pytest.fixture
def on_azure(workspace: Path, app_service, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The connected clone, its staging the staging slot of spacegame-web on Azure
    (build 7) swapped with production (build 6)."""
    folder = workspace
    staging_on_azure(app_service, folder, monkeypatch)
    return folder


def test_the_card_shows_azure_s_slots_and_swaps_them_there(
        qtbot, on_azure: Path, window, app_service) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    dashboard = panel.dashboard
    qtbot.waitUntil(lambda: bool(card(dashboard).slots_view.slots), timeout=TIMEOUT)
    assert slots_shown(dashboard) == [
        ("<b>staging</b>", "● running", "<b>#7</b>", "✔ healthy"),
        ("⇄ <b>production</b>", "● running", "<b>#6</b>", "✔ healthy")]
    [staging, _] = card(dashboard).slots_view.slots
    assert staging.url == app_service.site_url(APP, "staging")
    assert card(dashboard).slots_view.app_label.text() == f"App Service · {APP}"

    choose(qtbot, card(dashboard), "Swap slot staging into production")
    dialog = modal(qtbot, SwapDialog)
    assert dialog.facts.live_label.text() == "build #6 in production"
    assert dialog.facts.next_label.text() == "build #7 (now in slot staging)"
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].state == "succeeded", finished.args[0].message
    qtbot.waitUntil(lambda: [row[2] for row in slots_shown(dashboard)] == [
        "<b>#6</b>", "<b>#7</b>"], timeout=TIMEOUT)
    assert "Azure accepted the swap" in "\n".join(shown.log_panel.view.lines())

    # build 6, older than build 7 now live, is in the staging slot: the rollback swaps back
    choose(qtbot, card(dashboard), "Swap staging back")
    box = modal(qtbot, QMessageBox)
    assert box.text() == ("Swap staging back: production goes back to build #6 (in slot "
                          "staging now), and build #7 goes to slot staging?")
    button = next(b for b in box.buttons() if b.text() == "Swap back staging")
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert finished.args[0].state == "succeeded", finished.args[0].message
    assert finished.args[0].message.startswith("staging swapped back: production serves "
                                               "build 6 (was build 7)")
    qtbot.waitUntil(lambda: [row[2] for row in slots_shown(dashboard)] == [
        "<b>#7</b>", "<b>#6</b>"], timeout=TIMEOUT)
