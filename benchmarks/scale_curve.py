"""How the work grows with the pipeline: load, validate, layout, draw and save at 50, 200,
500, 1 000 and 5 000 stages, each the median of a few rounds in this process.

The pipelines are tests/scale_pipeline.py's (each stage after the one before it, every
third also after one a few waves back, a condition on every seventh, a deployment job on
every fourth). For each size:

- `curve.load N`: `pipeline_yaml.load` of the file (read, guards, tree, model, writer);
- `curve.validate N`: `validation.validate` of the loaded document (every rule, schema);
- `curve.layout N`: `core.layout.compute_layout` of its stages and dependencies;
- `curve.draw N`: the stage graph (`GraphView`) built and painted once (`grab()`), off the
  window's 1 000-stage limit, as benchmarks/scale.py's `scale.drawing`;
- `curve.save N`: rename one stage others depend on, then `PipelineDocument.save`: the
  bytes, the atomic write and whatever the document does after (its new positions).

Baseline for every figure: PyYAML's libyaml `CSafeLoader` loading the same text, in the
same run. Each figure's "per stage" value (µs) is printed too: flat means linear.
`python benchmarks/scale_curve.py --svg FILE` also writes the curve as an SVG chart.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import yaml  # noqa: E402
from figure import Figure  # noqa: E402
from timing import median_ms  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from scale_pipeline import scale_pipeline  # noqa: E402

SIZES = (50, 200, 500, 1000, 5000)
ACTIONS = ("load", "validate", "layout", "draw", "save")
ROUNDS = 3


def _median_ms(action: Callable[[], object]) -> float:
    return median_ms(action, ROUNDS)


def _draw_ms(path: Path, folder: Path) -> float:
    from PySide6.QtCore import QSettings

    from release_manager.core.pipeline_yaml import load
    from release_manager.ui.editor import PipelineEditor
    from release_manager.ui.graph.positions import PositionStore
    from release_manager.ui.graph.view import GraphView

    settings = QSettings(str(folder / "drawing.ini"), QSettings.Format.IniFormat)
    editor = PipelineEditor(load(path))

    def draw() -> None:
        view = GraphView(editor, PositionStore(settings))
        view.resize(1400, 900)
        view.show()
        view.fit()
        view.grab()
        view.close()
        view.deleteLater()

    return _median_ms(draw)


def _save_ms(path: Path) -> float:
    from release_manager.core.pipeline_yaml import load

    document = load(path)
    names = iter(range(ROUNDS))

    def save() -> None:
        document.pipeline.rename_stage(document.pipeline.stages[1].name, f"Renamed{next(names)}")
        document.save()

    return _median_ms(save)


def _row(text: str, path: Path, folder: Path, load: Callable, validate: Callable,
         compute_layout: Callable) -> dict[str, float]:
    document = load(path)
    pipeline = document.pipeline
    return {
        "baseline": _median_ms(lambda: yaml.load(text, Loader=yaml.CSafeLoader)),
        "load": _median_ms(lambda: load(path)),
        "validate": _median_ms(lambda: validate(document)),
        "layout": _median_ms(lambda: compute_layout(pipeline.stage_names, pipeline.edges())),
        "draw": _draw_ms(path, folder),
        "save": _save_ms(path),
    }


def measure() -> dict[int, dict[str, float]]:
    """{stages: {action or "baseline": ms}}."""
    from PySide6.QtWidgets import QApplication

    from release_manager.core.layout import compute_layout
    from release_manager.core.pipeline_yaml import load
    from release_manager.core.validation import validate

    QApplication.instance() or QApplication(sys.argv[:1])
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for size in SIZES:
            text = scale_pipeline(size)
            path = folder / f"stages-{size}" / "azure-pipelines.yml"
            path.parent.mkdir()
            path.write_text(text, encoding="utf-8")
            results[size] = _row(text, path, folder, load, validate, compute_layout)
    return results


def run() -> list[Figure]:
    figures = []
    for size, row in measure().items():
        for action in ACTIONS:
            figures.append(Figure(
                f"curve.{action} {size} stages ({row[action] * 1000 / size:.0f} µs/stage)",
                row[action], "ms", row["baseline"], "ms CSafeLoader load"))
    return figures


def svg(results: dict[int, dict[str, float]]) -> str:
    """A log–log chart: milliseconds against stages, one line per action and the
    baseline, with a dotted line growing as n for reference."""
    import math

    width, height, left, bottom, top, right = 640, 400, 60, 40, 20, 130
    sizes = sorted(results)
    values = [row[key] for row in results.values() for key in (*ACTIONS, "baseline")]
    low, high = math.log10(min(values) / 2), math.log10(max(values) * 2)
    first, last = math.log10(sizes[0]), math.log10(sizes[-1])

    def x(size: float) -> float:
        return left + (math.log10(size) - first) / (last - first) * (width - left - right)

    def y(ms: float) -> float:
        return height - bottom - (math.log10(ms) - low) / (high - low) * (height - bottom - top)

    colours = dict(zip((*ACTIONS, "baseline"),
                       ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#7f7f7f"),
                       strict=True))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for size in sizes:
        parts.append(f'<text x="{x(size):.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{size}</text>')
    for exponent in range(math.ceil(low), math.floor(high) + 1):
        ms = 10 ** exponent
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(ms):.1f}" '
                     f'y2="{y(ms):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(ms) + 4:.1f}" text-anchor="end">'
                     f'{ms:g} ms</text>')
    base = results[sizes[0]]["load"]
    parts.append('<polyline fill="none" stroke="#aaa" stroke-dasharray="2,3" points="'
                 + " ".join(f"{x(s):.1f},{y(base * s / sizes[0]):.1f}" for s in sizes
                            if low <= math.log10(base * s / sizes[0]) <= high) + '"/>')
    for index, key in enumerate((*ACTIONS, "baseline")):
        points = " ".join(f"{x(s):.1f},{y(results[s][key]):.1f}" for s in sizes)
        dash = ' stroke-dasharray="5,3"' if key == "baseline" else ""
        parts.append(f'<polyline fill="none" stroke="{colours[key]}" stroke-width="2"'
                     f'{dash} points="{points}"/>')
        label = "CSafeLoader load" if key == "baseline" else key
        parts.append(f'<text x="{width - right + 10}" y="{top + 16 * index + 10}" '
                     f'fill="{colours[key]}">{label}</text>')
    parts.append(f'<text x="{width - right + 10}" y="{top + 16 * 7}" fill="#888">'
                 '··· grows as n</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 6}" '
                 'text-anchor="middle">stages</text></svg>')
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    measured = measure()
    for size, row in measured.items():
        for action in ACTIONS:
            print(Figure(f"curve.{action} {size} stages ({row[action] * 1000 / size:.0f} "
                         "µs/stage)", row[action], "ms", row["baseline"],
                         "ms CSafeLoader load"), flush=True)
    if "--svg" in sys.argv:
        Path(sys.argv[sys.argv.index("--svg") + 1]).write_text(svg(measured), encoding="utf-8")
