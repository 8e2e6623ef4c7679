"""The condition playground: what a run would do with the condition, and why."""

from __future__ import annotations

from pathlib import Path

from inspector_helpers import open_panel, select
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from release_manager.ui.inspector.playground import referenced_variables

ONLY_RELEASE = "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/release'))"
EQ_ROW = ("eq(variables['Build.SourceBranch'], 'refs/heads/release')", "False", True)


def test_only_on_release_is_skipped_for_main_and_says_why(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    panel.condition.ask_branch = lambda: "release"
    [action] = [a for a in panel.condition.presets.menu().actions()
                if a.text() == "Only on branch…"]
    action.trigger()
    playground = panel.playground
    # Prefilled with the variable the condition reads, at a typical value.
    assert playground.run_variables() == {"Build.SourceBranch": "refs/heads/main"}
    assert playground.verdict.text() == "Skipped"
    rows = playground.rows()
    assert rows[0] == (ONLY_RELEASE, "False", True)
    assert ("succeeded()", "True", True) in rows
    assert EQ_ROW in rows

    playground.set_variable("Build.SourceBranch", "refs/heads/release")
    assert playground.verdict.text() == "Runs"
    assert (EQ_ROW[0], "True", True) in playground.rows()


def test_dependency_results_decide_succeeded(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")  # no condition: succeeded() over Test, and Dev and Build behind it
    playground = panel.playground
    assert list(playground.result_boxes) == ["Test", "Dev", "Build"]
    assert playground.verdict.text() == "Runs"
    assert playground.rows() == [("succeeded()", "True", True)]
    playground.result_boxes["Dev"].setCurrentText("Failed")  # an indirect ancestor
    assert playground.verdict.text() == "Skipped"
    playground.result_boxes["Dev"].setCurrentText("SucceededWithIssues")
    assert playground.verdict.text() == "Runs"


def test_playground_follows_typing_including_dependencies(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    field = panel.condition.field
    field.selectAll()
    qtbot.keyClicks(field, "eq(dependencies.Dev.result, 'Failed')")
    playground = panel.playground
    qtbot.waitUntil(lambda: playground.condition == field.toPlainText())
    assert playground.verdict.text() == "Skipped"
    playground.result_boxes["Dev"].setCurrentText("Failed")
    assert playground.verdict.text() == "Runs"


def test_short_circuit_rows_are_greyed(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    panel.condition.apply_preset("or(always(), eq(variables['Build.Reason'], 'Manual'))")
    playground = panel.playground
    assert playground.verdict.text() == "Runs"
    rows = playground.rows()
    assert ("always()", "True", True) in rows
    assert ("eq(variables['Build.Reason'], 'Manual')", "not evaluated", False) in rows
    item = playground.tree.topLevelItem(0).child(1)
    grey = playground.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert item.foreground(0).color() == grey


def test_invalid_condition_says_it_cannot_be_evaluated(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    qtbot.mouseClick(panel.sections["playground"].header, Qt.MouseButton.LeftButton)
    assert panel.playground.isVisible()
    panel.condition.field.selectAll()
    qtbot.keyClicks(panel.condition.field, "eq(1,")
    qtbot.waitUntil(lambda: panel.playground.problem.isVisible())
    assert panel.playground.problem.text().startswith("The condition cannot be evaluated")
    assert panel.playground.tree.topLevelItemCount() == 0


def test_referenced_variables() -> None:
    text = ("and(eq(variables['Build.Reason'], 'Manual'), "
            "ne(variables.releaseBranchName, ''), eq(variables['Build.Reason'], 'x'))")
    assert referenced_variables(text) == ["Build.Reason", "releaseBranchName"]


def test_pipeline_variables_prefill_their_own_value(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    assert panel.playground.run_variables() == {
        "Build.SourceBranchName": "main",
        "releaseBranchName": "release",
    }
    assert panel.playground.verdict.text() == "Skipped"


def test_values_the_user_entered_stay_when_the_condition_changes(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    playground = panel.playground
    assert playground.run_variables() == {"Build.Reason": "Manual"}
    assert playground.verdict.text() == "Skipped"
    playground.set_variable("Build.Reason", "Schedule")
    assert playground.verdict.text() == "Runs"
    panel.condition.apply_preset("eq(variables['Build.SourceBranchName'], 'main')")
    assert playground.run_variables() == {
        "Build.Reason": "Schedule", "Build.SourceBranchName": "main",
    }
    assert playground.verdict.text() == "Runs"
