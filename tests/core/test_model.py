"""The pipeline model's editing operations and Azure's implicit dependency rule."""

from __future__ import annotations

import pytest

from release_manager.core.model import (
    ApprovalPolicy,
    Job,
    ModelError,
    Pipeline,
    Schedule,
    Stage,
)


def chain(*names: str) -> Pipeline:
    """Stages with no `dependsOn`: each runs after the one before it."""
    return Pipeline(stages=[Stage(name) for name in names])


def graph(pipeline: Pipeline) -> dict[str, list[str]]:
    return {stage.name: pipeline.dependencies(stage.name) for stage in pipeline.stages}


# ------------------------------------------------------------------ the implicit rule


def test_no_depends_on_means_the_stage_before_and_the_first_stage_runs_first() -> None:
    assert graph(chain("Build", "Dev", "Test")) == {
        "Build": [], "Dev": ["Build"], "Test": ["Dev"]}


def test_an_empty_depends_on_means_no_dependency() -> None:
    pipeline = chain("Build", "Lint")
    pipeline.stage("Lint").depends_on = []
    assert graph(pipeline) == {"Build": [], "Lint": []}
    assert pipeline.edges() == []


def test_edges_skip_unknown_stages_and_ancestors_follow_indirect_dependencies() -> None:
    pipeline = chain("Build", "Dev", "Test")
    pipeline.stage("Test").depends_on = ["Dev", "Missing"]
    assert pipeline.edges() == [("Build", "Dev"), ("Dev", "Test")]
    assert pipeline.ancestors("Test") == ["Dev", "Build"]
    assert pipeline.dependants("Build") == ["Dev"]


# ------------------------------------------------------------------ add / remove


def test_stage_names_resolve_in_any_case_as_azure_resolves_them() -> None:
    pipeline = chain("Build", "Dev", "Test")
    pipeline.stage("Dev").depends_on = ["build"]
    pipeline.stage("Test").depends_on = ["DEV", "Nowhere"]
    assert graph(pipeline) == {"Build": [], "Dev": ["Build"], "Test": ["Dev", "Nowhere"]}
    assert pipeline.edges() == [("Build", "Dev"), ("Dev", "Test")]
    assert pipeline.ancestors("test") == ["Dev", "Build"]
    assert pipeline.dependants("BUILD") == ["Dev"]
    assert pipeline.stage("dev").name == "Dev"
    assert pipeline.resolve("tEsT") == "Test" and pipeline.resolve("Nowhere") == "Nowhere"
    with pytest.raises(ModelError, match="already a stage named 'Build'"):
        pipeline.add_stage("build")


def test_edits_follow_a_dependency_written_in_another_case() -> None:
    pipeline = chain("Build", "Dev", "Test")
    pipeline.stage("Dev").depends_on = ["build"]
    pipeline.stage("Test").depends_on = ["dev"]
    pipeline.rename_stage("Build", "Compile")
    assert pipeline.stage("Dev").depends_on == ["Compile"]
    pipeline.rename_stage("Compile", "COMPILE")  # a change of case alone is allowed
    assert graph(pipeline)["Dev"] == ["COMPILE"]
    with pytest.raises(ModelError, match="would make a cycle"):
        pipeline.connect("test", "compile")
    pipeline.remove_stage("DEV")
    assert pipeline.stage("Test").depends_on == ["COMPILE"]


def test_adding_a_stage_at_the_end_depends_on_the_last_one() -> None:
    pipeline = chain("Build", "Dev")
    stage = pipeline.add_stage("Test")
    assert stage.depends_on == ["Dev"]
    assert graph(pipeline)["Test"] == ["Dev"]


def test_a_new_stage_starts_with_one_job_of_one_step() -> None:
    # Azure refuses a stage without jobs ("must contain at least one job with no
    # dependencies"): the new stage has one for the user to edit.
    [job] = chain("Build").add_stage("Test").jobs
    assert (job.name, job.kind, job.depends_on) == ("Job", "job", None)
    assert [(step.kind, step.value) for step in job.steps] == [
        ("script", "echo Add the steps of this stage here")
    ]


def test_inserting_a_stage_does_not_rewire_its_neighbours() -> None:
    pipeline = chain("Build", "Dev")
    pipeline.add_stage("Lint", index=1, depends_on=[])
    assert pipeline.stage_names == ["Build", "Lint", "Dev"]
    assert graph(pipeline) == {"Build": [], "Lint": [], "Dev": ["Build"]}
    assert pipeline.stage("Dev").depends_on == ["Build"]  # written out, was implicit


@pytest.mark.parametrize("bad", ["1st", "with space", "dash-ed", "", "Dev"])
def test_a_new_stage_needs_a_valid_unused_name(bad: str) -> None:
    with pytest.raises(ModelError):
        chain("Build", "Dev").add_stage(bad)


def test_adding_with_an_unknown_dependency_is_refused() -> None:
    with pytest.raises(ModelError, match="no stage named 'Nope'"):
        chain("Build").add_stage("Dev", depends_on=["Nope"])


def test_removing_a_stage_reconnects_its_dependants_to_its_dependencies() -> None:
    pipeline = chain("Build", "Dev", "Test")
    removed = pipeline.remove_stage("Dev", reconnect=True)
    assert removed.name == "Dev"
    assert graph(pipeline) == {"Build": [], "Test": ["Build"]}


def test_removing_a_stage_can_leave_its_dependants_without_it() -> None:
    pipeline = chain("Build", "Dev", "Test")
    pipeline.remove_stage("Dev", reconnect=False)
    assert graph(pipeline) == {"Build": [], "Test": []}


def test_removing_keeps_other_dependencies_of_a_fan_in() -> None:
    pipeline = chain("Build", "DevA", "DevB", "Prod")
    pipeline.stage("DevB").depends_on = ["Build"]
    pipeline.stage("Prod").depends_on = ["DevA", "DevB"]
    pipeline.remove_stage("DevA", reconnect=True)
    assert graph(pipeline)["Prod"] == ["DevB", "Build"]


def test_insert_stage_puts_back_a_removed_stage() -> None:
    pipeline = chain("Build", "Dev")
    stage = pipeline.remove_stage("Dev")
    pipeline.insert_stage(stage, 1)
    assert pipeline.stage_names == ["Build", "Dev"]
    with pytest.raises(ModelError, match="already a stage"):
        pipeline.insert_stage(Stage("Dev"), 0)


# ------------------------------------------------------------------ rename


def test_rename_rewrites_depends_on_and_conditions() -> None:
    pipeline = chain("Build", "Dev", "Test")
    pipeline.stage("Test").depends_on = ["Dev"]
    pipeline.stage("Test").condition = (
        "and(succeeded('Dev'), eq(dependencies.Dev.result, 'Succeeded'))")
    pipeline.rename_stage("Dev", "Development")
    assert pipeline.stage_names == ["Build", "Development", "Test"]
    assert pipeline.stage("Test").depends_on == ["Development"]
    assert pipeline.stage("Test").condition == (
        "and(succeeded('Development'), eq(dependencies.Development.result, 'Succeeded'))")


def test_rename_to_an_invalid_or_taken_name_is_refused_and_changes_nothing() -> None:
    pipeline = chain("Build", "Dev")
    with pytest.raises(ModelError, match="not a valid stage name"):
        pipeline.rename_stage("Dev", "9lives")
    with pytest.raises(ModelError, match="already a stage"):
        pipeline.rename_stage("Dev", "Build")
    assert pipeline.stage_names == ["Build", "Dev"]


# ------------------------------------------------------------------ connect


def test_connect_adds_to_the_effective_dependencies() -> None:
    pipeline = chain("Build", "Lint", "Dev")
    pipeline.connect("Build", "Dev")
    assert graph(pipeline)["Dev"] == ["Lint", "Build"]


@pytest.mark.parametrize(("up", "down", "message"), [
    ("Dev", "Dev", "itself"),
    ("Build", "Dev", "already depends"),
    ("Test", "Build", "would make a cycle"),
    ("Nope", "Dev", "no stage named"),
])
def test_connect_refuses_self_loops_duplicates_cycles_and_unknowns(
    up: str, down: str, message: str
) -> None:
    pipeline = chain("Build", "Dev", "Test")
    with pytest.raises(ModelError, match=message):
        pipeline.connect(up, down)
    assert graph(pipeline) == graph(chain("Build", "Dev", "Test"))


def test_disconnect_removes_one_dependency() -> None:
    pipeline = chain("Build", "Dev")
    pipeline.disconnect("Build", "Dev")
    assert graph(pipeline)["Dev"] == []
    with pytest.raises(ModelError, match="does not depend"):
        pipeline.disconnect("Build", "Dev")


def test_set_depends_on_refuses_a_cycle_and_keeps_the_old_list() -> None:
    pipeline = chain("Build", "Dev", "Test")
    with pytest.raises(ModelError, match="depend on itself"):
        pipeline.set_depends_on("Build", ["Test"])
    assert pipeline.stage("Build").depends_on is None
    pipeline.set_depends_on("Test", ["Build"])
    assert graph(pipeline)["Test"] == ["Build"]
    pipeline.set_depends_on("Test", None)
    assert graph(pipeline)["Test"] == ["Dev"]


# ------------------------------------------------------------------ fields


def test_set_condition_blank_means_the_default() -> None:
    pipeline = chain("Build", "Dev")
    pipeline.set_condition("Dev", "eq(variables['Build.Reason'], 'Manual')")
    assert pipeline.stage("Dev").condition == "eq(variables['Build.Reason'], 'Manual')"
    pipeline.set_condition("Dev", "   ")
    assert pipeline.stage("Dev").condition is None


def test_set_environment_points_deployment_jobs_or_adds_one() -> None:
    pipeline = chain("Build", "Dev")
    pipeline.set_environment("Dev", "dev")
    [job] = pipeline.stage("Dev").jobs
    assert (job.kind, job.environment) == ("deployment", "dev")
    # Azure refuses a deploy hook without steps.
    assert job.strategy is not None and [s.value for s in job.strategy.hooks["deploy"]] == [
        "echo Deploying to $(Environment.Name)"
    ]
    assert pipeline.stage("Dev").environments == ["dev"]
    assert "dev" in pipeline.environments
    pipeline.stage("Dev").jobs.append(Job("Other", kind="deployment", environment="x"))
    pipeline.set_environment("Dev", "development")
    assert pipeline.stage("Dev").environments == ["development"]
    pipeline.set_environment("Dev", None)
    assert pipeline.stage("Dev").environments == []


def test_environment_policies_are_created_on_first_use() -> None:
    pipeline = Pipeline()
    pipeline.environment("staging").approval = ApprovalPolicy(approvers=["qa"])
    assert pipeline.environment("staging").approval.approvers == ["qa"]


def test_schedules_are_added_replaced_and_removed() -> None:
    pipeline = Pipeline()
    pipeline.add_schedule(Schedule("0 3 * * *", "Nightly"))
    pipeline.add_schedule(Schedule("0 12 * * 1", "Weekly"), index=0)
    assert [s.display_name for s in pipeline.schedules] == ["Weekly", "Nightly"]
    pipeline.set_schedule(1, Schedule("0 4 * * *", "Nightly"))
    assert pipeline.schedules[1].cron == "0 4 * * *"
    assert pipeline.remove_schedule(0).display_name == "Weekly"
    assert len(pipeline.schedules) == 1


def test_reorder_keeps_the_graph_the_user_sees() -> None:
    pipeline = chain("Build", "Dev", "Test", "Prod")
    before = graph(pipeline)
    pipeline.reorder_stage("Test", 0)
    assert pipeline.stage_names == ["Test", "Build", "Dev", "Prod"]
    assert graph(pipeline) == before
    pipeline.reorder_stage("Test", 3)
    assert pipeline.stage_names == ["Build", "Dev", "Prod", "Test"]
    assert graph(pipeline) == before


@pytest.mark.parametrize("operation", [
    lambda p: p.rename_stage("T", "Other"),
    lambda p: p.set_condition("T", "always()"),
    lambda p: p.connect("Build", "T"),
    lambda p: p.set_environment("T", "dev"),
    lambda p: p.set_display_name("X", "Block"),
])
def test_templates_and_expression_blocks_refuse_what_yaml_cannot_hold(operation) -> None:
    pipeline = Pipeline(stages=[
        Stage("Build"), Stage("T", kind="template", template="stages/deploy.yml"),
        Stage("X", kind="expression"),
    ])
    with pytest.raises(ModelError, match="template reference|kept as written"):
        operation(pipeline)


# ------------------------------------------------------------------ snapshots


def test_snapshot_and_restore_give_undo_without_copying_identity() -> None:
    pipeline = chain("Build", "Dev")
    before = pipeline.snapshot()
    pipeline.rename_stage("Dev", "Development")
    pipeline.add_stage("Test")
    holder = pipeline
    pipeline.restore(before)
    assert holder is pipeline
    assert pipeline.stage_names == ["Build", "Dev"]
    assert pipeline == before
    assert pipeline.stages[1].uid == before.stages[1].uid
    pipeline.rename_stage("Dev", "Other")
    assert before.stage_names == ["Build", "Dev"]  # the snapshot is not shared


def test_a_snapshot_copies_only_the_stages_changed_since_the_one_before_it() -> None:
    """Undo on a large pipeline costs what an edit changed, not the pipeline's size: a
    stage unchanged since the previous snapshot is that snapshot's copy; whatever is
    later changed in place on the pipeline never reaches either snapshot."""
    pipeline = chain("Build", "Dev", "Test", "Prod")
    first = pipeline.snapshot()
    pipeline.set_environment("Dev", "dev")  # adds a job
    pipeline.stage("Test").lock_behavior = "sequential"  # as the inspector sets it
    second = pipeline.snapshot(first)

    shared = [a is b for a, b in zip(first.stages, second.stages, strict=True)]
    assert shared == [True, False, False, True]
    pipeline.stage("Dev").jobs[0].environment = "prod"  # in place, as set_environment does
    pipeline.stage("Test").lock_behavior = "runLatest"
    pipeline.remove_stage("Build")

    pipeline.restore(first)
    assert pipeline == first
    assert pipeline.stage("Dev").jobs == [] and pipeline.stage("Test").lock_behavior == ""
    pipeline.restore(second)
    assert pipeline == second
    assert pipeline.stage("Dev").environments == ["dev"]
    assert pipeline.stage("Test").lock_behavior == "sequential"
    assert pipeline.stage_names == ["Build", "Dev", "Test", "Prod"]


def test_the_graph_of_the_largest_pipeline_under_the_input_cap_is_read_whole() -> None:
    """21 795 stages (what 2 MB of YAML holds), each after one or two earlier ones, some
    written in another case: every lookup by name is one step, not a scan of the stages
    (a scan per dependency took minutes here)."""
    count = 21_795
    stages = [Stage("S0")]
    for index in range(1, count):
        needs = [index - 1] if index % 3 or index < 12 else [index - 1, index - 11]
        written = [f"s{n}" if index % 5 == 0 else f"S{n}" for n in needs]
        stages.append(Stage(f"S{index}", depends_on=written))
    pipeline = Pipeline(stages=stages)

    edges = pipeline.edges()
    assert len(edges) == count - 1 + len(range(12, count, 3))
    assert edges[-1] == ("S21793", "S21794")
    assert ("S21781", "S21792") in edges and ("S21790", "S21791") in edges
    needs = pipeline.dependency_map()
    assert needs["S15"] == ["S14", "S4"] and needs["S21794"] == ["S21793"]
    assert len(pipeline.ancestors("S21794")) == count - 1
