"""The condition editor, used as a person would: typing, Ctrl+Enter, presets, undo."""

from __future__ import annotations

from pathlib import Path

from inspector_helpers import activate, open_panel, select
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCharFormat

from release_manager.ui.inspector.condition_editor import DEFAULT_NOTE
from release_manager.ui.inspector.condition_highlighter import COLOURS
from release_manager.ui.inspector.panel import InspectorPanel

TEST_CONDITION = "eq(variables['Build.Reason'], 'Schedule')"


def type_condition(qtbot, panel: InspectorPanel, text: str) -> None:
    field = panel.condition.field
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def commit(qtbot, panel: InspectorPanel) -> None:
    qtbot.keyClick(panel.condition.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_error_shows_its_column_and_a_wavy_underline(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    assert panel.condition.field.toPlainText() == TEST_CONDITION
    type_condition(qtbot, panel, "and(succeeded(), eq(1, 2)))")
    message = panel.condition.message
    qtbot.waitUntil(lambda: message.isVisible())
    assert message.text() == "Column 27: Unexpected symbol: ')'"
    [selection] = panel.condition.field.extraSelections()
    assert (selection.cursor.selectionStart(), selection.cursor.selectionEnd()) == (26, 27)
    assert selection.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    assert selection.format.underlineColor() == QColor("#d13438")
    # Typing is not an edit: the pipeline still has the old condition.
    assert panel.editor.pipeline.stage("Test").condition == TEST_CONDITION
    assert panel.editor.undo_stack.count() == 0


def test_error_in_a_multi_line_condition_names_line_and_column(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    type_condition(qtbot, panel, "and(succeeded(),")
    qtbot.keyClick(panel.condition.field, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.condition.field, "  eq(x, 1))")
    qtbot.waitUntil(lambda: panel.condition.message.isVisible())
    assert panel.condition.message.text() == "Line 2, column 6: Unrecognized value: 'x'"
    [selection] = panel.condition.field.extraSelections()
    assert selection.cursor.selectedText() == "x"


def test_fixing_the_error_clears_it(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    type_condition(qtbot, panel, "eq(1, 2")
    qtbot.waitUntil(lambda: panel.condition.message.isVisible())
    qtbot.keyClicks(panel.condition.field, ")")
    qtbot.waitUntil(lambda: not panel.condition.message.isVisible())
    assert panel.condition.field.extraSelections() == []


def test_valid_condition_commits_one_undoable_edit(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    new = "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))"
    type_condition(qtbot, panel, new)
    assert panel.editor.undo_stack.count() == 0
    commit(qtbot, panel)
    assert panel.editor.undo_stack.count() == 1
    assert panel.editor.pipeline.stage("Test").condition == new
    assert not panel.condition.message.isVisible()
    assert f"condition: {new}" in panel.editor.document.dumps()

    panel.editor.undo_stack.undo()
    assert panel.editor.pipeline.stage("Test").condition == TEST_CONDITION
    assert panel.condition.field.toPlainText() == TEST_CONDITION
    panel.editor.undo_stack.redo()
    assert panel.condition.field.toPlainText() == new


def test_leaving_the_field_commits(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    type_condition(qtbot, panel, "always()")
    assert not panel.condition.field.completer.popup().isVisible()
    activate(qtbot, panel)
    assert panel.editor.pipeline.stage("Test").condition == TEST_CONDITION
    qtbot.mouseClick(panel.stage_form.display_edit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.editor.pipeline.stage("Test").condition == "always()")
    assert panel.editor.undo_stack.count() == 1


def test_refresh_keeps_the_cursor_when_the_condition_did_not_change(
    qtbot, tmp_path: Path
) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    field = panel.condition.field
    cursor = field.textCursor()
    cursor.setPosition(5)
    field.setTextCursor(cursor)
    panel.editor.apply("Rename display", lambda p: p.set_display_name("Test", "QA"))
    assert field.toPlainText() == TEST_CONDITION
    assert field.textCursor().position() == 5


def test_empty_condition_shows_the_default(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    assert panel.condition.field.toPlainText() == ""
    assert panel.condition.default_note.isVisible()
    assert panel.condition.default_note.text() == DEFAULT_NOTE
    qtbot.keyClicks(panel.condition.field, "always()")
    qtbot.waitUntil(lambda: not panel.condition.default_note.isVisible())


def test_preset_only_on_branch(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    panel.condition.ask_branch = lambda: "release"
    [action] = [a for a in panel.condition.presets.menu().actions()
                if a.text() == "Only on branch…"]
    action.trigger()
    expected = "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/release'))"
    assert panel.condition.field.toPlainText() == expected
    assert panel.editor.pipeline.stage("Test").condition == expected
    assert panel.editor.undo_stack.count() == 1


def test_other_presets(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    panel.condition.ask_stage = lambda stages: stages[0] if "Dev" in stages else None
    actions = {a.text(): a for a in panel.condition.presets.menu().actions()}
    expected = {
        "Only when not a pull request":
            "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))",
        "Always": "always()",
        "Only if a given stage failed…": "failed('Test')",
        "Only for scheduled or manual runs":
            "and(succeeded(), in(variables['Build.Reason'], 'Schedule', 'Manual'))",
    }
    for text, condition in expected.items():
        actions[text].trigger()
        assert panel.editor.pipeline.stage("Staging").condition == condition
    actions["Reset to default"].trigger()
    assert panel.editor.pipeline.stage("Staging").condition is None
    assert panel.condition.default_note.isVisible()
    assert panel.editor.undo_stack.count() == len(expected) + 1


def test_completion_of_functions_and_variables(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    field = panel.condition.field
    words = field.completion_model.stringList()
    assert "startsWith" in words and "succeededOrFailed" in words
    assert "variables['Build.SourceBranch']" in words
    assert "variables['releaseBranchName']" in words  # the pipeline's own variable
    assert "dependencies.Dev.result" in words
    assert "dependencies.Build.result" not in words  # not a direct dependency of Test

    type_condition(qtbot, panel, "and(succeeded(), startsW")
    popup = field.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert field.completer.currentCompletion() == "startsWith"
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert field.toPlainText() == "and(succeeded(), startsWith("
    qtbot.keyClicks(field, "variables['Build.SourceB")
    qtbot.waitUntil(popup.isVisible)
    assert field.completer.currentCompletion() == "variables['Build.SourceBranch']"


def test_highlighting_follows_the_tokenizer(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    layout = panel.condition.field.document().firstBlock().layout()
    colours = {
        TEST_CONDITION[r.start: r.start + r.length]: r.format.foreground().color().name()
        for r in layout.formats()
    }
    assert colours["eq"] == COLOURS["function"]
    assert colours["'Build.Reason'"] == COLOURS["string"]
    assert colours["'Schedule'"] == COLOURS["string"]
    assert colours["variables"] == COLOURS["keyword"]


def test_ctrl_z_in_the_field_undoes_the_committed_condition(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    undo = QAction("Undo", panel)  # as the main window's Edit menu has it
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.triggered.connect(panel.editor.undo_stack.undo)
    panel.addAction(undo)
    select(panel, "Test")
    type_condition(qtbot, panel, "always()")
    activate(qtbot, panel)
    panel.condition.field.setFocus()
    qtbot.waitUntil(panel.condition.field.hasFocus)
    qtbot.keyClick(panel.condition.field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    # Typing not yet committed is the field's own to undo.
    assert panel.condition.field.toPlainText() == ""
    assert panel.editor.pipeline.stage("Test").condition == TEST_CONDITION
    qtbot.keyClicks(panel.condition.field, "always()")
    commit(qtbot, panel)
    assert panel.editor.pipeline.stage("Test").condition == "always()"
    qtbot.keyClick(panel.condition.field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.editor.pipeline.stage("Test").condition == TEST_CONDITION
    assert panel.condition.field.toPlainText() == TEST_CONDITION


def test_committed_invalid_condition_is_listed_under_the_title(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    assert not panel.problems.isVisible()
    type_condition(qtbot, panel, "eq(1,")
    commit(qtbot, panel)
    assert panel.editor.pipeline.stage("Test").condition == "eq(1,"
    assert panel.problems.isVisible()
    assert "Error: invalid condition: Unclosed function" in panel.problems.text()
    panel.editor.undo_stack.undo()
    assert not panel.problems.isVisible()


def test_template_expressions_are_left_to_compile_time(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    type_condition(qtbot, panel, "and(succeeded(), ${{ parameters.deploy }})")
    qtbot.waitUntil(lambda: panel.condition.template_note.isVisible())
    assert "fills it in when the run is compiled" in panel.condition.template_note.text()
    assert not panel.condition.message.isVisible()
    assert panel.condition.field.extraSelections() == []
    assert panel.playground.verdict.text() == "—"
    assert "template expression" in panel.playground.problem.text()
