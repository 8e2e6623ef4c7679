"""A large pipeline opened from the window: once read, its graph is drawn a slice at a
time while the window answers; the window says it is drawn only once every stage is
there, and edits, a second open and Cancel work meanwhile."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QSettings, Qt
from scale_pipeline import scale_pipeline
from window_helpers import wait_opened

from release_manager.core.drawable import MAX_DRAWN_STAGES
from release_manager.ui.main_window import MainWindow

TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, settings: QSettings, tmp_path: Path) -> MainWindow:
    """The window showing a copy of the spacegame pipeline."""
    spacegame = tmp_path / "work" / "azure-pipelines.yml"
    spacegame.parent.mkdir()
    shutil.copyfile(DATA / "pipelines" / "spacegame.yml", spacegame)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_path(spacegame)
    wait_opened(qtbot, window)
    yield window
    if window.editor is not None:
        window.editor.undo_stack.setClean()  # closing does not ask


def big(folder: Path, name: str = "big") -> Path:
    """The largest pipeline the window draws."""
    path = folder / name / "azure-pipelines.yml"
    path.parent.mkdir()
    path.write_text(scale_pipeline(MAX_DRAWN_STAGES), encoding="utf-8")
    return path


def drawing(qtbot, window: MainWindow, path: Path) -> None:
    """Until `path` is read and shown, its graph still being drawn."""
    qtbot.waitUntil(lambda: window.path == path.resolve() and not window.is_opening(),
                    timeout=TIMEOUT)
    assert window.is_drawing()


def drawn_names(window: MainWindow) -> list[str]:
    return sorted(item.name for item in window.graph.graph_scene.stage_items())


def test_a_large_pipeline_is_drawn_while_the_window_answers_and_drawn_only_when_whole(
        qtbot, window, tmp_path):
    path = big(tmp_path)
    window.open_path(path)
    seen: list[tuple[bool, int]] = []  # (is_drawn, stages drawn) at each look

    def whole() -> bool:
        seen.append((window.is_drawn(), window.graph.graph_scene.stage_count()))
        return seen[-1][0]

    drawing(qtbot, window, path)
    assert window.central.currentWidget() is window.graph_page
    assert window.graph.graph_scene.stage_count() < MAX_DRAWN_STAGES
    qtbot.waitUntil(whole, timeout=TIMEOUT)

    assert all(count == MAX_DRAWN_STAGES for is_drawn, count in seen if is_drawn)
    assert any(not is_drawn for is_drawn, _ in seen)  # looked while it was drawing
    pipeline = window.editor.pipeline
    assert drawn_names(window) == sorted(pipeline.stage_names)
    scene = window.graph.graph_scene
    assert sorted(edge.names for edge in scene.edge_items()) == sorted(pipeline.edges())
    assert window.inspector is not None and window.inspector.editor is window.editor


def test_a_stage_added_while_the_graph_is_drawn_is_drawn_and_undone(qtbot, window, tmp_path):
    path = big(tmp_path)
    window.open_path(path)
    drawing(qtbot, window, path)

    window.graph.actions_by_name()["add_stage"].trigger()
    wait_opened(qtbot, window)

    assert window.editor.pipeline.has_stage("Stage1")
    assert window.graph.graph_scene.stage_item("Stage1") is not None
    assert window.graph.graph_scene.selected_stage_names() == ["Stage1"]
    assert len(drawn_names(window)) == MAX_DRAWN_STAGES + 1
    assert window.isWindowModified()
    window.undo_group.undo()
    assert window.graph.graph_scene.stage_item("Stage1") is None
    assert drawn_names(window) == sorted(window.editor.pipeline.stage_names)
    assert not window.isWindowModified()


def test_a_second_open_while_the_graph_is_drawn_replaces_it(qtbot, window, tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("stages:\n- stage: Only\n  jobs: []\n", encoding="utf-8")
    path = big(tmp_path)
    window.open_path(path)
    drawing(qtbot, window, path)

    window.open_path(other)
    wait_opened(qtbot, window)

    assert window.path == other.resolve()
    assert drawn_names(window) == ["Only"]
    qtbot.waitUntil(window.is_drawn, timeout=TIMEOUT)
    assert drawn_names(window) == ["Only"]
    assert window.inspector is not None and window.inspector.editor is window.editor
    assert window.windowTitle().startswith("other.yml")


def test_cancelling_an_open_while_the_graph_before_it_is_drawn_lets_that_graph_finish(
        qtbot, window, tmp_path):
    first, second = big(tmp_path, "first"), big(tmp_path, "second")
    window.open_path(first)
    drawing(qtbot, window, first)

    window.open_path(second)
    assert window.is_opening()
    qtbot.keyClick(window.opening_view.cancel_button, Qt.Key.Key_Escape)

    assert window.central.currentWidget() is window.graph_page
    qtbot.waitUntil(window.is_drawn, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.is_reading(), timeout=TIMEOUT)
    assert window.path == first.resolve()
    assert len(drawn_names(window)) == MAX_DRAWN_STAGES
