"""PipelineEditor: one undoable command per edit, refusals, selection, diagnostics."""

from __future__ import annotations

from release_manager.core.model import Pipeline
from release_manager.core.pipeline_yaml import load, loads
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


DEPLOYING = """\
stages:
- stage: Build
  jobs:
  - job: Compile
    steps:
    - script: make
- stage: Dev
  jobs:
  - deployment: Deploy
    environment: dev
    strategy:
      runOnce:
        deploy:
          steps:
          - script: ./deploy.sh
- stage: Prod
  jobs:
  - job: Smoke
    steps:
    - script: ./smoke.sh
"""


def _values(pipeline: Pipeline) -> list:
    """What the edits below change, without the positions (a save moves those)."""
    return [(stage.name, stage.depends_on, stage.condition, stage.lock_behavior,
             stage.is_skippable, [(job.name, job.kind, job.environment) for job in stage.jobs])
            for stage in pipeline.stages] + [sorted(pipeline.environments)]


def test_undo_and_redo_give_back_exactly_each_state_of_edits_made_in_place(tmp_path) -> None:
    """Edits as the inspector makes them, some changing a stage or a deployment job in
    place (an undo state shares the stages an edit did not change with the states
    before it: a change in place must never reach them), with a save in between."""
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(DEPLOYING, encoding="utf-8")
    editor = PipelineEditor(load(path))
    pipeline = editor.pipeline

    def lock(p: Pipeline) -> None:
        p.stage("Dev").lock_behavior = "sequential"

    def not_skippable(p: Pipeline) -> None:
        p.stage("Prod").is_skippable = False

    edits = [
        lambda p: p.set_environment("Dev", "staging"),  # the deployment job, in place
        lock,
        lambda p: p.set_environment("Prod", "prod"),  # a deployment job added
        "save",
        not_skippable,
        lambda p: p.rename_stage("Dev", "Staging"),
        lambda p: p.connect("Build", "Prod"),
        lambda p: p.set_condition("Prod", "eq(variables['go'], 'yes')"),
        lambda p: p.remove_stage("Build"),
    ]
    states = [(_values(pipeline), editor.document.dumps())]
    for step in edits:
        if step == "save":
            editor.save()
            continue
        assert editor.apply("Edit", step)
        states.append((_values(pipeline), editor.document.dumps()))

    stack = editor.undo_stack
    for expected, text in reversed(states[:-1]):
        stack.undo()
        assert _values(pipeline) == expected and editor.document.dumps() == text
    assert path.read_text(encoding="utf-8") != DEPLOYING  # saved midway
    editor.save()
    assert path.read_text(encoding="utf-8") == DEPLOYING
    for expected, text in states[1:]:
        stack.redo()
        assert _values(pipeline) == expected and editor.document.dumps() == text
    assert pipeline.stage("Staging").jobs[0].environment == "staging"
    assert pipeline.stage("Staging").lock_behavior == "sequential"
