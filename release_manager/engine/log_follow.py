"""Replaying a stage's log and following it while the stage runs (run on a worker thread:
it waits between reads): from its file until it finishes or the process writing it is
gone, or from its backend (a remote one) from the last line read on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from release_manager.engine.backend import Backend, CancelToken, LogWriter, StageRef
from release_manager.engine.liveness import process_alive
from release_manager.engine.store import Store

POLL_SECONDS = 0.25
BACKEND_POLL_SECONDS = (0.5, 1.5)
"""A backend's log is read again after the first wait, growing by half while nothing new
comes, up to the second (a new line brings the first back)."""


def follow_file(path: Path, sink: LogWriter, stop: CancelToken,
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
        if not running or stop.cancelled:
            if partial:
                sink.write(partial.decode("utf-8", errors="replace"))
                written += 1
            return written
        if stop.wait(poll):
            return written


def still_writing(store: Store, stage_run_id: int) -> bool:
    """Whether a stage run's log may still grow: it has not finished and the process
    running it is there (a killed one writes no more). A request waiting for approval has
    no process yet: whoever approves it will write."""
    record = store.stage_run(stage_run_id)
    if record.finished:
        return False
    return record.state == "waiting" or record.pid is None or process_alive(record.pid)


def follow_stage(backend: Backend, ref: StageRef, sink: LogWriter, stop: CancelToken,
                 poll: tuple[float, float] = BACKEND_POLL_SECONDS) -> int:
    """Write the stage's log lines to `sink`, then each new one as the backend has it,
    asking only for the lines after the last one read, until the stage has completed
    or `stop` is set. Returns the lines written."""
    written, wait = 0, poll[0]
    while True:
        finished = backend.observe(ref).finished  # before reading: the last read sees the end
        lines = backend.read_log(ref, written)
        for line in lines:
            sink.write(line)
        written += len(lines)
        if finished or stop.cancelled:
            return written
        wait = poll[0] if lines else min(wait * 1.5, poll[1])
        if stop.wait(wait):
            return written
