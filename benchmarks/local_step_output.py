"""A step printing 1 000 000 lines (~100 MB) through the local backend, against reading
the same program's output whole.

Measured: lines per second from the process to the log writer, with the backend's
logging-command parsing and secret masking (one secret registered) on every line, and
the growth of resident memory while it runs. Baseline, same run: `subprocess.run` with
`capture_output=True` then `splitlines()` (no streaming, no parsing, no masking).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from figure import Figure

from release_manager.core.model import Job, Pipeline, Stage, Step
from release_manager.engine.backend import CancelToken, RunContext
from release_manager.engine.local.backend import LocalBackend

LINES = 1_000_000
PROGRAM = (
    "import sys\n"
    f"for i in range({LINES}):\n"
    "    sys.stdout.write('step output line %08d copying artifact package to slot ' % i"
    " + 'x' * 40 + '\\n')\n"
)


def _rss_mb() -> float:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return 0.0
    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class _PeakMemory:
    """Samples resident memory on a thread while the measured code runs."""

    def __enter__(self) -> _PeakMemory:
        self.start = _rss_mb()
        self.peak = self.start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.start


class _Counter:
    def __init__(self) -> None:
        self.lines = 0

    def write(self, line: str) -> None:
        self.lines += 1


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        (workspace / "noisy.py").write_text(PROGRAM)
        stage = Stage("Build", jobs=[Job("Job", steps=[Step("script", "python3 noisy.py")])])
        pipeline = Pipeline(name="bench", stages=[stage])
        context = RunContext(1, "refs/heads/main", "", "Manual", "bench",
                             variables={"token": "s3cr3t-token"}, secrets=frozenset({"token"}))
        counter = _Counter()
        with _PeakMemory() as streamed:
            began = time.perf_counter()
            LocalBackend(workspace).run_stage(pipeline, stage, context, counter, CancelToken())
            seconds = time.perf_counter() - began
        with _PeakMemory() as whole:
            began = time.perf_counter()
            done = subprocess.run([sys.executable, str(workspace / "noisy.py")],
                                  capture_output=True, check=True)
            baseline_lines = len(done.stdout.splitlines())
            baseline_seconds = time.perf_counter() - began
            del done
    return [
        Figure("local_step_output_lines_per_s", counter.lines / seconds, "lines/s",
               baseline_lines / baseline_seconds),
        Figure("local_step_output_memory_growth", streamed.growth, "MB", whole.growth),
    ]
