"""Ctrl-C (SIGINT) and SIGTERM while a command changes releases: the work in progress is
cancelled through its CancelToken, so it ends as a cancellation does (the step's process
group stopped, the environment left on, or put back to, its release, the record closed as
canceled); the command then says so in one line and exits 128 + the signal's number."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType

from release_manager.engine.backend import CancelToken

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """While the block runs, SIGINT and SIGTERM cancel `token` instead of ending the
    process (a repeated signal changes nothing: the cancellation is under way)."""

    def __init__(self) -> None:
        self.token = CancelToken()
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():  # Python's rule
            for number in STOP_SIGNALS:
                self._previous[number] = signal.signal(number, self._stop)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _stop(self, number: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
        self.token.cancel()

    def exit_code(self, code: int, outcome: str) -> int:
        """`code` when no signal came; else one line on stderr saying what became of the
        work (`outcome`) and 128 + the signal's number (130 for Ctrl-C)."""
        if self.received is None:
            return code
        name = signal.Signals(self.received).name
        print(f"release-manager: stopped by {name}: {outcome}", file=sys.stderr, flush=True)
        return 128 + self.received
