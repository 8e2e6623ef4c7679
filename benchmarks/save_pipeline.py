"""Saving an edited pipeline in the running window, as a user does (Ctrl+S after an edit).

For generated pipelines of 50, 200, 500 and 1 000 stages (load_validate.generated), open
in one window made by the app (offscreen, 1400×900); each round renames a stage's display
name through the editor, then saves:

- `save.written N`: `MainWindow.save()` until it returns: the text built, written
  atomically, the environments' file, the undo stack marked clean; the window answers
  from here;
- `save.settled N`: until the written text has been read back on a worker and made the
  base of later edits (`PipelineEditor.is_settling()` false): the whole save;
- `save.gui_gap N`: the longest gap between two ticks of a 5 ms timer on the GUI thread
  from the save until it settled.

Baselines, in the same run: for the two times, the atomic write alone of the same bytes
(`core.atomic_file`, the least any save does); for the gap, the idle window.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from load_validate import generated  # noqa: E402
from open_pipeline import GapMeter, _idle_gap, _wait, shown_window  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from timing import median_ms  # noqa: E402

SIZES = (50, 200, 500, 1000)
ROUNDS = 5


def _save_once(window, round_: int, meter: GapMeter) -> tuple[float, float, int]:
    stage = window.editor.pipeline.stages[len(window.editor.pipeline.stages) // 2].name
    window.editor.apply("Rename", lambda p: p.set_display_name(stage, f"Saved {round_}"))
    _wait(lambda: not window.problems.is_validating())
    meter.start()
    start = time.perf_counter()
    assert window.save()
    written = time.perf_counter() - start
    _wait(lambda: not window.editor.is_settling())
    settled = time.perf_counter() - start
    return written * 1000, settled * 1000, meter.stop()


def _write_ms(path: Path) -> float:
    from release_manager.core.atomic_file import write_bytes_atomic

    data = path.read_bytes()
    return median_ms(lambda: write_bytes_atomic(path, data), ROUNDS)


def run() -> list[Figure]:
    from release_manager.ui.app import create_application

    app = create_application()
    figures = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        meter = GapMeter()
        for size in SIZES:
            path = folder / f"stages-{size}" / "azure-pipelines.yml"
            path.parent.mkdir()
            path.write_text(generated(size), encoding="utf-8")
            window = shown_window(app, settings, [str(path)])
            rounds = [_save_once(window, index, meter) for index in range(ROUNDS)]
            written = statistics.median(r[0] for r in rounds)
            settled = statistics.median(r[1] for r in rounds)
            gap = statistics.median(r[2] for r in rounds)
            write = _write_ms(path)
            figures += [
                Figure(f"save.written {size} stages", written, "ms", write,
                       "ms atomic write alone"),
                Figure(f"save.settled {size} stages", settled, "ms", write,
                       "ms atomic write alone"),
                Figure(f"save.gui_gap {size} stages", gap, "ms",
                       _idle_gap(window, settled, meter), "ms idle window"),
            ]
            window.close()
            window.deleteLater()
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for figure in run():
        print(figure)
