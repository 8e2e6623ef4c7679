"""The window's worker runner: results and typed errors reach the GUI thread, cancel takes
effect at once, the GUI keeps working meanwhile, and a bug goes to the crash dialog."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QObject, QThread, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import Forbidden
from release_manager.error_messages import UNEXPECTED, user_message
from release_manager.ui.crash_dialog import install_crash_handler
from release_manager.ui.workers import start_cancellable, start_worker

TIMEOUT = 10_000


class Heard(QObject):
    """What the GUI thread heard from a worker, with the thread it heard it on."""

    done = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    ended = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[QThread] = []
        self.calls: list[tuple[str, object]] = []

    def on(self, name: str):
        def callback(*args: object) -> None:
            self.threads.append(QThread.currentThread())
            self.calls.append((name, args[0] if args else None))
            getattr(self, name).emit(*args)
        return callback


@pytest.fixture
def pool():
    own = QThreadPool()
    yield own
    own.waitForDone(TIMEOUT)


def start(function, heard: Heard, pool: QThreadPool, token: bool = False):
    starter = start_cancellable if token else start_worker
    return starter(function, heard.on("done"), heard.on("failed"),
                   on_cancelled=heard.on("cancelled"), on_ended=heard.on("ended"), pool=pool)


def test_the_return_value_arrives_on_the_gui_thread(qtbot, pool) -> None:
    heard = Heard()
    ran_on: list[QThread] = []

    def work() -> list[int]:
        ran_on.append(QThread.currentThread())
        return [1, 2, 3]

    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        worker = start(work, heard, pool)

    assert heard.calls == [("done", [1, 2, 3]), ("ended", None)]
    assert ran_on[0] is not QThread.currentThread()
    assert all(thread is QThread.currentThread() for thread in heard.threads)
    assert not worker.running


def test_a_typed_error_arrives_as_the_exception_object_with_its_attributes(
        qtbot, pool) -> None:
    heard = Heard()
    refusal = Forbidden("You may not queue builds of Fabrikam.", "Build (Queue builds)")

    def work() -> None:
        raise refusal

    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        start(work, heard, pool)

    assert [name for name, _ in heard.calls] == ["failed", "ended"]
    error = heard.calls[0][1]
    assert error is refusal
    assert isinstance(error, Forbidden) and error.permission == "Build (Queue builds)"
    assert error.__traceback__ is not None  # where it was raised, for a report
    assert all(thread is QThread.currentThread() for thread in heard.threads)
    assert user_message(error) == ("You may not queue builds of Fabrikam "
                                   "(missing permission: Build (Queue builds)).")


def test_cancel_from_the_gui_thread_sets_the_token_at_once_and_drops_the_result(
        qtbot, pool) -> None:
    heard = Heard()
    started, release = threading.Event(), threading.Event()
    seen: list[CancelToken] = []

    def work(token: CancelToken) -> str:
        seen.append(token)
        started.set()
        release.wait(TIMEOUT / 1000)  # blocked until the test lets it go
        return "finished anyway"

    worker = start(work, heard, pool, token=True)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)

    assert worker.cancel()
    assert seen[0] is worker.token and worker.token.cancelled  # while work is still blocked
    assert worker.running
    assert heard.calls == [("cancelled", None)]
    assert not worker.cancel()  # once is enough

    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        release.set()
    assert heard.calls == [("cancelled", None), ("ended", None)]  # no "done"
    assert not worker.running


def test_cooperative_work_stops_when_cancelled(qtbot, pool) -> None:
    heard = Heard()
    started = threading.Event()

    def work(token: CancelToken) -> None:
        started.set()
        token.wait(TIMEOUT / 1000)

    worker = start(work, heard, pool, token=True)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        worker.cancel()
    assert [name for name, _ in heard.calls] == ["cancelled", "ended"]


def test_the_gui_keeps_processing_events_while_a_worker_runs(qtbot, pool) -> None:
    heard = Heard()
    started, release = threading.Event(), threading.Event()
    label = QLabel("waiting")
    qtbot.addWidget(label)

    def work() -> str:
        started.set()
        release.wait(TIMEOUT / 1000)
        return "done"

    worker = start(work, heard, pool)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    QTimer.singleShot(0, lambda: label.setText("the GUI answered"))
    qtbot.waitUntil(lambda: label.text() == "the GUI answered", timeout=TIMEOUT)
    assert worker.running and heard.calls == []

    with qtbot.waitSignal(heard.done, timeout=TIMEOUT) as done:
        release.set()
    assert done.args == ["done"]


def test_a_result_for_a_deleted_widget_is_not_delivered(qtbot, pool) -> None:
    heard = Heard()
    started, release = threading.Event(), threading.Event()

    class Panel(QWidget):
        def show_result(self, result: object) -> None:
            raise AssertionError("a deleted panel was called")

    panel = Panel()

    def work() -> str:
        started.set()
        release.wait(TIMEOUT / 1000)
        return "late"

    start_worker(work, panel.show_result, on_ended=heard.on("ended"), pool=pool)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    panel.deleteLater()
    qtbot.waitUntil(lambda: not _valid(panel), timeout=TIMEOUT)
    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        release.set()


def _valid(widget: QWidget) -> bool:
    from shiboken6 import isValid

    return isValid(widget)


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_worker_goes_to_the_crash_dialog_not_into_the_window(
        qtbot, pool, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    window = QWidget()
    qtbot.addWidget(window)
    install_crash_handler(window)
    heard = Heard()

    def work() -> None:
        return None + 1  # a bug

    with qtbot.waitSignal(heard.ended, timeout=TIMEOUT):
        start(work, heard, pool)

    error = heard.calls[0][1]
    assert isinstance(error, TypeError)
    assert user_message(error) == UNEXPECTED and "TypeError" not in user_message(error)
    qtbot.waitUntil(lambda: _crash_dialog(window) is not None, timeout=TIMEOUT)
    box = _crash_dialog(window)
    assert "TypeError: unsupported operand" in box.text()
    reports = list((tmp_path / "state").rglob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in box.informativeText()
    assert "in work\n    return None + 1" in reports[0].read_text(encoding="utf-8")


def _crash_dialog(window: QWidget) -> QMessageBox | None:
    box = window.findChild(QMessageBox, "crashDialog")
    return box if box is not None and box.isVisible() else None


def test_setting_the_token_alone_stops_the_work_and_still_hears_how_it_ended(
        qtbot, pool) -> None:
    heard = Heard()
    started = threading.Event()

    def work(token: CancelToken) -> str:
        started.set()
        return "canceled and recorded" if token.wait(TIMEOUT / 1000) else "ran to the end"

    worker = start(work, heard, pool, token=True)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    with qtbot.waitSignal(heard.done, timeout=TIMEOUT) as done:
        worker.token.cancel()
    assert done.args == ["canceled and recorded"]
    assert [name for name, _ in heard.calls] == ["done", "ended"]
