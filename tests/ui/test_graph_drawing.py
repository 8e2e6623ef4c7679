"""A graph given its cards and layout ready (an open's, worked out on its worker) is drawn
a slice at a time, and ends as the same graph drawn at once; edits made meanwhile are
drawn too."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from scale_pipeline import scale_pipeline

from release_manager.core.opening import open_pipeline
from release_manager.core.pipeline_yaml import load
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.scene import GraphScene
from release_manager.ui.graph.style import SPACING
from release_manager.ui.graph.view import GraphView

STAGES = 400
TIMEOUT = 30_000


def _store(folder: Path) -> PositionStore:
    return PositionStore(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))


def _drawing(qtbot, tmp_path: Path) -> GraphView:
    """A view of a generated pipeline opened as the window opens one, drawing."""
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(scale_pipeline(STAGES), encoding="utf-8")
    opened = open_pipeline(path, SPACING)
    editor = PipelineEditor(opened.document, diagnostics=opened.diagnostics)
    view = GraphView(editor, _store(tmp_path), prepared=opened.graph)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    return view


def _drawn_at_once(editor: PipelineEditor, folder: Path) -> GraphScene:
    folder.mkdir()
    return GraphScene(editor, _store(folder))


def _picture(scene: GraphScene) -> tuple:
    """What the graph shows: each card with its place, each arrow with its bends."""
    cards = sorted((item.card.name, item.card, item.pos().toTuple())
                   for item in scene.stage_items())
    arrows = sorted((edge.names, [point.toTuple() for point in edge.bends],
                     edge.path().boundingRect().getRect()) for edge in scene.edge_items())
    return cards, arrows


def test_the_graph_is_drawn_on_later_turns_and_ends_as_if_drawn_at_once(qtbot, tmp_path):
    view = _drawing(qtbot, tmp_path)
    scene = view.graph_scene

    assert scene.is_drawing() and scene.stage_count() == 0  # the window answers first
    qtbot.waitUntil(lambda: scene.stage_count() > 0, timeout=TIMEOUT)
    assert scene.is_drawing()
    while_drawn = scene.sceneRect()  # the whole graph's room, from the first slice on
    with qtbot.waitSignal(scene.drawn, timeout=TIMEOUT):
        pass

    assert not scene.is_drawing()
    reference = _drawn_at_once(PipelineEditor(load(tmp_path / "azure-pipelines.yml")),
                               tmp_path / "reference")
    assert _picture(scene) == _picture(reference)
    assert scene.sceneRect() == while_drawn == reference.sceneRect()


def test_edits_made_while_the_graph_is_drawn_are_drawn_too(qtbot, tmp_path):
    view = _drawing(qtbot, tmp_path)
    scene, editor = view.graph_scene, view.editor
    qtbot.waitUntil(lambda: scene.stage_count() > 0, timeout=TIMEOUT)
    assert scene.is_drawing()

    assert editor.apply("Rename", lambda p: p.rename_stage("S0", "Start"))
    assert editor.apply("Add", lambda p: p.add_stage("Late", depends_on=["S398"]))
    assert editor.apply("Delete", lambda p: p.remove_stage("S5", reconnect=True))
    with qtbot.waitSignal(scene.drawn, timeout=TIMEOUT):
        pass

    pipeline = editor.pipeline
    names = sorted(item.name for item in scene.stage_items())
    assert names == sorted(pipeline.stage_names)
    assert "Start" in names and "Late" in names and "S5" not in names and "S0" not in names
    assert sorted(edge.names for edge in scene.edge_items()) == sorted(pipeline.edges())
    reference = _drawn_at_once(PipelineEditor(load(tmp_path / "azure-pipelines.yml")),
                               tmp_path / "reference")
    reference.editor.document.restore(editor.document.state())
    reference.sync()  # the edited pipeline drawn at once: the same cards
    assert sorted(item.card.name for item in scene.stage_items()) == names
    assert ({item.name: item.card for item in scene.stage_items()}
            == {item.name: item.card for item in reference.stage_items()})
    cards = [item.sceneBoundingRect() for item in scene.stage_items()]
    assert not any(a.intersects(b) for i, a in enumerate(cards) for b in cards[i + 1:])


def test_a_scene_replaced_while_drawing_stops(qtbot, tmp_path):
    view = _drawing(qtbot, tmp_path)
    scene = view.graph_scene
    qtbot.waitUntil(lambda: scene.stage_count() > 0, timeout=TIMEOUT)
    count = scene.stage_count()

    scene.stop_drawing()
    qtbot.wait(50)  # turns in which the drawing would have gone on

    assert scene.stage_count() == count < STAGES
