"""Scale: validate, graph and the window on pipelines of 1 000, 5 000 and 21 795 stages.

The pipelines are tests/scale_pipeline.py's: each stage after the one before it, every
third also after one eleven stages back, a condition on every seventh, a deployment job
on every sixth; 21 795 stages is the largest such file under the 2 MB input cap
(1.97 MB). Each size is measured once (a round at the cap takes minutes), and each verb
runs in a fresh interpreter that reports its own time and peak resident memory (Linux's
VmHWM, so Linux only):

- `scale.validate N`: `release-manager validate FILE`, from the verb's start to its end;
- `scale.graph N`: `release-manager graph FILE` the same way;
- `scale.window N`: the window made for `release-manager FILE` until its graph is drawn
  and the full validation is back, or until the refusal of a pipeline too large to draw
  is shown (`core.drawable`; "refused" in the name then);
- `scale.drawing N`: in this process, the stage graph (scene, layout, first paint) of a
  document already read, at every size, the window's limit aside: what the graph's own
  code costs, without the YAML reader.

Baselines, measured in the same run on the same file: for the three verbs, a fresh
interpreter that only reads the file with PyYAML's libyaml `CSafeLoader` (values only,
no positions); for the drawing, the same number of plain QGraphicsRectItems and lines,
laid out and painted (graph_view.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from graph_view import VIEW_SIZE, _rect_view  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from scale_pipeline import CAP_STAGES, scale_pipeline  # noqa: E402

SIZES = (1000, 5000, CAP_STAGES)

_REPORT = """
import json, sys, time
def report(start, **extra):
    # VmHWM, not ru_maxrss: Linux carries the parent's peak into a child across exec.
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print("RESULT " + json.dumps({"seconds": time.perf_counter() - start,
          "peak_mb": peak / 1024, **extra}))
"""

_VERB = _REPORT + """
from release_manager.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
report(start, code=code)
"""

_PLAIN_LOAD = _REPORT + """
from pathlib import Path
import yaml
text = Path(sys.argv[1]).read_text(encoding="utf-8")
start = time.perf_counter()
yaml.load(text, Loader=yaml.CSafeLoader)
report(start)
"""

_WINDOW = _REPORT + """
from PySide6.QtCore import QSettings
from release_manager.cli import build_gui_parser
from release_manager.ui.app import create_application, create_window
app = create_application()
settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
start = time.perf_counter()
window, loaded = create_window(build_gui_parser().parse_args([sys.argv[1]]), settings)
window.show()
while not window.isVisible() or not window.is_drawn():
    app.processEvents()
    time.sleep(0.002)  # the validation worker needs the interpreter too
window.drawn_widget().grab()
report(start, loaded=loaded)
if window.editor is not None:
    window.editor.undo_stack.setClean()
"""


def _child(code: str, args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=REPO,
                          capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"the child printed no result: {done.stderr[-2000:]}")


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(REPO), XDG_CONFIG_HOME=str(folder / "config"),
               XDG_DATA_HOME=str(folder / "data"), QT_QPA_PLATFORM="offscreen")
    return env


def _drawing_seconds(path: Path, folder: Path) -> tuple[float, float]:
    """(the graph view, plain rect items): built and painted once, in seconds."""
    from PySide6.QtCore import QSettings

    from release_manager.core.pipeline_yaml import load
    from release_manager.ui.editor import PipelineEditor
    from release_manager.ui.graph.positions import PositionStore
    from release_manager.ui.graph.view import GraphView

    document = load(path)
    settings = QSettings(str(folder / "drawing.ini"), QSettings.Format.IniFormat)
    start = time.perf_counter()
    view = GraphView(PipelineEditor(document), PositionStore(settings))
    view.resize(*VIEW_SIZE)
    view.show()
    view.fit()
    view.grab()
    ours = time.perf_counter() - start
    view.close()
    start = time.perf_counter()
    rects = _rect_view(document)
    rects.grab()
    plain = time.perf_counter() - start
    rects.close()
    return ours, plain


def run() -> list[Figure]:
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication(sys.argv[:1])
    figures = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        env = _environment(folder)
        for size in SIZES:
            path = folder / f"stages-{size}.yml"
            path.write_text(scale_pipeline(size), encoding="utf-8")
            label = f"{size} stages ({path.stat().st_size / 1e6:.2f} MB)"
            plain = _child(_PLAIN_LOAD, [str(path)], env)
            for verb in ("validate", "graph"):
                result = _child(_VERB, [verb, str(path)], env)
                figures.append(Figure(f"scale.{verb} {label}", result["seconds"], "s",
                                      plain["seconds"], "s CSafeLoader load"))
                figures.append(Figure(f"scale.{verb} peak memory {label}",
                                      result["peak_mb"], "MB", plain["peak_mb"],
                                      "MB CSafeLoader load"))
            window = _child(_WINDOW, [str(path), str(folder / "settings.ini")], env)
            shown = "drawn" if window["loaded"] else "refused"
            figures.append(Figure(f"scale.window ({shown}) {label}", window["seconds"], "s",
                                  plain["seconds"], "s CSafeLoader load"))
            figures.append(Figure(f"scale.window ({shown}) peak memory {label}",
                                  window["peak_mb"], "MB", plain["peak_mb"],
                                  "MB CSafeLoader load"))
            ours, rects = _drawing_seconds(path, folder)
            figures.append(Figure(f"scale.drawing {label}", ours, "s", rects,
                                  "s plain rect items"))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure, flush=True)
