"""The open pipeline against its files on disk, changed by another editor or `git pull`:
the window offers to reload, and a save never writes over a change it has not shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from window_helpers import wait_opened

from release_manager.core.environments_file import environments_path, load_environments
from release_manager.core.model import ApprovalPolicy
from release_manager.ui.diff_dialog import DiffDialog
from release_manager.ui.main_window import MainWindow

PIPELINE = """\
# Release train
stages:
- stage: Build
  displayName: 'Build it'
  jobs:
  - job: Build
    steps:
    - script: echo build
- stage: Prod
  dependsOn: Build
  jobs:
  - deployment: Deploy
    environment: prod
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo deploy
"""
THEIRS = PIPELINE.replace("'Build it'", "'Build it, theirs'")
APPROVALS = """\
version: 1
environments:
  prod:
    approval:
      approvers: [ops@contoso.com]
"""
TIMEOUT = 10_000


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "azure-pipelines.yml"
    path.parent.mkdir()
    path.write_text(PIPELINE)
    return path


@pytest.fixture
def window(qtbot, settings: QSettings, pipeline: Path) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window, before_close_func=lambda w: w.editor and w.editor.undo_stack.clear())
    window.show()
    qtbot.waitExposed(window)
    assert window.load(pipeline)
    return window


def replace_by_rename(path: Path, text: str) -> None:
    """Write as git and most editors do: a temporary file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text)
    os.replace(temporary, path)


def display_name(window: MainWindow, stage: str = "Build") -> str:
    return window.editor.pipeline.stage(stage).display_name


def edit_here(window: MainWindow, text: str) -> None:
    assert window.editor.apply("Rename", lambda p: p.set_display_name("Build", text))


def wait_for_bar(qtbot, window: MainWindow, words: str) -> None:
    bar = window.disk.bar
    qtbot.waitUntil(lambda: bar.isVisible() and words in bar.label.text(), timeout=TIMEOUT)


def click_bar(qtbot, window: MainWindow, button: str) -> None:
    qtbot.mouseClick(window.disk.bar.buttons[button], Qt.MouseButton.LeftButton)
    wait_opened(qtbot, window)  # Reload reads the file on a worker


def answer_diff_dialog(qtbot, choice: str) -> list[str]:
    """Click `choice` in the next diff dialog; returns its message and diff once seen."""
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


# --------------------------------------------------------------------- no edits here


def test_a_change_on_disk_is_offered_and_reload_shows_it(qtbot, window, pipeline) -> None:
    pipeline.write_text(THEIRS)
    wait_for_bar(qtbot, window, "azure-pipelines.yml was changed on disk.")
    assert display_name(window) == "Build it"  # nothing is replaced unasked
    click_bar(qtbot, window, "Reload")
    assert display_name(window) == "Build it, theirs"
    assert not window.disk.bar.isVisible()
    assert not window.isWindowModified()
    assert window.editor.undo_stack.count() == 0  # as reopened: nothing to undo into


def test_a_file_replaced_by_a_rename_is_still_watched(qtbot, window, pipeline) -> None:
    replace_by_rename(pipeline, THEIRS)
    wait_for_bar(qtbot, window, "azure-pipelines.yml was changed on disk.")
    click_bar(qtbot, window, "Ignore")
    assert not window.disk.bar.isVisible()
    replace_by_rename(pipeline, THEIRS.replace("theirs", "theirs again"))  # a second pull
    wait_for_bar(qtbot, window, "azure-pipelines.yml was changed on disk.")
    click_bar(qtbot, window, "Reload")
    assert display_name(window) == "Build it, theirs again"


def test_our_own_save_is_not_taken_for_a_change_on_disk(qtbot, window, pipeline) -> None:
    edit_here(window, "Build it, mine")
    with qtbot.waitSignal(window.disk.watch.changed, timeout=TIMEOUT):
        assert window.save()
    assert not window.disk.bar.isVisible()
    assert "'Build it, mine'" in pipeline.read_text()


def test_approvals_saved_by_another_window_are_offered_too(qtbot, window, pipeline) -> None:
    path = environments_path(pipeline.parent)
    path.parent.mkdir()
    replace_by_rename(path, APPROVALS)
    wait_for_bar(qtbot, window, "environments.yml was created on disk.")
    click_bar(qtbot, window, "Reload")
    assert window.editor.pipeline.environments["prod"].approval.approvers == ["ops@contoso.com"]


# --------------------------------------------------------------------- edits on both sides


def test_edits_on_both_sides_are_said_and_save_shows_both_and_cancel_keeps_both(
        qtbot, window, pipeline) -> None:
    edit_here(window, "Build it, mine")
    pipeline.write_text(THEIRS)
    wait_for_bar(qtbot, window, "you have unsaved changes here")
    assert "Reload" not in window.disk.bar.buttons  # a click must not drop the edits

    seen = answer_diff_dialog(qtbot, "Cancel")
    window.save_action.trigger()
    message, diff = seen
    assert "azure-pipelines.yml was changed" in message
    assert "-  displayName: 'Build it, theirs'" in diff.splitlines()
    assert "+  displayName: 'Build it, mine'" in diff.splitlines()
    assert pipeline.read_text() == THEIRS
    assert display_name(window) == "Build it, mine" and window.isWindowModified()


def test_overwrite_with_mine_writes_mine(qtbot, window, pipeline) -> None:
    edit_here(window, "Build it, mine")
    replace_by_rename(pipeline, THEIRS)
    wait_for_bar(qtbot, window, "you have unsaved changes here")
    answer_diff_dialog(qtbot, "Overwrite with Mine")
    click_bar(qtbot, window, "Show Differences…")
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=TIMEOUT)
    assert pipeline.read_text() == PIPELINE.replace("'Build it'", "'Build it, mine'")


def test_reload_theirs_drops_mine_and_shows_theirs(qtbot, window, pipeline) -> None:
    edit_here(window, "Build it, mine")
    pipeline.write_text(THEIRS)
    answer_diff_dialog(qtbot, "Reload Theirs")
    assert not window.save()
    wait_opened(qtbot, window)
    assert pipeline.read_text() == THEIRS
    assert display_name(window) == "Build it, theirs" and not window.isWindowModified()


def test_save_mine_as_keeps_theirs_and_puts_mine_beside_it(
        qtbot, window, pipeline, monkeypatch) -> None:
    copy = pipeline.with_name("mine.yml")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(copy), ""))
    edit_here(window, "Build it, mine")
    pipeline.write_text(THEIRS)
    answer_diff_dialog(qtbot, "Save Mine As…")
    assert not window.save()
    assert pipeline.read_text() == THEIRS
    assert "'Build it, mine'" in copy.read_text()
    assert window.path == copy and not window.isWindowModified()


def test_a_pipeline_deleted_on_disk_is_said_and_save_writes_it_again(
        qtbot, window, pipeline) -> None:
    pipeline.unlink()
    wait_for_bar(qtbot, window, "azure-pipelines.yml was deleted on disk.")
    assert "Reload" not in window.disk.bar.buttons
    seen = answer_diff_dialog(qtbot, "Overwrite with Mine")
    assert window.save()
    assert "deleted" in seen[0]
    assert pipeline.read_text() == PIPELINE


# --------------------------------------------------------------------- two pipelines, one folder


@pytest.fixture
def two_windows(qtbot, settings: QSettings, tmp_path: Path):
    """Windows on api.yml and web.yml, two pipelines of one folder (one environments'
    file), both open at once."""
    folder = tmp_path / "pipelines"
    folder.mkdir()
    windows = []
    for name in ("api", "web"):
        path = folder / f"{name}.yml"
        path.write_text(PIPELINE.replace("environment: prod", f"environment: {name}-prod"))
        window = MainWindow(settings)
        qtbot.addWidget(window, before_close_func=lambda w: w.editor.undo_stack.clear())
        window.show()
        assert window.load(path)
        windows.append(window)
    return windows


def approve(window: MainWindow, environment: str, *who: str) -> None:
    assert window.editor.apply("Approvers", lambda p: setattr(
        p.environment(environment), "approval", ApprovalPolicy(approvers=list(who))))


def test_policies_saved_by_the_other_pipeline_are_kept_when_ours_are_saved(
        two_windows, monkeypatch) -> None:
    api, web = two_windows
    shown: list[str] = []
    monkeypatch.setattr(DiffDialog, "exec", lambda dialog: shown.append(dialog.message.text())
                        or -1)
    approve(api, "api-prod", "ops@contoso.com")
    approve(web, "web-prod", "ann@contoso.com")
    assert web.save()
    assert api.save()
    assert shown == []  # nothing to settle: each changed its own environment
    saved = load_environments(api.path.parent)
    assert saved["api-prod"].approval.approvers == ["ops@contoso.com"]
    assert saved["web-prod"].approval.approvers == ["ann@contoso.com"]
    assert api.editor.undo_stack.undoText() == "Take Policies Saved Elsewhere"


def test_the_same_environment_changed_by_both_is_shown_before_a_save(
        qtbot, two_windows) -> None:
    api, web = two_windows
    approve(api, "shared", "ops@contoso.com")
    approve(web, "shared", "ann@contoso.com")
    assert web.save()
    seen = answer_diff_dialog(qtbot, "Cancel")
    assert not api.save()
    assert "environments.yml was created" in seen[0]
    assert "-        - ann@contoso.com" in seen[1].splitlines()
    assert "+        - ops@contoso.com" in seen[1].splitlines()
    assert load_environments(api.path.parent)["shared"].approval.approvers == [
        "ann@contoso.com"]
