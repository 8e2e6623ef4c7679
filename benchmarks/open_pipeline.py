"""Opening a pipeline from the running window, as a user does (File ▸ Open): from the
open until the graph is drawn and painted and the full validation is back.

For generated pipelines of 50, 200, 500 and 1 000 stages (load_validate.generated: each
stage a deployment job, a condition and a dependency on the stage before), in one window
made by the app's `create_application`/`create_window`, shown offscreen at 1400×900:

- `open.window N`: `MainWindow.open_path(file)` until `is_drawn()` (graph items, the full
  validation back) and a paint of the graph; median of ROUNDS opens;
- `open.gui_gap N`: the longest wall-clock gap between two ticks of a 5 ms timer on the
  GUI thread during those opens: how long the window could not react to input.

Baselines, in the same run: for `open.window`, PyYAML's libyaml `CSafeLoader` loading
the same text (values only: no positions, no model, no window); for `open.gui_gap`, the
same timer's longest gap in the idle window over as long a time.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import yaml  # noqa: E402
from figure import Figure  # noqa: E402
from load_validate import generated  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from timing import median_ms  # noqa: E402

SIZES = (50, 200, 500, 1000)
ROUNDS = 5
TICK_MS = 5


class GapMeter:
    """The longest gap between ticks of a `TICK_MS` timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.longest = 0

    def start(self) -> None:
        self.longest = 0
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.longest = max(self.longest, self.clock.restart())

    def stop(self) -> int:
        self._tick()
        self.timer.stop()
        return self.longest


def _wait(condition) -> None:
    """Run the event loop until `condition()` holds (checked every millisecond)."""
    loop = QEventLoop()
    poll = QTimer(interval=1)
    poll.timeout.connect(lambda: condition() and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()


def _open_once(window, path: Path, meter: GapMeter) -> tuple[float, int]:
    meter.start()
    start = time.perf_counter()
    window.open_path(path)
    _wait(lambda: not window.is_opening() and window.is_drawn())
    window.drawn_widget().grab()
    seconds = time.perf_counter() - start
    return seconds * 1000, meter.stop()


def _idle_gap(window, milliseconds: float, meter: GapMeter) -> int:
    meter.start()
    clock = QElapsedTimer()
    clock.start()
    _wait(lambda: clock.elapsed() >= milliseconds)
    return meter.stop()


def shown_window(app, settings: QSettings, argv: list[str]):
    """The app's window for `argv`, shown at 1400×900 and painted once."""
    from release_manager.cli import build_gui_parser
    from release_manager.ui.app import create_window

    window, _ = create_window(build_gui_parser().parse_args(argv), settings)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    return window


def _bare_load_ms(text: str) -> float:
    return median_ms(lambda: yaml.load(text, Loader=yaml.CSafeLoader), ROUNDS)


def run() -> list[Figure]:
    from release_manager.ui.app import create_application

    app = create_application()
    figures = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = shown_window(app, settings, [])
        meter = GapMeter()
        for size in SIZES:
            text = generated(size)
            path = folder / f"stages-{size}" / "azure-pipelines.yml"
            path.parent.mkdir()
            path.write_text(text, encoding="utf-8")
            rounds = [_open_once(window, path, meter) for _ in range(ROUNDS)]
            opened = statistics.median(ms for ms, _ in rounds)
            gap = statistics.median(gap for _, gap in rounds)
            idle = _idle_gap(window, opened, meter)
            figures += [
                Figure(f"open.window {size} stages", opened, "ms", _bare_load_ms(text),
                       "ms CSafeLoader load"),
                Figure(f"open.gui_gap {size} stages", gap, "ms", idle, "ms idle window"),
            ]
        window.close()
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for figure in run():
        print(figure)
