"""Run a function on Qt's thread pool and hear about its result on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance


class TaskSignals(QObject):
    """Signals of one task; queued to the receiver's (GUI) thread by Qt."""

    finished = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """A function run once on a pool thread. Its return value arrives through
    `signals.finished`; an exception arrives as text through `signals.failed`."""

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self.signals = TaskSignals()
        self._function = function

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # reported to the GUI, which decides what to show
            self._emit(self.signals.failed, f"{type(error).__name__}: {error}")
            return
        self._emit(self.signals.finished, result)

    @staticmethod
    def _emit(signal: SignalInstance, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the application is shutting down: nobody is listening
            pass


_running: set[Task] = set()
"""Tasks under way: their Python side (and its signals) must outlive `run`."""


def start_task(
    function: Callable[[], Any],
    on_finished: Callable[[Any], None],
    on_failed: Callable[[str], None] | None = None,
    pool: QThreadPool | None = None,
) -> Task:
    """Start `function` on `pool` (the global pool by default)."""
    task = Task(function)
    task.signals.finished.connect(on_finished)
    if on_failed is not None:
        task.signals.failed.connect(on_failed)
    _running.add(task)
    task.signals.finished.connect(lambda _result: _running.discard(task))
    task.signals.failed.connect(lambda _message: _running.discard(task))
    (pool or QThreadPool.globalInstance()).start(task)
    return task
