"""A stage's log: every line goes to its file under `.release-manager/logs/` (the full
log, kept) and, when someone is watching, to a live sink (the window's log view)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType

from release_manager.engine.backend import LogWriter


class RunLog:
    """Thread-safe; lines arrive already masked by the backend."""

    def __init__(self, path: Path, sink: LogWriter | None = None) -> None:
        self.path = path
        self._sink = sink
        self._guard = threading.Lock()
        self._file = None

    def __enter__(self) -> RunLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._guard:
            if self._file is not None:
                self._file.close()
                self._file = None

    def write(self, line: str) -> None:
        with self._guard:
            if self._file is not None:
                self._file.write(line + "\n")
        if self._sink is not None:
            self._sink.write(line)
