"""The graph view: every corpus pipeline draws, zoom and pan, actions, image export."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from conftest import DATA, DATA_PIPELINES, corpus, corpus_files
from graph_helpers import FAN_OUT, at, open_view
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QImage, QPalette

from release_manager.core.pipeline_yaml import load
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.scene import GraphScene
from release_manager.ui.graph.style import GraphStyle
from release_manager.ui.graph.view import EXPORT_SCALE

PIPELINES = [*DATA_PIPELINES, *corpus(corpus_files("pipelines", (".yml",)))]


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name[:60])
def test_every_corpus_pipeline_draws_its_stages_and_dependencies(qtbot, tmp_path, path) -> None:
    editor = PipelineEditor(load(path))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    scene = GraphScene(editor, PositionStore(settings))
    pipeline = editor.pipeline
    assert len(scene.stage_items()) == len(pipeline.stages)
    assert len(scene.edge_items()) == len(pipeline.edges())
    assert sorted(edge.names for edge in scene.edge_items()) == sorted(pipeline.edges())
    for upstream, downstream in pipeline.edges():
        assert scene.stage_item(upstream).x() < scene.stage_item(downstream).x()


def test_the_spacegame_pipeline_reads_as_a_row_of_cards(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path, (DATA / "pipelines" / "spacegame.yml")
                     .read_text(encoding="utf-8"))
    items = {item.name: item for item in view.graph_scene.stage_items()}
    assert list(items) == ["Build", "Dev", "Test", "Staging"]
    assert len({item.y() for item in items.values()}) == 1  # a chain is a straight row
    assert items["Build"].card.title == "Build the web application"
    assert items["Dev"].card.environments == ("dev",)
    schedule = [b for b in items["Build"].card.badges if b.kind == "schedule"]
    assert schedule and "0 9 * * *" in schedule[0].tooltip
    assert any(b.kind == "condition" for b in items["Dev"].card.badges)


def test_a_dependency_written_in_another_case_is_drawn(qtbot, tmp_path) -> None:
    text = FAN_OUT.replace("  dependsOn: Build\n  jobs:\n  - deployment",
                           "  dependsOn: build\n  jobs:\n  - deployment")
    text = text.replace("dependsOn: [Dev, Test]", "dependsOn: [dev, TEST]")
    assert "dependsOn: build" in text and "[dev, TEST]" in text
    scene = open_view(qtbot, tmp_path, text).graph_scene
    assert sorted(edge.names for edge in scene.edge_items()) == [
        ("Build", "Dev"), ("Build", "Test"), ("Dev", "Prod"), ("Test", "Prod")]
    assert scene.edge_item("Build", "Dev").isVisible()
    assert scene.stage_item("Build").x() < scene.stage_item("Dev").x()
    assert "Depends on: Dev, Test" in scene.stage_item("Prod").card.tooltip


def test_actions_are_there_for_the_window(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    actions = view.actions_by_name()
    expected = {
        "add_stage", "delete", "rename", "copy", "paste", "move_earlier", "move_later",
        "zoom_in", "zoom_out", "fit", "auto_layout", "export_png", "export_svg",
    }
    assert expected <= set(actions)
    assert actions["rename"].shortcut().toString() == "F2"
    assert not actions["rename"].isEnabled()
    view.editor.select(["Dev"])
    assert actions["rename"].isEnabled() and actions["copy"].isEnabled()


def test_zoom_with_keys_and_ctrl_wheel_under_the_mouse_and_fit(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    start = view.zoom_factor()
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() == pytest.approx(start * 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() == pytest.approx(start)

    dev = view.graph_scene.stage_item("Test").sceneBoundingRect().center()
    under = at(view, dev)
    _wheel(view, under, 240, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_factor() > start * 1.3
    # The point under the mouse stays under the mouse.
    assert (view.mapToScene(under) - dev).manhattanLength() < 3
    zoomed = view.zoom_factor()
    _wheel(view, under, -120, Qt.KeyboardModifier.NoModifier)  # the plain wheel scrolls
    assert view.zoom_factor() == zoomed

    view.resize(500, 300)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.graph_scene.itemsBoundingRect())
    assert view.zoom_factor() < 1.0
    assert not view.horizontalScrollBar().isVisible()  # it all fits: nothing to scroll
    assert not view.verticalScrollBar().isVisible()


def _wheel(view, pos: QPoint, delta: int, modifiers) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(
        QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QCoreApplication.sendEvent(view.viewport(), event)


def test_middle_drag_pans(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    view.set_zoom(3.0)
    bar = view.horizontalScrollBar()
    bar.setValue((bar.minimum() + bar.maximum()) // 2)
    before = bar.value()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    qtbot.mouseMove(viewport, QPoint(200, 300))
    qtbot.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(200, 300))
    assert bar.value() == before + 100
    assert len(view.editor.pipeline.stages) == 4


def test_export_png_is_the_graph_at_twice_the_size(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    target = tmp_path / "graph.png"
    view.export_png(target)
    image = QImage(str(target))
    assert not image.isNull()
    items = view.graph_scene.itemsBoundingRect()
    assert image.width() >= items.width() * EXPORT_SCALE
    assert image.width() <= (items.width() + 60) * EXPORT_SCALE
    assert image.height() >= items.height() * EXPORT_SCALE
    # The cards are drawn: the image is not all background.
    background = GraphStyle.from_palette().background.rgb()
    middle_row = [image.pixel(x, image.height() // 2) for x in range(0, image.width(), 7)]
    assert any(pixel != background for pixel in middle_row)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_svg_is_an_svg_document_with_the_stage_names(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    target = tmp_path / "graph.svg"
    view.export_svg(target)
    root = ElementTree.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    for name in ("Build", "Dev", "Test", "Production"):
        assert name in text


def test_the_cards_follow_a_dark_palette(qtbot, tmp_path) -> None:
    from PySide6.QtGui import QColor

    palette = QPalette(QColor("#2b2b2b"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    dark = GraphStyle.from_palette(palette)
    light = GraphStyle.from_palette(QPalette(QColor("#f0f0f0")))
    assert dark.dark and not light.dark
    assert dark.card.lightness() < 100 < light.card.lightness()
    assert dark.text.lightness() > 150


def test_a_refused_open_of_nothing_does_not_break_the_view(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path, "stages: []\n")
    assert view.graph_scene.stage_items() == []
    view.fit()
    view.export_png(tmp_path / "empty.png")
    assert not QImage(str(tmp_path / "empty.png")).isNull()
    assert Path(tmp_path / "empty.png").stat().st_size > 0


def test_space_and_drag_pans_without_moving_or_selecting(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    view.set_zoom(3.0)
    item = view.graph_scene.stage_item("Test")
    view.centerOn(item)
    start_pos = item.pos()
    bar = view.verticalScrollBar()
    before = bar.value()
    viewport = view.viewport()
    grip = at(view, item.sceneBoundingRect().center())
    qtbot.keyPress(view, Qt.Key.Key_Space)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=grip)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, grip + QPoint(0, 20 * step))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=grip + QPoint(0, 100))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert bar.value() == before - 100
    assert item.pos() == start_pos and view.editor.selected() == []
    assert view.editor.undo_stack.count() == 0


def test_context_menus_offer_the_stage_and_the_canvas_actions(qtbot, tmp_path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication, QMenu

    view = open_view(qtbot, tmp_path)
    shown: list[list[str]] = []

    def read_and_close() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(10, read_and_close)
            return
        shown.append([a.text() for a in menu.actions() if not a.isSeparator()])
        menu.close()

    on_stage = at(view, view.graph_scene.stage_item("Dev").sceneBoundingRect().center())
    for point in (on_stage, QPoint(5, 5)):
        QTimer.singleShot(0, read_and_close)
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                  view.viewport().mapToGlobal(point))
        view.contextMenuEvent(event)
    stage_menu, canvas_menu = shown
    assert "&Rename Stage" in stage_menu and "&Delete" in stage_menu
    assert view.editor.selected() == ["Dev"]
    assert "&Add Stage Here" in canvas_menu and "Export Graph as &PNG…" in canvas_menu


def test_hovering_a_badge_explains_it(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    view.set_zoom(1.0)
    item = view.graph_scene.stage_item("Test")
    rect, badge = next((r, b) for r, b in item.badge_rects if b.kind == "condition")
    view.centerOn(item)
    point = at(view, item.mapToScene(rect.center()))
    qtbot.mouseMove(view.viewport(), point - QPoint(40, 30))
    qtbot.mouseMove(view.viewport(), point)
    assert item.toolTip() == badge.tooltip and "Build.Reason" in item.toolTip()
    qtbot.mouseMove(view.viewport(), at(view, item.port_point()))
    assert "Drag" in item.toolTip()


def test_a_palette_change_recolours_the_graph(qtbot, tmp_path) -> None:
    from PySide6.QtGui import QColor

    view = open_view(qtbot, tmp_path)
    assert not view.graph_scene.graph_style.dark
    palette = QPalette(QColor("#2b2b2b"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    view.setPalette(palette)
    style = view.graph_scene.graph_style
    assert style.dark
    assert all(item.graph_style is style for item in view.graph_scene.stage_items())
    assert view.graph_scene.backgroundBrush().color() == style.background


EXPRESSION_BLOCK = """\
parameters:
- name: extra
  type: boolean
  default: false
stages:
- stage: Build
  jobs: []
- ${{ if eq(parameters.extra, true) }}:
  - stage: Extra
    jobs: []
"""


def test_template_expression_blocks_are_drawn_read_only(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path, EXPRESSION_BLOCK)
    pipeline = view.editor.pipeline
    block = next(s for s in pipeline.stages if s.kind == "expression")
    item = view.graph_scene.stage_item(block.name)
    assert not item.card.editable and not item.has_port()
    assert "Extra" in item.card.subtitle
    view.editor.select([block.name])
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert "not edited" in view.graph_scene.notice.text()
    assert block.name in pipeline.stage_names
    assert view.graph_scene.start_rename(block.name) is None


def test_a_stage_selected_elsewhere_is_scrolled_into_view(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    view.set_zoom(3.0)
    view.centerOn(view.graph_scene.stage_item("Build"))
    prod = view.graph_scene.stage_item("Prod")
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert not visible.contains(prod.sceneBoundingRect())
    view.editor.select(["Prod"])
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(prod.sceneBoundingRect())
