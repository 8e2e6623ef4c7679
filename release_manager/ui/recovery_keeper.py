"""Keeps the open pipeline's unsaved edits in a recovery copy (`core.recovery`) a moment
after each edit, so that a crash or a kill loses none of them.

The text is taken on the GUI thread (it is the model's, and what a save would write); the
write, with its fsync, runs on a pool thread. One thread for every write and removal, so
they reach the disk in the order they were asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from shiboken6 import isValid

from release_manager.core.recovery import RecoveryCopy, discard_copy, read_copy, write_copy
from release_manager.error_messages import user_message
from release_manager.ui.disk_sync import our_data
from release_manager.ui.workers import start_worker

if TYPE_CHECKING:
    from release_manager.core.disk_changes import DiskBaseline
    from release_manager.ui.editor import PipelineEditor

DELAY_MS = 1000
"""Edits come in bursts (typing a condition): one copy after they stop for this long."""


class RecoveryKeeper(QObject):
    stored = Signal(object)
    """A copy was written (its path) or removed (None), on disk now."""
    failed = Signal(str)
    """A copy could not be written or removed: why, as a sentence for the user."""

    def __init__(self, baseline: Callable[[], DiskBaseline], parent: QObject | None = None,
                 delay_ms: int = DELAY_MS) -> None:
        super().__init__(parent)
        self._baseline = baseline
        self._editor: PipelineEditor | None = None
        self._held = False
        self._discarding: dict[Path, int] = {}
        """Removals asked for and not done yet, by pipeline."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.keep_now)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    def follow(self, editor: PipelineEditor | None) -> None:
        """Keep `editor`'s edits from now on."""
        self._timer.stop()
        if self._editor is not None:
            self._editor.changed.disconnect(self._timer.start)
        self._editor = editor
        self._held = False
        if editor is not None:
            editor.changed.connect(self._timer.start)

    def hold(self) -> None:
        """Keep nothing until `release()`: a copy offered for restoring is not replaced
        before the user chose what to do with it."""
        self._held = True
        self._timer.stop()

    def release(self) -> None:
        self._held = False
        self._timer.start()

    def kept_copy(self, pipeline: Path) -> RecoveryCopy | None:
        """The copy kept for `pipeline` by a session that has ended, unless its removal
        is under way."""
        pipeline = Path(pipeline).resolve()
        copy = None if self._discarding.get(pipeline) else read_copy(pipeline)
        return None if copy is None or copy.is_live_elsewhere() else copy

    def keep_now(self) -> None:
        """Write the copy now (remove it when nothing is left unsaved)."""
        self._timer.stop()
        editor = self._editor
        if editor is None or self._held or editor.document.path is None:
            return
        pipeline = Path(editor.document.path).resolve()
        if not editor.is_modified():
            self.discard(pipeline)
            return
        baseline = self._baseline()
        copy = RecoveryCopy(pipeline, datetime.now(UTC), our_data(editor),
                            {path: baseline.known(path) for path in baseline.paths()})
        start_worker(lambda: write_copy(copy), self._stored, self._failed, pool=self._pool)

    def discard(self, pipeline: Path) -> None:
        """Remove the copy of `pipeline` (after any write asked for before)."""
        self._timer.stop()
        pipeline = Path(pipeline).resolve()
        self._discarding[pipeline] = self._discarding.get(pipeline, 0) + 1

        def done() -> bool:
            """Count the removal done; False when the keeper is gone (its window closed
            meanwhile): nobody listens to it then."""
            if not isValid(self):
                return False
            self._discarding[pipeline] -= 1
            if not self._discarding[pipeline]:
                del self._discarding[pipeline]
            return True

        start_worker(lambda: discard_copy(pipeline),
                     lambda _result: done() and self._stored(None),
                     lambda error: done() and self._failed(error), pool=self._pool)

    def _stored(self, copy: object) -> None:
        self.stored.emit(copy)

    def _failed(self, error: BaseException) -> None:
        self.failed.emit(user_message(error))
