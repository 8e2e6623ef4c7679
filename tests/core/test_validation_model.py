"""Model rules of core.validation on pipelines built by hand (what the GUI validates after
each edit): the stage graph, names, deployment jobs, stage conditions."""

from __future__ import annotations

from release_manager.core.model import Job, Pipeline, Pos, Stage, Step, Strategy
from release_manager.core.validation import Diagnostic, validate_pipeline


def stage(name: str, line: int, depends_on: list[str] | None = None, **kw) -> Stage:
    kw.setdefault("jobs", [Job("Work", pos=Pos(line + 2, 5))])
    return Stage(name, depends_on=depends_on, pos=Pos(line, 3), **kw)


def errors(pipeline: Pipeline) -> list[Diagnostic]:
    return [d for d in validate_pipeline(pipeline) if d.severity == "error"]


def test_a_clean_pipeline_has_no_findings() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Dev", 5), stage("Prod", 9, ["Dev"])])
    assert validate_pipeline(pipeline) == []


def test_a_cycle_is_named_in_run_order_at_its_first_stage() -> None:
    pipeline = Pipeline(stages=[
        stage("A", 1, ["C"]), stage("B", 5, ["A"]), stage("C", 9, ["B"]), stage("D", 13, ["C"]),
    ])
    [found] = errors(pipeline)
    assert found.message == "stages A → B → C → A form a cycle"
    assert (found.line, found.column, found.stage, found.code) == (1, 3, "A", "cycle")


def test_two_separate_cycles_are_both_reported() -> None:
    pipeline = Pipeline(stages=[
        stage("A", 1, ["B"]), stage("B", 2, ["A"]), stage("C", 3, ["D"]), stage("D", 4, ["C"]),
    ])
    assert sorted(d.message for d in errors(pipeline)) == [
        "stages A → B → A form a cycle", "stages C → D → C form a cycle",
    ]


def test_a_stage_depending_on_itself() -> None:
    [found] = errors(Pipeline(stages=[stage("A", 1, ["A"])]))
    assert found.message == "stage 'A' depends on itself"


def test_the_implicit_rule_takes_part_in_cycles() -> None:
    # B has no dependsOn, so it runs after A; A depending on B closes a cycle.
    pipeline = Pipeline(stages=[stage("A", 1, ["B"]), stage("B", 4)])
    assert [d.message for d in errors(pipeline)] == ["stages A → B → A form a cycle"]


def test_unknown_dependency_is_an_error_naming_both_stages() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Dev", 4, ["Biuld"])])
    [found] = errors(pipeline)
    assert found.message == "stage 'Dev' depends on unknown stage 'Biuld'"
    assert (found.stage, found.field) == ("Dev", "dependsOn")


def test_dependencies_match_stage_names_without_regard_to_case() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Dev", 4, ["build"])])
    assert errors(pipeline) == []


def test_unknown_dependency_is_only_a_warning_when_a_template_may_define_it() -> None:
    pipeline = Pipeline(stages=[
        Stage("build-stages", kind="template", template="templates/build.yml", pos=Pos(1, 3)),
        stage("Deploy", 3, ["Build"]),
    ])
    [found] = validate_pipeline(pipeline)
    assert found.severity == "warning"
    assert "'Build', which is not a stage of this file" in found.message
    assert "templates/build.yml" in found.message


def test_stages_inside_template_expression_blocks_are_known() -> None:
    pipeline = Pipeline(stages=[
        Stage("${{ if true }}", kind="expression", inner=["Canary"], pos=Pos(1, 3)),
        stage("Prod", 5, ["Canary"]),
    ])
    assert validate_pipeline(pipeline) == []


def test_duplicate_stage_names_point_at_both() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Build-2", 7)])
    pipeline.stages[1].name = "Build"
    found = errors(pipeline)
    assert [(d.line, d.message) for d in found] == [
        (1, "duplicate stage name 'Build' (also at line 7)"),
        (7, "duplicate stage name 'Build' (also at line 1)"),
    ]


def test_duplicates_renamed_apart_by_the_loader_are_still_duplicates() -> None:
    # The loader keeps names unique (`Build`, `Build-2`); the rule sees through that.
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Build-2", 7)])
    assert [d.code for d in errors(pipeline)] == ["duplicate-stage", "duplicate-stage"]


def test_invalid_stage_names() -> None:
    pipeline = Pipeline(stages=[stage("2Build", 1), stage("Dev-Env", 4), stage("_ok_9", 8)])
    assert [d.message for d in errors(pipeline)] == [
        "invalid stage name '2Build': use letters, digits and underscores, "
        "not starting with a digit",
        "invalid stage name 'Dev-Env': use letters, digits and underscores, "
        "not starting with a digit",
    ]


def test_names_made_by_template_expressions_are_not_judged() -> None:
    pipeline = Pipeline(stages=[stage("deploy_${{ parameters.env }}", 1)])
    assert validate_pipeline(pipeline) == []


def test_duplicate_and_invalid_job_names_in_a_stage() -> None:
    jobs = [Job("Build", pos=Pos(3, 5)), Job("Build-2", pos=Pos(9, 5)),
            Job("bad name", pos=Pos(12, 5))]
    pipeline = Pipeline(stages=[stage("Build", 1, jobs=jobs)])
    assert [(d.line, d.message) for d in errors(pipeline)] == [
        (3, "duplicate job name 'Build' in stage 'Build' (also at line 9)"),
        (9, "duplicate job name 'Build' in stage 'Build' (also at line 3)"),
        (12, "invalid job name 'bad name': use letters, digits and underscores, "
             "not starting with a digit"),
    ]


def test_same_job_name_in_two_stages_is_fine() -> None:
    pipeline = Pipeline(stages=[
        stage("Dev", 1, jobs=[Job("Deploy", "deployment", environment="dev")]),
        stage("Prod", 9, jobs=[Job("Deploy", "deployment", environment="prod")]),
    ])
    assert validate_pipeline(pipeline) == []


def test_a_deployment_job_needs_an_environment() -> None:
    job = Job("Deploy", "deployment", strategy=Strategy(hooks={"deploy": [Step("script")]}),
              pos=Pos(4, 5))
    pipeline = Pipeline(stages=[stage("Prod", 1, jobs=[job])])
    [found] = errors(pipeline)
    assert found.message == "deployment job 'Deploy' has no environment"
    assert (found.line, found.column, found.field) == (4, 5, "environment")
    pipeline.set_environment("Prod", "production")
    assert errors(pipeline) == []


def test_condition_syntax_error_of_an_edited_condition_points_at_the_key() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Prod", 4)])
    pipeline.stages[1].key_pos["condition"] = Pos(6, 3)
    pipeline.set_condition("Prod", "and(succeeded(), eq(1, 2)))")
    [found] = errors(pipeline)
    assert (found.line, found.column, found.field) == (6, 3, "condition")
    assert found.message == (
        "invalid condition: Unexpected symbol: ')' (column 27 of the condition)"
    )


def test_condition_referring_to_a_stage_that_is_not_a_dependency_warns() -> None:
    pipeline = Pipeline(stages=[
        stage("Build", 1), stage("Test", 4),
        stage("Prod", 8, condition="eq(dependencies.Build.result, 'Succeeded')"),
    ])
    [found] = validate_pipeline(pipeline)
    assert found.severity == "warning"
    assert "refers to stage 'Build', which is not one of its dependencies" in found.message
    pipeline.set_depends_on("Prod", ["Build", "Test"])
    assert validate_pipeline(pipeline) == []


def test_condition_referring_to_an_unknown_stage_warns() -> None:
    pipeline = Pipeline(
        stages=[stage("Build", 1), stage("Prod", 4, condition="succeeded('Bulid')")]
    )
    [found] = validate_pipeline(pipeline)
    assert found.message == "the condition of stage 'Prod' refers to unknown stage 'Bulid'"


def test_template_expression_conditions_are_not_parsed() -> None:
    pipeline = Pipeline(stages=[stage("Prod", 1, condition="${{ parameters.condition }}")])
    assert validate_pipeline(pipeline) == []


def test_diagnostic_prints_as_file_line_column() -> None:
    found = Diagnostic("error", "boom", 3, 7, file="a.yml")
    assert str(found) == "a.yml:3:7: error: boom"


def test_a_stage_without_jobs_is_an_error_at_the_stage() -> None:
    pipeline = Pipeline(stages=[stage("Build", 1), stage("Prod", 5, jobs=[])])
    [found] = errors(pipeline)
    assert found.message == "stage 'Prod' has no jobs: Azure needs at least one job in a stage"
    assert (found.line, found.column, found.stage, found.field, found.code) == (
        5, 3, "Prod", "jobs", "empty-stage")


def test_template_references_and_expression_blocks_have_no_jobs_of_their_own() -> None:
    pipeline = Pipeline(stages=[
        Stage("build", kind="template", template="stages/build.yml", pos=Pos(1, 3)),
        Stage("${{ if true }}", kind="expression", inner=["Canary"], pos=Pos(3, 3)),
    ])
    assert validate_pipeline(pipeline) == []


def test_a_deployment_job_made_in_the_editor_needs_a_deploy_hook_with_steps() -> None:
    deploy = Job("Deploy", "deployment", environment="prod", strategy=Strategy("rolling"))
    pipeline = Pipeline(stages=[stage("Prod", 1, jobs=[deploy])])
    assert [d.message for d in errors(pipeline)] == [
        "deployment job 'Deploy': its deploy hook has no steps",
    ]
    deploy.strategy = Strategy("rolling", hooks={"preDeploy": [Step("script", "./check")]})
    assert [d.message for d in errors(pipeline)] == [
        "deployment job 'Deploy': its rolling strategy has no deploy hook",
    ]
