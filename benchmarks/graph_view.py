"""The stage graph with many stages: build and first paint, one edit, dragging a node.

Figures, each against a baseline measured in the same run:
- building the graph view and painting it the first time (``grab()``), for the largest
  corpus pipeline and a generated 300-stage one, against the same number of plain
  QGraphicsRectItems (and QGraphicsLineItems for the dependencies) built and painted;
- an edit of one stage's condition in the 300-stage pipeline until the graph shows it,
  against the same edit through the editor with no graph listening;
- the layered layout of a generated 500-stage pipeline, against a topological sort of the
  same graph (graphlib), the least any layered layout has to do;
- dragging a node of the 300-stage graph, fitted to the window (every card visible): the
  time of each of 100 mouse-move steps including a full paint of the viewport (grab), mean
  and max,
  against dragging a plain rect item in the rect-item scene.
"""

from __future__ import annotations

import graphlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QPainter, QPen  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

from release_manager.core.layout import layered_layout  # noqa: E402
from release_manager.core.pipeline_yaml import PipelineDocument, load, loads  # noqa: E402
from release_manager.ui.editor import PipelineEditor  # noqa: E402
from release_manager.ui.graph.positions import PositionStore  # noqa: E402
from release_manager.ui.graph.style import (  # noqa: E402
    CARD_HEIGHT,
    CARD_WIDTH,
    LAYER_SPACING,
    NODE_SPACING,  # noqa: E402
)
from release_manager.ui.graph.view import GraphView  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pipelines"
VIEW_SIZE = (1400, 900)
DRAG_STEPS = 100
GENERATED_STAGES = 300


def generated_pipeline(count: int = GENERATED_STAGES) -> str:
    """Waves of build → several deployments → a gate, like a large release pipeline."""
    lines = ["stages:"]
    for index in range(count):
        lines.append(f"- stage: Stage{index}")
        lines.append(f"  displayName: Deploy ring {index}")
        if index:
            deps = {index - 1 - index % 4}
            if index % 7 == 0 and index > 10:
                deps.add(index - 9)
            lines.append("  dependsOn: [" + ", ".join(f"Stage{d}" for d in sorted(deps)) + "]")
        if index % 5 == 0:
            lines.append("  condition: and(succeeded(), eq(variables['Build.Reason'], 'Schedule'))")
        lines += [
            "  jobs:",
            "  - deployment: Deploy",
            f"    environment: env{index % 12}",
            "    strategy:",
            "      runOnce:",
            "        deploy:",
            "          steps:",
            "          - script: echo deploy",
        ]
    return "\n".join(lines) + "\n"


def _largest_corpus_file() -> Path:
    return max(sorted(CORPUS.glob("*.yml")), key=lambda path: len(load(path).pipeline.stages))


class _Session:
    """A graph view over a document, with settings kept in a temporary folder."""

    def __init__(self, document: PipelineDocument, folder: Path) -> None:
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        self.editor = PipelineEditor(document)
        self.view = GraphView(self.editor, PositionStore(settings))
        self.view.resize(*VIEW_SIZE)
        self.view.show()
        self.view.fit()


def _rect_view(document: PipelineDocument) -> QGraphicsView:
    """The baseline: one movable rect per stage and one line per dependency."""
    pipeline = document.pipeline
    positions = layered_layout(
        pipeline.stage_names, pipeline.edges(),
        layer_spacing=LAYER_SPACING, node_spacing=NODE_SPACING,
    )
    view = QGraphicsView()
    scene = QGraphicsScene(view)
    pen = QPen(Qt.GlobalColor.darkGray, 1.6)
    for name, (x, y) in positions.items():
        rect = QGraphicsRectItem(0, 0, CARD_WIDTH, CARD_HEIGHT)
        rect.setPos(x, y)
        rect.setBrush(Qt.GlobalColor.white)
        rect.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        rect.setData(0, name)
        scene.addItem(rect)
    for up, down in pipeline.edges():
        (ux, uy), (dx, dy) = positions[up], positions[down]
        scene.addLine(ux + CARD_WIDTH, uy + CARD_HEIGHT / 2, dx, dy + CARD_HEIGHT / 2, pen)
    view.setScene(scene)
    view.setRenderHints(QPainter.RenderHint.Antialiasing)
    view.resize(*VIEW_SIZE)
    view.show()
    view.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    return view


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def _best_of(runs: int, action: Callable[[], float]) -> float:
    return min(action() for _ in range(runs))


def _build_and_paint(text: str, path: Path, folder: Path) -> float:
    def once() -> float:
        document = loads(text, path)
        elapsed, session = _timed(lambda: _Session(document, folder))
        paint, _ = _timed(session.view.grab)
        session.view.close()
        return elapsed + paint
    return _best_of(3, once)


def _rects_build_and_paint(text: str, path: Path) -> float:
    def once() -> float:
        document = loads(text, path)
        elapsed, view = _timed(lambda: _rect_view(document))
        paint, _ = _timed(view.grab)
        view.close()
        return elapsed + paint
    return _best_of(3, once)


def _drag_steps(view: QGraphicsView, start: QPointF) -> list[float]:
    """Milliseconds of each mouse-move step of a drag, each with a full paint of the view."""
    viewport = view.viewport()
    origin = view.mapFromScene(start)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, origin)
    times = []
    for step in range(1, DRAG_STEPS + 1):
        point = origin + QPoint(step % 40, step // 2)
        begin = time.perf_counter()
        QTest.mouseMove(viewport, point)
        viewport.grab()  # paints the whole viewport now, as a frame would
        times.append((time.perf_counter() - begin) * 1000)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       origin + QPoint(DRAG_STEPS % 40, DRAG_STEPS // 2))
    return times


def run() -> list[Figure]:
    QApplication.instance() or QApplication(sys.argv[:1])
    figures = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        largest = _largest_corpus_file()
        generated = folder / "azure-pipelines.yml"
        generated.write_text(generated_pipeline(), encoding="utf-8")
        for label, path in ((f"corpus {largest.name[:40]}", largest), ("300 stages", generated)):
            text = path.read_text(encoding="utf-8")
            count = len(loads(text, path).pipeline.stages)
            figures.append(Figure(
                f"graph build + first paint, {label} ({count} stages)",
                _build_and_paint(text, path, folder), "ms",
                _rects_build_and_paint(text, path), "ms (plain rect items)",
            ))

        big = loads(generated_pipeline(500), generated).pipeline
        names, edges = big.stage_names, big.edges()

        def topological() -> float:
            sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
            for up, down in edges:
                sorter.add(down, up)
            return _timed(lambda: list(sorter.static_order()))[0]

        figures.append(Figure(
            "layered layout, 500 stages",
            _best_of(5, lambda: _timed(lambda: layered_layout(names, edges))[0]), "ms",
            _best_of(5, topological), "ms (topological sort)",
        ))

        text = generated.read_text(encoding="utf-8")
        session = _Session(loads(text, generated), folder)
        alone = PipelineEditor(loads(text, generated))

        def edit(editor: PipelineEditor, number: int) -> float:
            condition = f"and(succeeded(), eq(variables['x'], '{number}'))"
            elapsed, _ = _timed(lambda: editor.apply(
                "Condition", lambda p: p.set_condition("Stage150", condition)))
            return elapsed

        with_graph = statistics.median(edit(session.editor, n) for n in range(15))
        without = statistics.median(edit(alone, n) for n in range(15))
        figures.append(Figure("edit one condition until the 300-stage graph shows it",
                              with_graph, "ms", without, "ms (same edit, no graph)"))

        view = session.view
        view.grab()
        item = session.view.graph_scene.stage_item("Stage150")
        steps = _drag_steps(view, item.sceneBoundingRect().center() + QPointF(0, 20))
        rects = _rect_view(loads(text, generated))
        rects.grab()
        target = next(i for i in rects.scene().items() if i.data(0) == "Stage150")
        base = _drag_steps(rects, target.sceneBoundingRect().center())
        figures.append(Figure("drag a node in the 300-stage graph, mean frame",
                              statistics.fmean(steps), "ms", statistics.fmean(base),
                              "ms (plain rect items)"))
        figures.append(Figure("drag a node in the 300-stage graph, max frame",
                              max(steps), "ms", max(base), "ms (plain rect items)"))
        view.close()
        rects.close()
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure)
