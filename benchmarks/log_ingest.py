"""Streaming 1 000 000 log lines into the log view, against QPlainTextEdit.

A worker thread writes realistic lines (mixed lengths, some ANSI colours, some
``##[...]`` logging commands) into a LogSink, either as fast as it can one at a time
(``busy``, the worst case) or as the local backend does (``piped``: a process prints
them into a pipe, the backend's line reader hands each to a RunLog that forwards it to
the sink); the GUI drains the sink on its timers into the widget, shown offscreen.
Measured per widget: lines per second until the last line is in the widget, the
largest gap between ticks of a 1 ms timer on the GUI thread (how long the window could
not react), the most CPU time the GUI thread spent between two ticks, and the peak
growth of resident memory (see README.md). Baselines, same run: QPlainTextEdit fed
5 000 lines per appendPlainText call, and (on fewer lines, as it is slow) the same with
maximumBlockCount 50 000.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from release_manager.engine.local.process import _read_lines  # noqa: E402
from release_manager.engine.log_buffer import LogSink  # noqa: E402
from release_manager.engine.run_log import RunLog  # noqa: E402
from release_manager.ui.app import create_application, freeze_startup_objects  # noqa: E402
from release_manager.ui.log_view import DRAIN_INTERVAL_MS, LogView  # noqa: E402

LINES = 1_000_000
BOUNDED_LINES = 200_000
BATCH = 5_000
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
Writer = Callable[[LogSink, int, Path], None]  # (sink, line count, scratch folder)


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


def _numbered(count: int) -> Iterator[str]:
    templates = _templates()
    size = len(templates)
    for i in range(count):
        yield templates[i % size] + " #" + str(i)


def _write_busy(sink: LogSink, count: int, folder: Path) -> None:
    """Worst case: fresh line strings, one ``write`` per line, never waiting."""
    write = sink.write
    for line in _numbered(count):
        write(line)


def _write_piped(sink: LogSink, count: int, folder: Path) -> None:
    """As the local backend: a process prints the lines into a pipe, a reader thread
    hands each line to the stage's RunLog (its file, then the sink)."""
    source = folder / "lines.txt"
    with RunLog(folder / "run.log", sink) as log:
        child = subprocess.Popen(["cat", str(source)], stdout=subprocess.PIPE)
        assert child.stdout is not None
        with child.stdout:
            _read_lines(child.stdout, log.write, [0])
        child.wait()


def _prepare(writer: Writer, count: int, folder: Path) -> None:
    if writer is _write_piped:
        (folder / "lines.txt").write_text("".join(line + "\n" for line in _numbered(count)))


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def _warm_up(app: QApplication, show: Callable[[list[str]], None]) -> None:
    """Paint every kind of line once, so glyph caches are filled before timing."""
    show(_templates())
    for _ in range(3):
        app.processEvents()


def _stream(
    count: int, ingested: Callable[[], int], start: Callable[[LogSink], None], writer: Writer
) -> Result:
    """Run writer and GUI until ``ingested() == count``; watch the GUI thread meanwhile."""
    sink = LogSink(max_pending=count)
    folder = Path(tempfile.mkdtemp(prefix="log_ingest_"))
    _prepare(writer, count, folder)
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
    producer = threading.Thread(target=writer, args=(sink, count, folder))
    start(sink)
    began = time.perf_counter()
    last_tick, last_cpu = began, time.thread_time()
    producer.start()
    clock.start()
    loop.exec()
    clock.stop()
    producer.join()
    peak = max(peak, _rss_bytes())
    shutil.rmtree(folder)
    return Result(
        count / (finished_at - began), max_gap * 1000, max_busy * 1000, (peak - rss_before) / 2**20
    )


def _log_view(app: QApplication, writer: Writer) -> Result:
    view = LogView()
    view.resize(1000, 700)
    view.show()
    _warm_up(app, view.append_lines)
    view.clear()
    freeze_startup_objects()
    warm = view.total_lines
    result = _stream(LINES, lambda: view.total_lines - warm, view.attach_sink, writer)
    view.attach_sink(None)
    return result


def _writer_alone(app: QApplication, writer: Writer) -> Result:
    """The writer with no widget: the main thread only empties the sink every 30 ms and
    drops the lines. Its rate is the full rate a widget can at best keep up with."""
    freeze_startup_objects()
    sink = LogSink(max_pending=LINES)
    folder = Path(tempfile.mkdtemp(prefix="log_ingest_"))
    _prepare(writer, LINES, folder)
    gc.collect()
    rss_before = _rss_bytes()
    producer = threading.Thread(target=writer, args=(sink, LINES, folder))
    began = time.perf_counter()
    producer.start()
    while producer.is_alive():
        producer.join(DRAIN_INTERVAL_MS / 1000)
        sink.drain()
    elapsed = time.perf_counter() - began
    peak = _rss_bytes()
    shutil.rmtree(folder)
    return Result(LINES / elapsed, 0.0, 0.0, (peak - rss_before) / 2**20)


def _plain_text_edit(app: QApplication, writer: Writer, count: int, max_blocks: int) -> Result:
    editor = QPlainTextEdit()
    editor.setReadOnly(True)
    editor.setMaximumBlockCount(max_blocks)
    editor.resize(1000, 700)
    editor.show()
    _warm_up(app, lambda lines: editor.appendPlainText("\n".join(lines)))
    editor.clear()
    freeze_startup_objects()
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
    result = _stream(count, lambda: appended, start, writer)
    pump.stop()
    return result


WRITERS: dict[str, Writer] = {"busy": _write_busy, "piped": _write_piped}
SCENARIOS: dict[str, Callable[[QApplication, Writer], Result]] = {
    "log_view": _log_view,
    "writer_alone": _writer_alone,
    "plain_text_edit": lambda app, writer: _plain_text_edit(app, writer, LINES, 0),
    "plain_text_edit_bounded": lambda app, writer: _plain_text_edit(
        app, writer, BOUNDED_LINES, 50_000
    ),
}


def _measure(scenario: str, writer: str) -> Result:
    """Run one scenario in a fresh interpreter, so memory and GC state start equal."""
    here = Path(__file__).resolve().parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(here.parent), env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, scenario, writer]
    child = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{child.stderr}")
    return Result(**json.loads(child.stdout.strip().splitlines()[-1]))


def run() -> list[Figure]:
    ours = _measure("log_view", "busy")
    plain = _measure("plain_text_edit", "busy")
    bounded = _measure("plain_text_edit_bounded", "busy")
    ours_piped = _measure("log_view", "piped")
    plain_piped = _measure("plain_text_edit", "piped")
    alone = _measure("writer_alone", "busy")
    figures = [
        Figure(
            "log_ingest.lines_per_s_vs_writer_alone",
            ours.lines_per_s,
            "lines/s",
            alone.lines_per_s,
        )
    ]
    for suffix, mine, baseline in (
        ("", ours, plain),
        ("_vs_bounded", ours, bounded),
        ("_piped", ours_piped, plain_piped),
    ):
        figures += [
            Figure(
                f"log_ingest.lines_per_s{suffix}", mine.lines_per_s, "lines/s", baseline.lines_per_s
            ),
            Figure(f"log_ingest.max_stall{suffix}", mine.max_stall_ms, "ms", baseline.max_stall_ms),
            Figure(f"log_ingest.max_busy{suffix}", mine.max_busy_ms, "ms", baseline.max_busy_ms),
            Figure(
                f"log_ingest.peak_memory{suffix}",
                mine.peak_memory_mb,
                "MiB",
                baseline.peak_memory_mb,
            ),
        ]
    return figures


if __name__ == "__main__":
    application = create_application()
    print(json.dumps(asdict(SCENARIOS[sys.argv[1]](application, WRITERS[sys.argv[2]]))))
