"""Start-up: from process start to the first painted window, against a bare QMainWindow.

Each round starts a fresh interpreter (`python -c`) and measures, on the system-wide
monotonic clock, from just before the parent starts it to the end of the window's first
paint (the first Paint event of the top-level window, then the rest of that paint pass:
a zero timer fires once it is done). Figures are medians of ROUNDS rounds, the app and
the baseline alternating so that both see the same load on the machine:

- `startup.demo`: `release-manager` with no argument, the demo workspace (made in a
  temporary data folder by a warm-up round), against the bare window;
- `startup.large_pipeline`: `release-manager big.yml`, the generated 300-stage pipeline
  of benchmarks/graph_view.py, against the bare window;
- `_cpu` names: the CPU time the process had used by then (all its threads, as
  `time.process_time()` reads it in the child), which moves far less than the wall clock
  when other work shares the machine's cores.

The app's first paint must show the pipeline's graph (the child checks and the figure is
refused otherwise): deferring the load until after the paint would not count.

Bytecode is cached in a temporary folder (`PYTHONPYCACHEPREFIX`, written by a warm-up
round), as an installed app has its `.pyc` files; settings and data go to temporary XDG
folders so the user's own are not touched.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figure import Figure

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 7

_PROLOGUE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if (event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow)
                and not getattr(self, "seen", False)):
            self.seen = True
            QTimer.singleShot(0, lambda: done(watched))
        return False

def done(window):
    at = time.monotonic()
    graph = getattr(window, "graph", None)
    stages = len(graph.scene().items()) if graph is not None else 0
    shown = graph is not None and window.central.currentWidget() is window.graph_page
    print("RESULT", at, stages if shown else 0, time.process_time(), flush=True)
    os._exit(0)

watcher = FirstPaint()
app.installEventFilter(watcher)
"""

_APP = _PROLOGUE + """
from release_manager.cli import main
main(sys.argv[1:])
"""

_BARE = _PROLOGUE + """
window = QMainWindow()
window.resize(1400, 900)
window.show()
app.exec()
"""


def _environment(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen",
        PYTHONPYCACHEPREFIX=str(folder / "pycache"),
        XDG_CONFIG_HOME=str(folder / "config"), XDG_DATA_HOME=str(folder / "data"),
        XDG_STATE_HOME=str(folder / "state"), XDG_CACHE_HOME=str(folder / "cache"),
    )
    return env


def _start_to_paint(code: str, args: list[str], env: dict[str, str]
                    ) -> tuple[float, int, float]:
    """Milliseconds from just before the start of a child to its first painted window,
    how many graph items that paint showed, and the CPU milliseconds the child had used
    by then (all its threads)."""
    start = time.monotonic()
    child = subprocess.run([sys.executable, "-c", code, *args], env=env,
                           capture_output=True, text=True, check=False)
    lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(f"the child did not paint: {child.stderr[-2000:]}")
    _, at, items, cpu = lines[-1].split()
    return (float(at) - start) * 1000, int(items), float(cpu) * 1000


def _case(name: str, args: list[str], env: dict[str, str]) -> list[Figure]:
    _start_to_paint(_APP, args, env)  # warm-up: bytecode, the demo workspace
    _start_to_paint(_BARE, [], env)
    app, bare = [], []
    for _ in range(ROUNDS):
        elapsed, items, cpu = _start_to_paint(_APP, args, env)
        if items == 0:
            raise RuntimeError(f"{name}: the first paint did not show the pipeline's graph")
        app.append((elapsed, cpu))
        bare.append(_start_to_paint(_BARE, [], env)[::2])
    print(json.dumps({name: {"app": [[round(t) for t in each] for each in app],
                             "bare": [[round(t) for t in each] for each in bare]}}),
          file=sys.stderr)
    return [Figure(f"startup.{name}{suffix}", statistics.median(a[i] for a in app), "ms",
                   statistics.median(b[i] for b in bare))
            for i, suffix in enumerate(("", "_cpu"))]


def run() -> list[Figure]:
    from graph_view import generated_pipeline

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        env = _environment(folder)
        big = folder / "azure-pipelines.yml"
        big.write_text(generated_pipeline(), encoding="utf-8")
        return [*_case("demo", [], env), *_case("large_pipeline", [str(big)], env)]
