"""`--screenshot`: save a picture of the window once it is really drawn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QWidget

POLL_MS = 20
GIVE_UP_MS = 10_000
"""A window that never reports being drawn is pictured anyway after this long."""


class _PaintWatcher(QObject):
    """Notes the first paint event of the widget it watches."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def wait_until(ready: Callable[[], bool], give_up_ms: int = GIVE_UP_MS) -> bool:
    """Run the event loop until `ready()` holds (checked every few ms) or time is up.
    The deadline is checked after every round of events rather than left to a timer:
    a GUI thread kept busy by work that posts more work may never get to a timer."""
    deadline = QDeadlineTimer(give_up_ms)
    poll = QTimer(interval=POLL_MS)  # wakes the loop up to look again
    poll.start()
    try:
        while not ready() and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        poll.stop()
    return ready()


def save_screenshot(window: QWidget, painted: QWidget, out: Path,
                    drawn: Callable[[], bool]) -> bool:
    """Picture `window` into `out` once `painted` has been painted and `drawn()` holds
    (the graph has its items, the validation is back). False if the PNG was not written."""
    watcher = _PaintWatcher(painted)
    painted.update()
    wait_until(lambda: watcher.painted and drawn())
    settle(window)
    return window.grab().save(str(out), "PNG")


def settle(window: QWidget, rounds: int = 3) -> None:
    """Let the window lay out what the last events moved: the docks' tab bars are placed
    a layout pass after the docks (a grab before it showed a tab bar half hidden under
    another dock). Each round waits a frame's time for what the one before posted."""
    for _ in range(rounds):
        loop = QEventLoop()
        QTimer.singleShot(POLL_MS, loop.quit)
        loop.exec()
        window.repaint()
