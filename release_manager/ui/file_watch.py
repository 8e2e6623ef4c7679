"""Hear when a few files may have changed on disk, whoever changed them.

`QFileSystemWatcher` stops watching a file that is replaced by a rename (what `git pull`
and most editors do: write a temporary file, rename it over the old one) or deleted and
made again. So the folders are watched too: a file that appears again in its folder is
watched again. What changed is for the caller to find out (`core.disk_changes`): this
only says when to look, once things have been quiet for a moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

QUIET_MS = 150
"""A save by another program is often several events (create, write, rename): one look
after them."""


class FileWatch(QObject):
    changed = Signal()
    """One of the files may have changed, appeared or gone."""

    def __init__(self, parent: QObject | None = None, quiet_ms: int = QUIET_MS) -> None:
        super().__init__(parent)
        self._files: set[str] = set()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_event)
        self._watcher.directoryChanged.connect(self._on_event)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(quiet_ms)
        self._timer.timeout.connect(self._look)

    def watch(self, paths: Iterable[Path]) -> None:
        """Watch these files (in place of the ones before) and the folders they are in;
        a file that does not exist yet is noticed when it is made."""
        files = {str(Path(path)) for path in paths}
        if files == self._files:  # the same files, maybe written anew since
            self._rewatch()
            return
        self._timer.stop()
        self._files = files
        folders = {str(Path(path).parent) for path in self._files}
        self._unwatch()
        existing = [path for path in self._files | folders if Path(path).exists()]
        if existing:
            self._watcher.addPaths(existing)

    def clear(self) -> None:
        self._timer.stop()
        self._files = set()
        self._unwatch()

    def _unwatch(self) -> None:
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)

    def _on_event(self, _path: str) -> None:
        self._rewatch()
        self._timer.start()

    def _rewatch(self) -> None:
        """Watch again the files made anew (renamed over, or deleted and written again)
        and the folders that now exist (`.release-manager/` made after the open)."""
        watched = set(self._watcher.files()) | set(self._watcher.directories())
        folders = {str(Path(path).parent) for path in self._files}
        missing = [path for path in self._files | folders
                   if path not in watched and Path(path).exists()]
        if missing:
            self._watcher.addPaths(missing)

    def _look(self) -> None:
        self._rewatch()
        self.changed.emit()
