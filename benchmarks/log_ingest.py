"""Streaming 1 000 000 log lines into the log view, against QPlainTextEdit.

A worker thread writes realistic lines (mixed lengths, some ANSI colours, some
``##[...]`` logging commands) one at a time into a LogSink; the GUI drains it on a
timer into the widget, shown offscreen. Measured per widget: lines per second until the
last line is in the widget, the largest gap between ticks of a 1 ms timer on the GUI
thread (how long the window could not react), the most CPU time the GUI thread spent
between two ticks, and the peak growth of resident memory (see README.md).
Baselines, same run: QPlainTextEdit fed 5 000 lines per appendPlainText call, and
(on fewer lines, as it is slow) the same with maximumBlockCount 50 000.
"""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from release_manager.engine.log_buffer import LogSink  # noqa: E402
from release_manager.ui.log_view import LogView  # noqa: E402

LINES = 1_000_000
BOUNDED_LINES = 200_000
BATCH = 5_000
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Result:
    lines_per_s: float
    max_stall_ms: float  # longest wall-clock gap between two 1 ms ticks
    max_busy_ms: float  # most CPU time the GUI thread spent between two ticks
    peak_memory_mb: float


def _templates(count: int = 2000) -> list[str]:
    """Lines shaped like a build and deployment log."""
    rng = random.Random(42)
    words = "copying file module deploy slot artifact package restore build test cache".split()
    made = []
    for i in range(count):
        body = " ".join(rng.choice(words) for _ in range(rng.choice((2, 5, 9, 16, 30))))
        kind = i % 40
        if kind == 0:
            made.append(f"##[section]Starting: {body}")
        elif kind == 1:
            made.append(f"##[group]{body}")
        elif kind == 2:
            made.append("##[endgroup]")
        elif kind == 3:
            made.append(f"##[command]/usr/bin/bash -c '{body}'")
        elif kind == 4:
            made.append(f"##[warning]{body}")
        elif kind == 5:
            made.append(f"##[error]{body}")
        elif kind in (6, 7, 8):
            made.append(f"\x1b[32m  ok\x1b[0m {body} \x1b[90m({rng.randint(1, 999)} ms)\x1b[0m")
        elif kind == 9:
            made.append(f"\x1b[1;31mFAIL\x1b[0m {body}")
        else:
            made.append(f"2026-11-27T03:12:{i % 60:02d}.1234567Z {body}")
    return made


def _produce(sink: LogSink, count: int) -> None:
    """Write ``count`` fresh line strings, one call per line, as fast as possible."""
    templates = _templates()
    size = len(templates)
    write = sink.write
    for i in range(count):
        write(templates[i % size] + " #" + str(i))


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def _warm_up(app: QApplication, show: Callable[[list[str]], None]) -> None:
    """Paint every kind of line once, so glyph caches are filled before timing."""
    show(_templates())
    for _ in range(3):
        app.processEvents()


def _stream(count: int, ingested: Callable[[], int], start: Callable[[LogSink], None]) -> Result:
    """Run producer and GUI until ``ingested() == count``; watch the GUI thread meanwhile."""
    sink = LogSink(max_pending=count)
    gc.collect()
    rss_before = _rss_bytes()
    peak = rss_before
    loop = QEventLoop()
    clock = QTimer()
    clock.setTimerType(Qt.TimerType.PreciseTimer)
    clock.setInterval(1)
    last_tick = time.perf_counter()
    last_cpu = time.thread_time()
    max_gap = max_busy = 0.0
    ticks = 0
    finished_at = 0.0

    def tick() -> None:
        nonlocal last_tick, last_cpu, max_gap, max_busy, ticks, peak, finished_at
        now, cpu = time.perf_counter(), time.thread_time()
        max_gap = max(max_gap, now - last_tick)
        max_busy = max(max_busy, cpu - last_cpu)
        last_tick, last_cpu = now, cpu
        ticks += 1
        if ticks % 8 == 0:
            peak = max(peak, _rss_bytes())
        if ingested() >= count:
            finished_at = now
            loop.quit()

    clock.timeout.connect(tick)
    producer = threading.Thread(target=_produce, args=(sink, count))
    start(sink)
    began = time.perf_counter()
    last_tick, last_cpu = began, time.thread_time()
    producer.start()
    clock.start()
    loop.exec()
    clock.stop()
    producer.join()
    peak = max(peak, _rss_bytes())
    return Result(
        count / (finished_at - began), max_gap * 1000, max_busy * 1000, (peak - rss_before) / 2**20
    )


def _log_view(app: QApplication) -> Result:
    view = LogView()
    view.resize(1000, 700)
    view.show()
    _warm_up(app, view.append_lines)
    view.clear()
    warm = view.total_lines
    result = _stream(LINES, lambda: view.total_lines - warm, view.attach_sink)
    view.attach_sink(None)
    return result


def _plain_text_edit(app: QApplication, count: int, max_blocks: int) -> Result:
    editor = QPlainTextEdit()
    editor.setReadOnly(True)
    editor.setMaximumBlockCount(max_blocks)
    editor.resize(1000, 700)
    editor.show()
    _warm_up(app, lambda lines: editor.appendPlainText("\n".join(lines)))
    editor.clear()
    backlog: deque[list[str]] = deque()
    appended = 0
    pump = QTimer()
    pump.setInterval(0)

    def feed() -> None:
        """One appendPlainText of at most BATCH lines per event-loop pass."""
        nonlocal appended
        if not backlog:
            lines = sink.drain().lines
            backlog.extend(lines[i : i + BATCH] for i in range(0, len(lines), BATCH))
        if backlog:
            batch = backlog.popleft()
            editor.appendPlainText("\n".join(batch))
            appended += len(batch)

    def start(given: LogSink) -> None:
        nonlocal sink
        sink = given
        pump.start()

    sink = LogSink()
    pump.timeout.connect(feed)
    result = _stream(count, lambda: appended, start)
    pump.stop()
    return result


SCENARIOS: dict[str, Callable[[QApplication], Result]] = {
    "log_view": _log_view,
    "plain_text_edit": lambda app: _plain_text_edit(app, LINES, 0),
    "plain_text_edit_bounded": lambda app: _plain_text_edit(app, BOUNDED_LINES, 50_000),
}


def _measure(scenario: str) -> Result:
    """Run one scenario in a fresh interpreter, so memory and GC state start equal."""
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(here.parent), env.get("PYTHONPATH")]))
    child = subprocess.run(
        [sys.executable, __file__, scenario], env=env, capture_output=True, text=True, check=False
    )
    if child.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{child.stderr}")
    return Result(**json.loads(child.stdout.strip().splitlines()[-1]))


def run() -> list[Figure]:
    ours = _measure("log_view")
    plain = _measure("plain_text_edit")
    bounded = _measure("plain_text_edit_bounded")
    figures = []
    for suffix, baseline in (("", plain), ("_vs_bounded", bounded)):
        figures += [
            Figure(
                f"log_ingest.lines_per_s{suffix}", ours.lines_per_s, "lines/s", baseline.lines_per_s
            ),
            Figure(f"log_ingest.max_stall{suffix}", ours.max_stall_ms, "ms", baseline.max_stall_ms),
            Figure(f"log_ingest.max_busy{suffix}", ours.max_busy_ms, "ms", baseline.max_busy_ms),
            Figure(
                f"log_ingest.peak_memory{suffix}",
                ours.peak_memory_mb,
                "MiB",
                baseline.peak_memory_mb,
            ),
        ]
    return figures


if __name__ == "__main__":
    print(json.dumps(asdict(SCENARIOS[sys.argv[1]](QApplication([])))))
