"""A dialog that talks to a service: one piece of work at a time on a worker, its
progress said in `result`, Cancel stopping it at once, closing the dialog cancelling it.
The Sign-in and Connect dialogs are two of these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QWidget

from release_manager.engine.backend import CancelToken
from release_manager.ui.workers import Worker, start_cancellable


class WorkingDialog(QDialog):
    """Subclasses make `result` (the line saying what happens) and implement `_busy`
    (which buttons wait while work runs) and `_failed` (the error, an exception object)."""

    result: QLabel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker: Worker[Any] | None = None
        self._then: Callable[[Any], None] = lambda _value: None

    def _start(self, work: Callable[[], Any], on_done: Callable[[Any], None],
               busy: str) -> None:
        """Run `work` on a worker; its value goes to `on_done` on the GUI thread."""
        self._start_cancellable(lambda _token: work(), on_done, busy)

    def _start_cancellable(self, work: Callable[[CancelToken], Any],
                           on_done: Callable[[Any], None], busy: str) -> None:
        """`_start` for work that looks at the token Cancel sets (to keep nothing after
        it, say)."""
        self.result.setText(busy)
        self._busy(True)
        self._then = on_done
        self._worker = start_cancellable(work, self._done, self._failed,
                                         on_cancelled=lambda: self._busy(False))

    def _done(self, value: Any) -> None:
        self._busy(False)
        self._then(value)

    def _worker_running(self) -> bool:
        return (self._worker is not None and self._worker.running
                and not self._worker.token.cancelled)

    def cancel_work(self) -> None:
        if self._worker is not None and self._worker.cancel():
            self.result.setText("Cancelled.")

    def done(self, result: int) -> None:
        if self._worker is not None:
            self._worker.cancel()
        super().done(result)

    def _busy(self, busy: bool) -> None:
        raise NotImplementedError

    def _failed(self, error: BaseException) -> None:
        raise NotImplementedError
