"""Environments ▸ Pull from / Push to Azure DevOps… in the window, on a workspace connected
to the emulator (the sign-in kept for this session only): the differences in a dialog,
Cancel writes and sends nothing, the confirming button does; the environment form shows
the environment's checks in Azure DevOps, the others read-only; a refusal is a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_emulator.auth import MANAGE_ENVIRONMENT
from azure_emulator.state import CheckConfiguration
from environments_workspace import (
    ENVIRONMENTS,
    TOKEN,
    connected_workspace,
    environments_file,
    session_sign_in,
)
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from release_manager.core.environments_file import load_environments
from release_manager.credentials import CredentialStore
from release_manager.engine.azure.checks import approval_from_check
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.ui.diff_dialog import DiffDialog
from release_manager.ui.main_window import MainWindow

TIMEOUT = 20_000
LOCK_TYPE = {"id": "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563", "name": "ExclusiveLock"}


@pytest.fixture
def people(azure_devops):
    ada = azure_devops.add_pat(TOKEN, "Ada Lovelace")
    bob = azure_devops.add_pat("pat-bob", "Bob Builder")
    prod = azure_devops.add_environment("Prod")
    check = azure_devops.add_approval_check(prod, [ada, bob], timeout=1440)
    with azure_devops.org.lock:  # and an Exclusive lock, read-only here
        project = azure_devops.project()
        lock = CheckConfiguration(project.next_id(), dict(LOCK_TYPE),
                                  {"type": "environment", "id": str(prod.id), "name": "Prod"},
                                  43200, {}, ada.ref())
        project.checks[lock.id] = lock
    return prod, check, ada


@pytest.fixture
def window(qtbot, settings: QSettings, azure_devops, people, tmp_path: Path) -> MainWindow:
    folder = connected_workspace(tmp_path / "ws", azure_devops)
    window = MainWindow(settings)
    qtbot.addWidget(window, before_close_func=lambda w: w.editor and w.editor.undo_stack.clear())
    window.azure_environments.sign_ins = session_sign_in(azure_devops, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    assert window.load(folder / "azure-pipelines.yml")
    return window


def answer_dialog(qtbot, choice: str) -> list[str]:
    """Click `choice` in the next diff dialog (after the progress dialog); its message
    and diff once seen."""
    seen: list[str] = []

    def click() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DiffDialog):
            QTimer.singleShot(10, click)
            return
        seen.extend([dialog.message.text(), dialog.view.toPlainText()])
        qtbot.mouseClick(dialog.buttons[choice], Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click)
    return seen


def answer_message(qtbot, name: str) -> list[str]:
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != name:
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()

    QTimer.singleShot(0, click)
    return seen


def idle(window: MainWindow) -> bool:
    worker = window.azure_environments.worker
    return worker is not None and not worker.running \
        and window.azure_environments.progress is None


def prod_form(qtbot, window: MainWindow):
    window.editor.select(["Prod"])
    form = window.inspector.environment
    qtbot.waitUntil(lambda: "read-only" in form.azure_checks.text(), timeout=TIMEOUT)
    return form


def test_the_form_shows_the_checks_in_azure_devops_the_others_read_only(
        qtbot, window, people, tmp_path: Path):
    form = prod_form(qtbot, window)

    assert form.azure_title.isVisibleTo(form)
    assert form.azure_checks.text() == (
        "• Approval by Ada Lovelace, Bob Builder: all needed, any order, the requester may "
        "approve, times out after 1440 minutes (editable)\n"
        "• Exclusive lock: one run at a time deploys here; later ones wait (read-only)")
    assert window.azure_environments.pull_action.isEnabled()


def test_pull_shows_the_diff_cancel_writes_nothing_and_write_does(
        qtbot, window, azure_devops):
    folder = window.editor.workspace_dir
    seen = answer_dialog(qtbot, "Cancel")
    window.azure_environments.pull_action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 2 and idle(window), timeout=TIMEOUT)

    assert "Only the approvals change" in seen[0]
    assert "Not in Azure DevOps, kept as the file has them: test." in seen[0]
    assert seen[1].startswith("prod: approvers Ada Lovelace → Ada Lovelace, Bob Builder\n"
                              "prod: timeout (minutes) 43200 → 1440\n")
    assert "+        - Bob Builder" in seen[1]
    assert environments_file(folder) == ENVIRONMENTS.encode()

    seen = answer_dialog(qtbot, "Write environments.yml")
    window.azure_environments.pull_action.trigger()
    qtbot.waitUntil(lambda: window.editor.pipeline.environments["prod"].approval.approvers
                    == ["Ada Lovelace", "Bob Builder"], timeout=TIMEOUT)

    assert load_environments(folder)["prod"].approval.timeout_minutes == 1440
    after = environments_file(folder).decode()
    assert after.startswith("# Reviewed by the release team: keep these comments.\n")
    assert after.endswith(ENVIRONMENTS[ENVIRONMENTS.index("    businessHours:"):])
    assert not window.editor.is_modified()
    assert not window.disk.bar.isVisible()


def test_push_shows_the_diff_cancel_sends_nothing_and_send_does(
        qtbot, window, azure_devops, people):
    prod, check, _ = people
    form = prod_form(qtbot, window)
    form.timeout.setValue(60)  # an edit in the form, then saved
    assert window.save()
    azure_devops.clear_log()

    seen = answer_dialog(qtbot, "Cancel")
    window.azure_environments.push_action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 2 and idle(window), timeout=TIMEOUT)

    assert seen[1] == ("prod: approvers Ada Lovelace, Bob Builder → Ada Lovelace\n"
                       "prod: timeout (minutes) 1440 → 60")
    assert {c.method for c in azure_devops.requests} <= {"GET", "OPTIONS"}

    seen = answer_dialog(qtbot, "Send to Azure DevOps")
    window.azure_environments.push_action.trigger()
    qtbot.waitUntil(lambda: bool(azure_devops.calls(f"configurations/{check.id}", "PATCH"))
                    and idle(window), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "after 60 minutes" in form.azure_checks.text(), timeout=TIMEOUT)

    [read_back] = [c for c in _checks(azure_devops, prod) if c.id == check.id]
    assert approval_from_check({"id": read_back.id, "type": read_back.type,
                                "timeout": read_back.timeout, "settings": read_back.settings},
                               "Prod").policy.approvers == ["Ada Lovelace"]
    assert read_back.timeout == 60
    assert "Pushed prod" in window.statusBar().currentMessage()


def test_a_refused_push_is_one_sentence_naming_the_permission_and_nothing_is_lost(
        qtbot, window, azure_devops, people):
    folder = window.editor.workspace_dir
    azure_devops.tokens.add(TOKEN, people[2], "Basic", frozenset({MANAGE_ENVIRONMENT}))

    seen = answer_dialog(qtbot, "Send to Azure DevOps")
    error = answer_message(qtbot, "environmentSyncError")
    window.azure_environments.push_action.trigger()
    qtbot.waitUntil(lambda: bool(error) and idle(window), timeout=TIMEOUT)

    assert len(seen) == 2
    assert f"You need the permission {MANAGE_ENVIRONMENT}." in error[0]
    assert environments_file(folder) == ENVIRONMENTS.encode()
    assert window.editor.pipeline.environments["prod"].approval.approvers == ["Ada Lovelace"]


def _checks(azure_devops, environment) -> list[CheckConfiguration]:
    with azure_devops.org.lock:
        return [c for c in azure_devops.project().checks.values()
                if c.resource.get("id") == str(environment.id)]



def test_cancel_while_azure_is_read_stops_waiting_and_shows_nothing(
        qtbot, window, azure_devops):
    folder = window.editor.workspace_dir
    hold = azure_devops.faults.hold("distributedtask/environments", method="GET")
    window.azure_environments.pull_action.trigger()
    qtbot.waitUntil(hold.arrived.is_set, timeout=TIMEOUT)
    progress = window.azure_environments.progress
    assert progress is not None and progress.isVisible()
    assert progress.labelText() == "Reading the checks in Azure DevOps…"

    qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    hold.release()
    worker = window.azure_environments.worker
    qtbot.waitUntil(lambda: not worker.running, timeout=TIMEOUT)

    assert window.azure_environments.progress is None
    assert not isinstance(QApplication.activeModalWidget(), DiffDialog)
    assert environments_file(folder) == ENVIRONMENTS.encode()


def test_with_unsaved_edits_a_pull_asks_to_save_first_and_cancel_does_nothing(
        qtbot, window, azure_devops):
    folder = window.editor.workspace_dir
    form = prod_form(qtbot, window)
    form.timeout.setValue(90)  # not saved
    azure_devops.clear_log()
    asked: list[str] = []

    def cancel() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "environmentSyncSaveFirst":
            QTimer.singleShot(10, cancel)
            return
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, cancel)
    window.azure_environments.pull_action.trigger()

    assert asked == ["A pull rewrites environments.yml: save your changes first?"]
    assert azure_devops.requests == []
    assert window.editor.is_modified()
    assert window.editor.pipeline.environments["prod"].approval.timeout_minutes == 90
    assert environments_file(folder) == ENVIRONMENTS.encode()


def test_signed_out_the_form_and_a_pull_say_so_and_nothing_is_written(
        qtbot, window, azure_devops, tmp_path: Path):
    folder = window.editor.workspace_dir
    window.azure_environments.sign_ins = SavedSignIns(
        CredentialStore(fail.Keyring()), records=tmp_path / "none.json")
    window.editor.select(["Prod"])
    form = window.inspector.environment
    qtbot.waitUntil(lambda: form.azure_checks.text().startswith("Could not read them: "),
                    timeout=TIMEOUT)

    error = answer_message(qtbot, "environmentSyncError")
    window.azure_environments.pull_action.trigger()
    qtbot.waitUntil(lambda: bool(error) and idle(window), timeout=TIMEOUT)

    assert f"Not signed in to {azure_devops.organization_url}" in form.azure_checks.text()
    assert error[0].startswith(f"Not signed in to {azure_devops.organization_url}: run ")
    assert environments_file(folder) == ENVIRONMENTS.encode()
