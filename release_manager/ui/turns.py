"""Work for the GUI thread done one piece per event-loop turn, so that the window
answers the user (input, paints) between two pieces."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Turns(QObject):
    """A queue of pieces of work, each run in its own event-loop turn, in order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pieces: list[Callable[[], None]] = []
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._next)

    def start(self, pieces: list[Callable[[], None]]) -> None:
        """Run `pieces` from the next turn on (after those still waiting)."""
        self._pieces += pieces
        self._timer.start()

    def pending(self) -> bool:
        return bool(self._pieces)

    def finish(self) -> None:
        """Run the pieces still waiting, now."""
        self._timer.stop()
        while self._pieces:
            self._pieces.pop(0)()

    def _next(self) -> None:
        if self._pieces:
            self._pieces.pop(0)()
        if self._pieces:
            self._timer.start()
