"""An unexpected error in the window: the user sees what failed and where the report is,
the report holds the traceback but no secret, and the window keeps working."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QMessageBox

from release_manager.ui.app import app_settings
from release_manager.ui.crash_dialog import install_crash_handler
from release_manager.ui.main_window import MainWindow

SECRET = "pat-9f8e7d6c5b4a-do-not-leak"
SECRET_VARIABLE = "AZURE_DEVOPS_EXT_PAT"


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The window on the spacegame pipeline with the app's crash handler; settings, data
    and reports in a temporary folder, the hooks restored afterwards."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    shown = MainWindow(app_settings())
    assert shown.load(DATA / "pipelines" / "spacegame.yml")
    install_crash_handler(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.editor.undo_stack.setClean()
    shown.close()
    shown.deleteLater()


def sign_in() -> None:
    """A slot with a bug: its message carries the token it was given."""
    raise RuntimeError(f"sign-in refused for token {os.environ[SECRET_VARIABLE]}")


def crash_dialog(window: MainWindow) -> QMessageBox | None:
    box = window.findChild(QMessageBox, "crashDialog")
    return box if box is not None and box.isVisible() else None


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_reported_without_secrets_and_the_window_keeps_working(
    qtbot, window, tmp_path
):
    QTimer.singleShot(0, sign_in)
    qtbot.waitUntil(lambda: crash_dialog(window) is not None)
    box = crash_dialog(window)

    reports = list((tmp_path / "state").rglob("crash-*.txt"))
    assert len(reports) == 1
    assert "RuntimeError: sign-in refused for token ***" in box.text()
    assert f"in sign_in (test_crash_dialog.py, line {sign_in.__code__.co_firstlineno + 2})" \
        in box.informativeText()
    assert str(reports[0]) in box.informativeText()
    report = reports[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in report
    assert 'in sign_in\n    raise RuntimeError(f"sign-in refused for token' in report
    assert SECRET not in report and SECRET not in box.text() + box.informativeText()

    box.button(QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: crash_dialog(window) is None)
    window.graph.actions_by_name()["add_stage"].trigger()
    assert len(window.editor.pipeline.stages) == 5
    assert window.isWindowModified()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_worker_thread_opens_the_dialog_on_the_window(qtbot, window, tmp_path):
    worker = threading.Thread(target=sign_in, name="sign-in worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crash_dialog(window) is not None)

    report = next((tmp_path / "state").rglob("crash-*.txt")).read_text(encoding="utf-8")
    assert "Context: window, thread sign-in worker" in report
    assert SECRET not in report


@pytest.mark.qt_no_exception_capture
def test_the_same_error_again_while_the_dialog_is_open_writes_no_second_report(
    qtbot, window, tmp_path
):
    calls: list[int] = []

    def failing_timer() -> None:  # a timer (or a paint) that fails every time
        calls.append(1)
        sign_in()

    for _ in range(3):
        QTimer.singleShot(0, failing_timer)
    qtbot.waitUntil(lambda: len(calls) == 3 and crash_dialog(window) is not None)
    assert len(list((tmp_path / "state").rglob("crash-*.txt"))) == 1

    crash_dialog(window).button(QMessageBox.StandardButton.Close).click()
    QTimer.singleShot(0, failing_timer)
    qtbot.waitUntil(lambda: len(calls) == 4 and crash_dialog(window) is not None)
    assert len(list((tmp_path / "state").rglob("crash-*.txt"))) == 2
