"""The local backend's stages as a remote service's are: each runs in a thread of this
process and is observed through its reference (state, log lines, outcome), so the engine
drives the local backend and a remote one alike (submit, then observe)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from release_manager.engine.backend import (
    COMPLETED,
    RUNNING,
    CancelToken,
    LogWriter,
    StageOutcome,
    StageRef,
    StageStatus,
)
from release_manager.engine.backend_errors import BackendError, NotFound

Work = Callable[[LogWriter, CancelToken], StageOutcome]
"""Runs a stage to its end, writing its log, stopping when the token is cancelled."""

KEPT = 64
"""How many finished stages (their log lines) a backend keeps for reading back; the
run's log file keeps every line for good."""


class StageThread:
    """One stage running in a thread; its log lines are kept for `read_log`."""

    def __init__(self, ref: StageRef, work: Work) -> None:
        self.ref = ref
        self.work = work
        self.cancel_token = CancelToken()
        self._changed = threading.Condition()
        self._lines: list[str] = []
        self._outcome: StageOutcome | None = None
        self._error: Exception | None = None
        self._done = False
        self._thread = threading.Thread(
            target=self._run, name=f"stage {ref.stage} of run {ref.run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def write(self, line: str) -> None:
        with self._changed:
            self._lines.append(line)
            self._changed.notify_all()

    def _run(self) -> None:
        outcome, error = None, None
        try:
            outcome = self.work(self, self.cancel_token)
        except Exception as fault:  # said by `outcome()`, where the engine records it
            error = fault
        with self._changed:
            self._outcome, self._error, self._done = outcome, error, True
            self._changed.notify_all()

    def _status(self) -> StageStatus:
        if not self._done:
            return StageStatus(RUNNING, lines=len(self._lines))
        if self._outcome is None:
            return StageStatus(COMPLETED, "Failed", "the backend failed: "
                               f"{type(self._error).__name__}", len(self._lines))
        return StageStatus(COMPLETED, self._outcome.result, self._outcome.message,
                           len(self._lines))

    def status(self) -> StageStatus:
        with self._changed:
            return self._status()

    def wait(self, timeout: float, after_line: int | None) -> StageStatus:
        with self._changed:
            self._changed.wait_for(
                lambda: self._done or (after_line is not None
                                       and len(self._lines) > after_line), timeout)
            return self._status()

    def lines(self, start: int) -> list[str]:
        with self._changed:
            return self._lines[max(start, 0):]

    def outcome(self) -> StageOutcome:
        with self._changed:
            if not self._done:
                raise BackendError(f"{self.ref.stage} of build {self.ref.run_id} is still "
                                   "running: it has no outcome yet")
            if self._error is not None:
                raise self._error
            assert self._outcome is not None
            return self._outcome


class StageThreads:
    """The stages a local backend started, by reference."""

    def __init__(self) -> None:
        self._guard = threading.RLock()  # Ctrl-C cancels from a signal handler
        self._stages: dict[str, StageThread] = {}
        self._numbers = itertools.count(1)

    def start(self, run_id: int, stage: str, work: Work) -> StageRef:
        with self._guard:
            ref = StageRef(f"{run_id}.{stage}.{next(self._numbers)}", run_id, stage)
            finished = [key for key, kept in self._stages.items() if kept.status().finished]
            for key in finished[:max(len(finished) - KEPT + 1, 0)]:  # the oldest first
                del self._stages[key]
            thread = self._stages[ref.id] = StageThread(ref, work)
        thread.start()
        return ref

    def get(self, ref: StageRef) -> StageThread:
        with self._guard:
            thread = self._stages.get(ref.id)
        if thread is None:
            raise NotFound(f"there is no stage run {ref.id!r} ({ref.stage} of build "
                           f"{ref.run_id}) on this machine", "stage", ref.id)
        return thread

    def retry(self, ref: StageRef) -> StageRef:
        thread = self.get(ref)
        if not thread.status().finished:
            raise BackendError(f"{ref.stage} of build {ref.run_id} is still running: "
                               "cancel it or wait for it to end before retrying")
        return self.start(ref.run_id, ref.stage, thread.work)
