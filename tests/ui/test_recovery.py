"""Unsaved edits survive a crash: a recovery copy in the user's data folder a moment after
each edit, offered when the file is opened again, restored as unsaved changes."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from test_file_on_disk import PIPELINE, THEIRS
from window_helpers import wait_opened

from release_manager.cli import build_gui_parser
from release_manager.core.recovery import copy_path, read_copy
from release_manager.ui.app import create_window
from release_manager.ui.diff_dialog import DiffDialog
from release_manager.ui.main_window import MainWindow

TIMEOUT = 10_000
CHILD = Path(__file__).with_name("crash_child.py")


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "azure-pipelines.yml"
    path.parent.mkdir()
    path.write_text(PIPELINE)
    return path


@pytest.fixture
def open_window(qtbot, settings: QSettings):
    """`open_window(path)`: a shown window on `path`. Windows left with edits are torn
    down as a crash would leave them: their recovery copies stay."""

    def make(path: Path) -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window, before_close_func=forget_edits)
        window.show()
        qtbot.waitExposed(window)
        assert window.load(path)
        return window

    return make


def forget_edits(window: MainWindow) -> None:
    """Let the window close without asking, leaving its recovery copy where it is."""
    if window.editor is not None:
        window.recovery.keeper.follow(None)
        window.editor.undo_stack.clear()
        window.editor.undo_stack.setClean()


def display_name(window: MainWindow) -> str:
    return window.editor.pipeline.stage("Build").display_name


def edit_and_wait_for_the_copy(qtbot, window: MainWindow, text: str) -> None:
    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        assert window.editor.apply("Rename", lambda p: p.set_display_name("Build", text))


def click_bar(qtbot, window: MainWindow, button: str) -> None:
    qtbot.mouseClick(window.recovery.bar.buttons[button], Qt.MouseButton.LeftButton)
    wait_opened(qtbot, window)  # Open It reads the file on a worker


def test_an_edit_is_kept_in_the_data_folder_and_a_save_removes_it(
        qtbot, open_window, pipeline, data_home) -> None:
    window = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, window, "Build it, unsaved")
    copy = read_copy(pipeline)
    assert copy is not None
    assert copy_path(pipeline).is_relative_to(data_home / "release-manager" / "recovery")
    assert b"'Build it, unsaved'" in copy.files[pipeline]
    assert copy.base[pipeline] == PIPELINE.encode()
    assert sorted(p.name for p in pipeline.parent.iterdir()) == ["azure-pipelines.yml"]

    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        assert window.save()
    assert not copy_path(pipeline).exists()


def test_undoing_every_edit_removes_the_copy(qtbot, open_window, pipeline) -> None:
    window = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, window, "Build it, unsaved")
    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert not copy_path(pipeline).exists()


def test_closing_and_choosing_not_to_save_removes_the_copy(
        qtbot, open_window, pipeline) -> None:
    window = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, window, "Build it, unsaved")

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        box.button(QMessageBox.StandardButton.Discard).click()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        assert window.close()
    assert not copy_path(pipeline).exists()
    assert pipeline.read_text() == PIPELINE


def test_a_window_left_with_edits_is_offered_in_the_next_and_restore_makes_them_unsaved(
        qtbot, open_window, pipeline) -> None:
    crashed = open_window(pipeline)  # never closed cleanly: as if the app had died
    edit_and_wait_for_the_copy(qtbot, crashed, "Build it, unsaved")

    window = open_window(pipeline)
    bar = window.recovery.bar
    assert bar.isVisible()
    assert bar.label.text().startswith("Unsaved changes to azure-pipelines.yml from ")
    assert bar.label.text().endswith(" were recovered.")
    assert display_name(window) == "Build it"  # nothing is replaced before the user chose
    click_bar(qtbot, window, "Restore")
    assert not bar.isVisible()
    assert display_name(window) == "Build it, unsaved"
    assert window.isWindowModified()
    assert pipeline.read_text() == PIPELINE  # restored as unsaved changes: not written

    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        assert window.save()
    assert pipeline.read_text() == PIPELINE.replace("'Build it'", "'Build it, unsaved'")
    assert not copy_path(pipeline).exists()
    assert not window.isWindowModified()


def test_discard_removes_the_copy_and_keeps_the_file(qtbot, open_window, pipeline) -> None:
    crashed = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, crashed, "Build it, unsaved")
    window = open_window(pipeline)
    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        click_bar(qtbot, window, "Discard")
    assert not copy_path(pipeline).exists()
    assert display_name(window) == "Build it" and not window.isWindowModified()
    assert not open_window(pipeline).recovery.bar.isVisible()


def test_show_differences_then_restore(qtbot, open_window, pipeline) -> None:
    crashed = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, crashed, "Build it, unsaved")
    window = open_window(pipeline)
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DiffDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog.view.toPlainText())
        qtbot.mouseClick(dialog.buttons["Restore"], Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    click_bar(qtbot, window, "Show Differences…")
    assert "-  displayName: 'Build it'" in seen[0].splitlines()
    assert "+  displayName: 'Build it, unsaved'" in seen[0].splitlines()
    assert display_name(window) == "Build it, unsaved" and window.isWindowModified()


def test_a_change_on_disk_since_the_crash_is_not_overwritten_unseen(
        qtbot, open_window, pipeline) -> None:
    crashed = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, crashed, "Build it, unsaved")
    pipeline.write_text(THEIRS)  # a git pull after the crash
    window = open_window(pipeline)
    click_bar(qtbot, window, "Restore")
    assert window.disk.bar.isVisible()  # the disk is not what the edits were made on
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DiffDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog.view.toPlainText())
        qtbot.mouseClick(dialog.buttons["Cancel"], Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    assert not window.save()
    assert "-  displayName: 'Build it, theirs'" in seen[0].splitlines()
    assert pipeline.read_text() == THEIRS


def test_edits_of_a_killed_process_are_restored(qtbot, open_window, pipeline, tmp_path,
                                                 data_home) -> None:
    environment = dict(os.environ, XDG_DATA_HOME=str(data_home), QT_QPA_PLATFORM="offscreen",
                       PYTHONPATH=str(REPO))
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(pipeline), str(tmp_path / "child-settings")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment,
        cwd=REPO)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in child.stdout],
                     daemon=True).start()
    try:
        assert lines.get(timeout=60).startswith("ready ")
        alongside = open_window(pipeline)  # the other instance's edits are its own
        assert not alongside.recovery.bar.isVisible()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    window = open_window(pipeline)
    assert window.recovery.bar.isVisible()
    click_bar(qtbot, window, "Restore")
    assert display_name(window) == "Killed" and window.isWindowModified()
    with qtbot.waitSignal(window.recovery.keeper.stored, timeout=TIMEOUT):
        assert window.save()
    assert "displayName: 'Killed'" in pipeline.read_text()
    assert not copy_path(pipeline).exists()


def test_at_start_a_copy_of_another_file_is_offered(qtbot, open_window, pipeline, settings,
                                                    tmp_path) -> None:
    crashed = open_window(pipeline)
    edit_and_wait_for_the_copy(qtbot, crashed, "Build it, unsaved")
    other = tmp_path / "other.yml"
    other.write_text(PIPELINE)

    window, loaded = create_window(build_gui_parser().parse_args([str(other)]), settings)
    qtbot.addWidget(window, before_close_func=forget_edits)
    window.show()
    assert loaded and window.path == other
    bar = window.recovery.bar
    assert bar.label.text().startswith(f"Unsaved changes to {pipeline} from ")
    click_bar(qtbot, window, "Open It")
    assert window.path == pipeline
    assert bar.label.text().startswith("Unsaved changes to azure-pipelines.yml from ")
    click_bar(qtbot, window, "Restore")
    assert display_name(window) == "Build it, unsaved" and window.isWindowModified()
