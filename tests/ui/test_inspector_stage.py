"""The stage section of the inspector: name, display name, dependencies, lock, skipping."""

from __future__ import annotations

from pathlib import Path

from inspector_helpers import open_panel, select
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QListWidgetItem, QStyle

from release_manager.ui.inspector.panel import InspectorPanel

TEMPLATED = """\
stages:
- stage: Build
  jobs:
  - job: Build
    steps:
    - script: echo build
- template: stages/deploy.yml
  parameters:
    environment: prod
- ${{ if eq(parameters.canary, true) }}:
  - stage: Canary
    jobs: []
"""


def dependency_item(panel: InspectorPanel, name: str) -> QListWidgetItem:
    items = panel.stage_form.dependencies
    [item] = [items.item(row) for row in range(items.count())
              if items.item(row).data(Qt.ItemDataRole.UserRole) == name]
    return item


def click_check(qtbot, panel: InspectorPanel, name: str) -> None:
    """Click the check box of a dependency, where a person would."""
    items = panel.stage_form.dependencies
    rect = items.visualItemRect(dependency_item(panel, name))
    indicator = items.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    position = QPoint(rect.left() + 3 + indicator // 2, rect.center().y())
    qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=position)


def checked(panel: InspectorPanel) -> list[str]:
    items = panel.stage_form.dependencies
    return [items.item(row).data(Qt.ItemDataRole.UserRole) for row in range(items.count())
            if items.item(row).checkState() == Qt.CheckState.Checked]


def test_stage_fields_show_the_model(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    form = panel.stage_form
    assert panel.title.text() == "Deploy to the dev environment  (Dev)"
    assert form.name_edit.text() == "Dev"
    assert form.display_edit.text() == "Deploy to the dev environment"
    assert checked(panel) == ["Build"]
    assert form.lock.currentData() == ""
    assert form.skippable.isChecked()
    assert "dependsOn: [] means the stage runs first" in form.dependencies.toolTip()


def test_dependency_checklist_toggles_dependencies(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    pipeline = panel.editor.pipeline
    select(panel, "Staging")
    assert checked(panel) == ["Test"]
    click_check(qtbot, panel, "Dev")
    assert pipeline.dependencies("Staging") == ["Test", "Dev"]
    click_check(qtbot, panel, "Test")
    assert pipeline.dependencies("Staging") == ["Dev"]
    assert checked(panel) == ["Dev"]
    assert panel.editor.undo_stack.count() == 2
    panel.editor.undo_stack.undo()
    assert checked(panel) == ["Dev", "Test"]


def test_dependency_making_a_cycle_is_refused_with_the_reason(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    click_check(qtbot, panel, "Staging")
    error = panel.stage_form.dependencies_error
    assert error.isVisible()
    assert "would make a cycle" in error.text()
    assert panel.editor.pipeline.dependencies("Dev") == ["Build"]
    assert checked(panel) == ["Build"]
    assert panel.editor.undo_stack.count() == 0


def test_removing_every_dependency_explains_dependson_empty(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    click_check(qtbot, panel, "Build")
    assert panel.editor.pipeline.stage("Dev").depends_on == []
    assert "runs first" in panel.stage_form.dependencies_note.text()


def test_rename_updates_references_and_keeps_the_selection(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    edit = panel.stage_form.name_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "Development")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    pipeline = panel.editor.pipeline
    assert pipeline.has_stage("Development") and not pipeline.has_stage("Dev")
    assert pipeline.dependencies("Test") == ["Development"]
    assert panel.editor.selected() == ["Development"]
    assert panel.stage_form.name_edit.text() == "Development"

    panel.editor.undo_stack.undo()
    assert panel.editor.selected() == ["Dev"]
    assert panel.stage_form.name_edit.text() == "Dev"


def test_refused_rename_is_shown_in_red(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    edit = panel.stage_form.name_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "Test")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    error = panel.stage_form.name_error
    assert error.isVisible()
    assert error.text() == "There is already a stage named 'Test'"
    assert "color: #d13438" in error.styleSheet()
    edit.selectAll()
    qtbot.keyClicks(edit, "2nd")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "not a valid stage name" in error.text()
    assert panel.editor.pipeline.stage_names == ["Build", "Dev", "Test", "Staging"]


def test_display_name_lock_and_skippable_are_undoable_edits(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    form = panel.stage_form
    form.display_edit.selectAll()
    qtbot.keyClicks(form.display_edit, "QA")
    qtbot.keyClick(form.display_edit, Qt.Key.Key_Return)
    form.lock.setCurrentIndex(form.lock.findData("sequential"))
    qtbot.mouseClick(form.skippable, Qt.MouseButton.LeftButton)
    stage = panel.editor.pipeline.stage("Test")
    assert (stage.display_name, stage.lock_behavior, stage.is_skippable) == (
        "QA", "sequential", False)
    assert panel.editor.undo_stack.count() == 3
    assert "lockBehavior: sequential" in panel.editor.document.dumps()
    panel.editor.undo_stack.undo()
    assert panel.stage_form.skippable.isChecked()
    panel.editor.undo_stack.undo()
    panel.editor.undo_stack.undo()
    assert panel.stage_form.display_edit.text() == "Deploy to the test environment"


def test_several_stages_show_a_summary(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Build", "Dev")
    assert panel.title.text() == "2 stages selected"
    assert panel.stage_form is None and panel.condition is None


def test_nothing_selected_shows_the_pipeline_sections(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    assert set(panel.sections) == {"triggers", "schedules"}
    select(panel, "Dev")
    assert set(panel.sections) == {"stage", "condition", "playground", "environment"}


def test_template_and_expression_stages_are_read_only(qtbot, tmp_path: Path) -> None:
    source = tmp_path / "source.yml"
    source.write_text(TEMPLATED)
    panel = open_panel(qtbot, tmp_path, source)
    template, block = panel.editor.pipeline.stages[1:]
    select(panel, template.name)
    form = panel.stage_form
    assert "comes from the template 'stages/deploy.yml'" in form.read_only_note.text()
    assert not form.name_edit.isEnabled() and not form.dependencies.isEnabled()
    assert panel.condition is None
    select(panel, block.name)
    assert "template expression block" in panel.stage_form.read_only_note.text()
    assert not panel.stage_form.name_edit.isEnabled()
    assert panel.environment is None


def test_selecting_with_a_field_puts_the_cursor_there(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    panel.editor.select(["Test"], field="condition")
    qtbot.waitUntil(panel.condition.field.hasFocus)
    panel.editor.select(["Test"], field="name")
    qtbot.waitUntil(panel.stage_form.name_edit.hasFocus)


def test_the_implicit_stage_of_a_jobs_only_file_is_read_only(qtbot, tmp_path: Path) -> None:
    source = tmp_path / "source.yml"
    source.write_text("jobs:\n- job: Build\n  steps:\n  - script: echo build\n")
    panel = open_panel(qtbot, tmp_path, source)
    select(panel, "__default")
    assert "has no stages" in panel.stage_form.read_only_note.text()
    assert not panel.stage_form.name_edit.isEnabled()
    assert panel.condition is None
