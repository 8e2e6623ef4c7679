"""Reading a workspace's status again only when something it shows moved, so a dashboard
left open does not ask every environment every tick (run on a worker thread)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from release_manager.engine.promotion import Promoter
from release_manager.engine.release_session import StatusRead, read_status
from release_manager.engine.workspace import Workspace

MAX_AGE_SECONDS = 30.0
"""What the clock alone changes (an approval timing out, business hours closing) is read
at most this long after it happened."""


class StatusRefresher:
    """Keeps what moves the status (the store's writes, by any process; the pipeline
    file; the backend's own marker, `Backend.changes`) as of the last read, and reads the
    status again only when one of them moved or `max_age` seconds have passed."""

    def __init__(self, workspace: Workspace, promoter: Promoter,
                 max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.workspace, self.promoter = workspace, promoter
        self.max_age, self._clock = max_age, clock
        self._marker: Hashable | None = None
        self._read_at = 0.0
        self.reads = 0
        """How many times the status was read (not merely checked)."""

    def _marker_now(self) -> Hashable:
        try:
            pipeline = self.workspace.pipeline_path.stat()
            file = (pipeline.st_mtime_ns, pipeline.st_size)
        except OSError:
            file = (0, 0)
        return (self.workspace.store.change_marker(), file, self.workspace.backend.changes())

    def read(self, force: bool = False) -> StatusRead | None:
        """The status, read again; None when nothing moved since the last read."""
        marker = self._marker_now()  # before reading: what moves meanwhile is seen next time
        now = self._clock()
        if not force and marker == self._marker and now - self._read_at < self.max_age:
            return None
        read = read_status(self.workspace, self.promoter)
        self._marker, self._read_at = marker, now
        self.reads += 1
        return read
