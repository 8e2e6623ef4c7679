"""Replaying a stage's log file and following it while the stage runs (run on a worker
thread: it waits between reads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from release_manager.engine.backend import LogWriter

POLL_SECONDS = 0.25


def follow_file(path: Path, sink: LogWriter, stop: threading.Event,
                still_running: Callable[[], bool], poll: float = POLL_SECONDS) -> int:
    """Write every line of `path` to `sink`, then the lines added to it, until the writer
    is done (`still_running()` is False) or `stop` is set. Returns the lines written."""
    position, partial, written = 0, b"", 0
    while True:
        running = still_running()  # asked before reading, so the last read sees the end
        try:
            with open(path, "rb") as file:
                file.seek(position)
                data = file.read()
                position = file.tell()
        except FileNotFoundError:
            data = b""
        *lines, partial = (partial + data).split(b"\n")
        for line in lines:
            sink.write(line.decode("utf-8", errors="replace").rstrip("\r"))
        written += len(lines)
        if not running or stop.is_set():
            if partial:
                sink.write(partial.decode("utf-8", errors="replace"))
                written += 1
            return written
        if stop.wait(poll):
            return written
