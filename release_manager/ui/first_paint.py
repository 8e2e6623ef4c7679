"""Work that waits until the window is on screen, so that it does not delay it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

GIVE_UP_MS = 5_000
"""A window started minimized or hidden is not painted: the work runs after this long."""


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)
        QTimer.singleShot(GIVE_UP_MS, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self, self._run)  # after the rest of this paint pass
        return False

    def _run(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            callback()


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` once, after `widget` (a window: its children paint in the same
    pass) has been painted for the first time."""
    _FirstPaint(widget, callback)


def once_on_screen(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` now when `widget`'s window is shown; in a window still being
    built (the app's start loads the pipeline before showing the window), after the
    window's first paint, so that work the first paint does not need does not delay it."""
    window = widget.window()
    if window.isVisible():
        callback()
    else:
        after_first_paint(window, callback)
