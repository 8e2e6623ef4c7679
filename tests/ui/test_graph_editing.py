"""Editing the pipeline in the stage graph with mouse and keyboard, and undoing it."""

from __future__ import annotations

import json

import pytest
from graph_helpers import FAN_OUT, at, centre, drag, open_view, port
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from release_manager.core.model import ApprovalPolicy
from release_manager.ui.graph.edge_item import EdgeItem
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.style import PORT_RADIUS
from release_manager.ui.graph.view import RECONNECT, REMOVE_ONLY


def _with_undo_keys(view) -> None:
    """What the main window does: its Undo/Redo actions, reachable from the graph."""
    stack = view.editor.undo_stack
    undo = stack.createUndoAction(view)
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = stack.createRedoAction(view)
    redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
    view.addActions([undo, redo])


def _activate(qtbot, view) -> None:
    """The window is active again (after a dialog closed)."""
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)


def _undo(qtbot, view) -> None:
    _activate(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def _redo(qtbot, view) -> None:
    _activate(qtbot, view)
    qtbot.keyClick(
        view, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )


def _click_stage(qtbot, view, name: str) -> None:
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, centre(view, name)))


def test_the_graph_shows_every_stage_and_dependency(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    scene = view.graph_scene
    assert sorted(item.name for item in scene.stage_items()) == ["Build", "Dev", "Prod", "Test"]
    assert sorted(edge.names for edge in scene.edge_items()) == [
        ("Build", "Dev"), ("Build", "Test"), ("Dev", "Prod"), ("Test", "Prod"),
    ]
    prod = scene.stage_item("Prod")
    assert prod.card.title == "Production" and prod.card.subtitle == "Prod"
    assert scene.stage_item("Dev").card.environments == ("dev",)
    kinds = {badge.kind for badge in scene.stage_item("Test").card.badges}
    assert {"condition", "schedule"} <= kinds
    condition = next(b for b in scene.stage_item("Test").card.badges if b.kind == "condition")
    assert "Build.Reason" in condition.tooltip
    assert "default-condition" in {b.kind for b in scene.stage_item("Dev").card.badges}


def test_double_click_on_empty_canvas_adds_a_stage_there_and_undo_removes_it(
    qtbot, tmp_path
) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    rect = view.graph_scene.itemsBoundingRect()
    empty = QPointF(rect.center().x(), rect.bottom() + 150)
    view.ensureVisible(empty.x(), empty.y(), 1, 1)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, empty))
    pipeline = view.editor.pipeline
    assert pipeline.stage_names[-1] == "Stage1"
    item = view.graph_scene.stage_item("Stage1")
    assert item is not None and item.sceneBoundingRect().contains(empty)
    assert view.editor.selected() == ["Stage1"]
    _undo(qtbot, view)
    assert not pipeline.has_stage("Stage1") and view.graph_scene.stage_item("Stage1") is None
    _redo(qtbot, view)
    assert pipeline.has_stage("Stage1") and view.graph_scene.stage_item("Stage1") is not None


def test_dragging_from_an_output_port_to_a_stage_connects_them(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    pipeline = view.editor.pipeline
    viewport, test = view.viewport(), view.graph_scene.stage_item("Test")
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(view, port(view, "Dev")))
    qtbot.mouseMove(viewport, at(view, port(view, "Dev") + QPointF(30, 10)))
    assert not test.drop_hint
    qtbot.mouseMove(viewport, at(view, centre(view, "Test")))
    assert test.drop_hint  # the stage under the arrow is highlighted
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(view, centre(view, "Test")))
    assert not test.drop_hint
    assert pipeline.dependencies("Test") == ["Build", "Dev"]
    edge = view.graph_scene.edge_item("Dev", "Test")
    assert isinstance(edge, EdgeItem) and len(view.graph_scene.edge_items()) == 5
    _undo(qtbot, view)
    assert pipeline.dependencies("Test") == ["Build"]
    assert view.graph_scene.edge_item("Dev", "Test") is None


@pytest.mark.parametrize("inside", [1.0, PORT_RADIUS / 2, PORT_RADIUS])
def test_the_inner_half_of_an_output_port_starts_a_dependency_too(
        qtbot, tmp_path, inside: float) -> None:
    view = open_view(qtbot, tmp_path)
    dev = view.graph_scene.stage_item("Dev")
    placed = dev.pos()
    drag(qtbot, view, port(view, "Dev") - QPointF(inside, 0), centre(view, "Test"))
    assert view.editor.pipeline.dependencies("Test") == ["Build", "Dev"]
    assert dev.pos() == placed  # the card did not move


def test_a_dependency_dropped_on_the_input_port_connects(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    notch = view.graph_scene.stage_item("Test").input_point() - QPointF(2, 0)  # outer half
    drag(qtbot, view, port(view, "Dev"), notch)
    assert view.editor.pipeline.dependencies("Test") == ["Build", "Dev"]


def test_a_double_click_on_a_port_adds_no_stage(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    inner_half = port(view, "Prod") - QPointF(PORT_RADIUS / 2, 0)  # no arrow leaves it
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, inner_half))
    assert view.editor.pipeline.stage_names == ["Build", "Dev", "Test", "Prod"]


def test_a_cycle_is_refused_with_a_message_at_the_drop_point(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    pipeline = view.editor.pipeline
    before = pipeline.edges()
    drop = centre(view, "Build")
    drag(qtbot, view, port(view, "Prod"), drop)
    assert pipeline.edges() == before
    assert len(view.graph_scene.edge_items()) == 4
    notice = view.graph_scene.notice
    assert notice is not None and "cycle" in notice.text()
    assert notice.scene() is view.graph_scene
    assert (notice.pos() - drop).manhattanLength() < 40
    assert view.editor.undo_stack.count() == 0


def test_a_self_connection_and_a_duplicate_are_refused(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    drag(qtbot, view, port(view, "Dev"), centre(view, "Dev"))
    assert "itself" in view.graph_scene.notice.text()
    drag(qtbot, view, port(view, "Build"), centre(view, "Dev"))
    assert "already depends" in view.graph_scene.notice.text()
    assert len(view.graph_scene.edge_items()) == 4


def _answer_message_box(button_text: str | None) -> None:
    """Click the button of the question dialog once it is open (None: Cancel)."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):  # not open yet
            QTimer.singleShot(10, answer)
            return
        for button in box.buttons():
            if (button_text is None and box.buttonRole(button) == QMessageBox.ButtonRole.RejectRole
                    or button.text() == button_text):
                button.click()
                return
        raise AssertionError(f"no button {button_text!r}")

    QTimer.singleShot(0, answer)


def test_delete_asks_and_reconnects_dependants(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    pipeline = view.editor.pipeline
    _click_stage(qtbot, view, "Dev")
    _answer_message_box(RECONNECT)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert not pipeline.has_stage("Dev")
    assert pipeline.dependencies("Prod") == ["Test", "Build"]
    assert view.graph_scene.stage_item("Dev") is None
    assert view.graph_scene.edge_item("Build", "Prod") is not None
    _undo(qtbot, view)
    assert pipeline.dependencies("Prod") == ["Dev", "Test"]
    assert view.graph_scene.edge_item("Dev", "Prod") is not None


def test_delete_can_drop_the_dependency_only_or_be_cancelled(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    pipeline = view.editor.pipeline
    _click_stage(qtbot, view, "Dev")
    _answer_message_box(None)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert pipeline.has_stage("Dev")
    _activate(qtbot, view)
    _answer_message_box(REMOVE_ONLY)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert not pipeline.has_stage("Dev")
    assert pipeline.dependencies("Prod") == ["Test"]


def test_a_selected_arrow_is_deleted_with_del(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    edge = view.graph_scene.edge_item("Test", "Prod")
    middle = edge.path().pointAtPercent(0.5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, middle))
    assert edge.isSelected()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert view.editor.pipeline.dependencies("Prod") == ["Dev"]
    assert view.graph_scene.edge_item("Test", "Prod") is None


def test_f2_renames_in_place_and_rewrites_dependants(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    pipeline = view.editor.pipeline
    _click_stage(qtbot, view, "Dev")
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert view.graph_scene.name_editor is not None
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # edits the text, does not delete the stage
    assert pipeline.has_stage("Dev") and view.graph_scene.name_editor is not None
    qtbot.keyClicks(view, "Development")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert pipeline.stage_names == ["Build", "Development", "Test", "Prod"]
    assert pipeline.dependencies("Prod") == ["Development", "Test"]
    assert view.graph_scene.stage_item("Development") is not None
    assert view.graph_scene.edge_item("Development", "Prod") is not None
    assert view.graph_scene.name_editor is None
    _undo(qtbot, view)
    assert pipeline.dependencies("Prod") == ["Dev", "Test"]
    assert view.graph_scene.stage_item("Dev") is not None


def test_an_invalid_name_is_refused_and_escape_cancels(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    pipeline = view.editor.pipeline
    _click_stage(qtbot, view, "Dev")
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.keyClicks(view, "2 bad name")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert "not a valid stage name" in view.graph_scene.notice.text()
    assert view.graph_scene.name_editor is not None  # still open to correct it
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.graph_scene.name_editor is None
    assert pipeline.stage_names == ["Build", "Dev", "Test", "Prod"]


def test_dragging_a_node_is_one_undo_step_and_is_remembered_per_file(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    item = view.graph_scene.stage_item("Test")
    start = item.pos()
    grip = centre(view, "Test") + QPointF(0, 25)
    drag(qtbot, view, grip, grip + QPointF(60, 140), steps=10)
    moved = item.pos()
    assert moved == start + QPointF(60, 140)
    assert view.editor.undo_stack.count() == 1
    assert not view.editor.is_modified()  # nothing to save: the YAML is unchanged
    assert view.editor.pipeline.dependencies("Test") == ["Build"]
    # Another view of the same file puts the stage where it was dragged.
    again = open_view(qtbot, tmp_path, (tmp_path / "azure-pipelines.yml").read_text())
    assert again.graph_scene.stage_item("Test").pos() == moved
    assert not view.editor.document.is_modified()  # positions never go into the YAML
    _undo(qtbot, view)
    assert item.pos() == start
    _redo(qtbot, view)
    assert item.pos() == moved
    view.actions_by_name()["auto_layout"].trigger()
    assert item.pos() == start


def test_adding_connecting_and_deleting_move_no_other_card(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    scene = view.graph_scene
    grip = centre(view, "Test") + QPointF(0, 25)
    drag(qtbot, view, grip, grip + QPointF(40, 160), steps=10)  # by hand
    placed = {item.name: item.pos() for item in scene.stage_items()}

    view.editor.select(["Prod"])
    view.actions_by_name()["add_stage"].trigger()  # a stage after Prod
    new = scene.stage_item("Stage1")
    assert new is not None and new.pos().x() > placed["Prod"].x()
    drag(qtbot, view, port(view, "Dev"), centre(view, "Test"))  # a dependency
    assert view.editor.pipeline.dependencies("Test") == ["Build", "Dev"]
    _click_stage(qtbot, view, "Dev")
    _answer_message_box(RECONNECT)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert not view.editor.pipeline.has_stage("Dev")

    now = {item.name: item.pos() for item in scene.stage_items()}
    assert now == {"Build": placed["Build"], "Test": placed["Test"], "Prod": placed["Prod"],
                   "Stage1": new.pos()}
    card = new.sceneBoundingRect()
    assert not any(card.intersects(item.sceneBoundingRect())
                   for item in scene.stage_items() if item is not new)
    _undo(qtbot, view)
    assert scene.stage_item("Dev").pos() == placed["Dev"]  # back where it was

    view.actions_by_name()["auto_layout"].trigger()  # every card, hand-placed too
    assert scene.stage_item("Test").pos() != placed["Test"]
    assert scene.stage_item("Test").pos().x() > scene.stage_item("Dev").pos().x()
    _undo(qtbot, view)
    assert scene.stage_item("Test").pos() == placed["Test"]


def test_rubber_band_selects_several_and_the_editor_follows(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    rect = view.graph_scene.itemsBoundingRect()
    drag(qtbot, view, rect.topLeft() - QPointF(30, 30), rect.bottomRight() + QPointF(30, 30))
    assert sorted(view.editor.selected()) == ["Build", "Dev", "Prod", "Test"]
    view.editor.select(["Prod"])
    assert [i.name for i in view.graph_scene.stage_items() if i.isSelected()] == ["Prod"]


def test_copy_and_paste_make_unique_copies_that_keep_dependencies(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    _with_undo_keys(view)
    pipeline = view.editor.pipeline
    view.editor.select(["Dev", "Prod"])
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = json.loads(QGuiApplication.clipboard().text())
    assert [stage["name"] for stage in copied["stages"]] == ["Dev", "Prod"]
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pipeline.stage_names[-2:] == ["Dev_copy", "Prod_copy"]
    assert pipeline.dependencies("Dev_copy") == ["Build"]
    assert pipeline.dependencies("Prod_copy") == ["Dev_copy", "Test"]
    assert pipeline.stage("Dev_copy").environments == ["dev"]
    assert view.graph_scene.edge_item("Dev_copy", "Prod_copy") is not None
    assert sorted(view.editor.selected()) == ["Dev_copy", "Prod_copy"]
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert pipeline.stage_names[-2:] == ["Dev_copy2", "Prod_copy2"]
    _undo(qtbot, view)
    _undo(qtbot, view)
    assert pipeline.stage_names == ["Build", "Dev", "Test", "Prod"]


def test_pasting_text_that_is_not_stages_says_so(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    QGuiApplication.clipboard().setText("hello")
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "does not hold stages" in view.graph_scene.notice.text()
    assert len(view.editor.pipeline.stages) == 4


def test_move_earlier_and_later_reorder_the_file_without_rewiring(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    pipeline = view.editor.pipeline
    edges = sorted(pipeline.edges())
    view.editor.select(["Test"])
    actions = view.actions_by_name()
    actions["move_earlier"].trigger()
    assert pipeline.stage_names == ["Build", "Test", "Dev", "Prod"]
    actions["move_later"].trigger()
    actions["move_later"].trigger()
    assert pipeline.stage_names == ["Build", "Dev", "Prod", "Test"]
    assert sorted(pipeline.edges()) == edges
    assert not actions["move_later"].isEnabled()


def test_add_stage_action_depends_on_the_selection(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    view.editor.select(["Prod"])
    view.actions_by_name()["add_stage"].trigger()
    assert view.editor.pipeline.dependencies("Stage1") == ["Prod"]
    assert view.graph_scene.edge_item("Prod", "Stage1") is not None


def test_the_card_shows_approvals_diagnostics_and_release_status(qtbot, tmp_path) -> None:
    ghost = FAN_OUT.replace("On: Build\n  condition", "On: [Build, Ghost]\n  condition")
    view = open_view(qtbot, tmp_path, ghost)
    editor = view.editor

    def require_approvals(p) -> None:
        p.environment("dev").approval = ApprovalPolicy(["alice", "bob"], 2)

    editor.apply("Approvals", require_approvals)
    dev = view.graph_scene.stage_item("Dev")
    approvals = next(b for b in dev.card.badges if b.kind == "approvals")
    assert approvals.text == "2" and "alice, bob" in approvals.tooltip
    test = view.graph_scene.stage_item("Test")
    problem = [b for b in test.card.badges if b.kind in ("error", "warning")]
    assert problem and "Ghost" in problem[0].tooltip
    assert (dev.release_text, dev.release_state) == ("", "")
    dev.set_release_status("#42 deployed", "succeeded")
    assert (dev.release_text, dev.release_state) == ("#42 deployed", "succeeded")


def test_hand_placed_positions_follow_save_as(qtbot, tmp_path) -> None:
    view = open_view(qtbot, tmp_path)
    grip = centre(view, "Dev") + QPointF(0, 25)
    drag(qtbot, view, grip, grip + QPointF(0, -80))
    moved = view.graph_scene.stage_item("Dev").pos()
    view.editor.apply("Edit", lambda p: p.set_display_name("Build", "Compile"))
    copy = tmp_path / "copy" / "azure-pipelines.yml"
    copy.parent.mkdir()
    view.editor.save(copy)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert PositionStore(settings).load(copy)["Dev"] == moved


def test_copying_a_template_reference_says_it_is_not_copied(qtbot, tmp_path) -> None:
    template = tmp_path / "deploy.yml"
    template.write_text("stages:\n- stage: Deploy\n  jobs:\n  - job: A\n", encoding="utf-8")
    view = open_view(qtbot, tmp_path, FAN_OUT + "- template: deploy.yml\n")
    QGuiApplication.clipboard().setText("before")
    reference = view.editor.pipeline.stages[-1]
    assert reference.kind == "template"
    view.editor.select([reference.name])
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert "template references are not copied" in view.graph_scene.notice.text()
    assert QGuiApplication.clipboard().text() == "before"


SKIP_EDGE = """\
stages:
- stage: Build
  jobs: [job: A]
- stage: Dev
  jobs: [job: A]
- stage: Test
  jobs: [job: A]
- stage: Prod
  dependsOn: [Test, Build]
  jobs: [job: A]
"""


def test_a_rename_keeps_the_graph_as_laid_out(qtbot, tmp_path) -> None:
    """A rename changes no card's place nor an arrow's route, and Auto Layout after it
    has nothing to do (the graph is not laid out again for a rename)."""
    view = open_view(qtbot, tmp_path, SKIP_EDGE)
    scene = view.graph_scene
    bends = list(scene.edge_item("Build", "Prod").bends)
    places = [item.pos() for item in scene.stage_items()]
    assert bends  # the long arrow goes round Dev and Test

    assert view.editor.apply("Rename", lambda p: p.rename_stage("Build", "Compile"))
    scene.auto_layout()

    assert scene.edge_item("Compile", "Prod").bends == bends
    assert [item.pos() for item in scene.stage_items()] == places
    assert view.editor.undo_stack.count() == 1  # Auto Layout found nothing to move


def test_auto_layout_right_after_a_new_dependency_lays_it_out(qtbot, tmp_path) -> None:
    """The layout for an edit that adds no card is made on a worker (no card moves);
    Auto Layout at once after the edit still lays out the graph as it now is: the new
    arrow routed round the stages between its ends, each card where a fresh layout of
    the edited pipeline puts it."""
    view = open_view(qtbot, tmp_path, SKIP_EDGE.replace("dependsOn: [Test, Build]", ""))
    scene = view.graph_scene
    assert scene.edge_item("Build", "Prod") is None

    assert view.editor.apply("Connect", lambda p: p.connect("Build", "Prod"))
    scene.auto_layout()

    assert scene.edge_item("Build", "Prod").bends
    (tmp_path / "fresh").mkdir()
    fresh = open_view(qtbot, tmp_path / "fresh", view.editor.document.dumps()).graph_scene
    assert ({item.name: item.pos() for item in scene.stage_items()}
            == {item.name: item.pos() for item in fresh.stage_items()})
