"""PipelineEditor: one undoable command per edit, refusals, selection, diagnostics."""

from __future__ import annotations

from release_manager.core.pipeline_yaml import loads
from release_manager.ui.editor import PipelineEditor

TEXT = """\
stages:
- stage: Build
  jobs: [job: A]
- stage: Dev
  jobs: [job: A]
- stage: Prod
  jobs: [job: A]
"""


def _editor() -> PipelineEditor:
    return PipelineEditor(loads(TEXT))


def test_each_edit_is_one_step_that_undoes_and_redoes(qtbot) -> None:
    editor = _editor()
    pipeline = editor.pipeline
    with qtbot.waitSignal(editor.changed):
        assert editor.apply("Add QA", lambda p: p.add_stage("QA", depends_on=["Dev"]))
    assert editor.apply("Condition", lambda p: p.set_condition("Prod", "failed()"))
    assert editor.apply("Rename", lambda p: p.rename_stage("Dev", "Development"))
    states = [pipeline.snapshot()]
    stack = editor.undo_stack
    assert stack.count() == 3 and editor.is_modified()
    for _ in range(3):
        with qtbot.waitSignal(editor.changed):
            stack.undo()
        states.append(pipeline.snapshot())
    assert pipeline.stage_names == ["Build", "Dev", "Prod"]
    assert pipeline.stage("Prod").condition is None
    for expected in reversed(states[:-1]):
        stack.redo()
        assert pipeline == expected
    stack.undo()
    stack.undo()
    assert pipeline == states[2]
    assert editor.apply("Other", lambda p: p.set_display_name("Build", "Compile"))
    assert stack.count() == 2  # the undone edits are gone from the stack
    stack.undo()
    assert pipeline == states[2]


def test_a_refused_edit_changes_nothing_and_says_why(qtbot) -> None:
    editor = _editor()
    before = editor.pipeline.snapshot()

    def half_then_refused(p) -> None:
        p.set_condition("Dev", "always()")
        p.connect("Prod", "Build")

    with qtbot.waitSignal(editor.editRefused) as refused:
        assert not editor.apply("Cycle", half_then_refused)
    assert "cycle" in refused.args[0]
    assert editor.pipeline == before
    assert editor.undo_stack.count() == 0


def test_an_edit_that_changes_nothing_is_not_recorded() -> None:
    editor = _editor()
    assert not editor.apply("Same", lambda p: p.set_condition("Dev", None))
    assert editor.undo_stack.count() == 0 and not editor.is_modified()


def test_selection_drops_stages_that_no_longer_exist(qtbot) -> None:
    editor = _editor()
    with qtbot.waitSignal(editor.selectionChanged) as signal:
        editor.select(["Dev", "Ghost"])
    assert signal.args == [["Dev"]] and editor.selected() == ["Dev"]
    editor.apply("Remove", lambda p: p.remove_stage("Dev"))
    assert editor.selected() == []


def test_diagnostics_follow_each_edit(qtbot) -> None:
    editor = _editor()
    assert not [d for d in editor.diagnostics() if d.stage == "Prod"]
    with qtbot.waitSignal(editor.diagnosticsChanged):
        editor.apply("Bad condition", lambda p: p.set_condition("Prod", "and(succeeded()"))
    assert [d for d in editor.diagnostics() if d.stage == "Prod"]


def test_modified_until_saved_and_again_after_undoing_past_the_save(tmp_path) -> None:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(TEXT, encoding="utf-8")
    editor = PipelineEditor(loads(TEXT, path))
    assert not editor.is_modified()
    editor.apply("Condition", lambda p: p.set_condition("Dev", "always()"))
    assert editor.is_modified()
    editor.save()
    assert not editor.is_modified() and "always()" in path.read_text(encoding="utf-8")
    editor.undo_stack.undo()
    assert editor.is_modified()
    editor.undo_stack.redo()
    assert not editor.is_modified()
