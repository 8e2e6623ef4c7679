"""What edits change in a stage as the release engine reads it, said against the file as
saved (the document's baseline): the window names these before an action that reads the
saved file."""

from __future__ import annotations

import copy

from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.core.pipeline_yaml import PipelineDocument
from release_manager.core.stage_changes import first_stages, stage_changes

PIPELINE = """\
stages:
- stage: Build
  jobs:
  - job: Build
    steps:
    - script: echo build
- stage: Lint
  dependsOn: []
  jobs: []
- stage: Dev
  dependsOn: Build
  condition: and(succeeded(),
    eq(variables['Build.SourceBranchName'], 'main'))
  jobs:
  - deployment: Deploy
    environment: dev
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo dev
"""


def document() -> PipelineDocument:
    doc = PipelineDocument(PIPELINE, None)
    doc.pipeline.environments = {"dev": Environment("dev")}
    return doc


def changes(doc: PipelineDocument, saved_environments=None, stage: str = "Dev") -> list[str]:
    saved = copy.copy(doc.saved)
    saved.environments = saved_environments or {"dev": Environment("dev")}
    return [str(change) for change in stage_changes(saved, doc.pipeline, stage)]


def test_no_edit_no_change() -> None:
    doc = document()
    assert changes(doc) == []
    doc.pipeline.set_condition("Build", "always()")
    assert changes(doc) == []  # another stage's edit
    assert [c.aspect for c in stage_changes(doc.saved, doc.pipeline, "Build")] == ["condition"]


def test_condition_dependencies_and_environment_are_named_with_what_is_saved() -> None:
    doc = document()
    doc.pipeline.set_condition("Dev", "false")
    doc.pipeline.set_depends_on("Dev", ["Build", "Lint"])
    doc.pipeline.set_environment("Dev", "prod")
    assert changes(doc) == [
        "condition false (saved: and(succeeded(), "
        "eq(variables['Build.SourceBranchName'], 'main')))",
        "depends on Build, Lint (saved: Build)",
        "deploys to prod (saved: dev)",
    ]


def test_removing_a_condition_reads_as_the_default() -> None:
    doc = document()
    doc.pipeline.set_condition("Dev", None)
    assert changes(doc)[0].startswith("condition succeeded() (saved: and(")


def test_a_rename_and_a_removal() -> None:
    doc = document()
    doc.pipeline.rename_stage("Dev", "Development")
    assert changes(doc) == ["renamed to Development"]
    doc.pipeline.remove_stage("Development")
    assert changes(doc) == ["removed from the pipeline"]


def test_an_environment_policy_of_the_stage() -> None:
    doc = document()
    doc.pipeline.environments["dev"] = Environment("dev", approval=ApprovalPolicy(
        approvers=["qa", "ops"], minimum_approvers=2, requester_cannot_approve=True))
    assert changes(doc) == [
        "dev needs approval by qa, ops (2 needed, not by the requester) "
        "(saved: no approval)"]
    saved = {"dev": Environment("dev", approval=ApprovalPolicy(
        approvers=["qa", "ops"], minimum_approvers=2, requester_cannot_approve=True,
        instructions="Look first"))}
    assert changes(doc, saved) == ["dev has other approval instructions or timeout"]
    doc.pipeline.environments["dev"] = Environment("dev", health_check=True)
    assert changes(doc, {"dev": Environment("dev")}) == [
        "dev has other checks (business hours, lock, health check)"]


def test_a_run_builds_the_stages_that_depend_on_nothing() -> None:
    doc = document()
    assert first_stages(doc.pipeline) == ["Build", "Lint"]


def test_the_steps_and_jobs_a_stage_runs_are_named_and_positions_are_not() -> None:
    from release_manager.core.pipeline_yaml import loads

    built = loads(PIPELINE).pipeline
    moved = loads("# a comment moves every line\n" + PIPELINE).pipeline
    assert stage_changes(built, moved, "Dev", kept_as="build 7") == []

    text = PIPELINE.replace("          - script: echo dev\n",
                            "          - script: echo dev\n          - script: curl evil\n")
    added = loads(text).pipeline
    assert [str(c) for c in stage_changes(built, added, "Dev", kept_as="build 7")] == [
        "a step was added"]
    assert [c.aspect for c in stage_changes(built, added, "Dev")] == ["steps"]

    edited = loads(PIPELINE.replace("echo dev", "echo prod")).pipeline
    assert [str(c) for c in stage_changes(built, edited, "Dev")] == ["a step was changed"]
    removed = loads(PIPELINE.replace("    - script: echo build\n", "")).pipeline
    assert [str(c) for c in stage_changes(built, removed, "Build")] == ["a step was removed"]
    more_jobs = loads(PIPELINE.replace(
        "    steps:\n    - script: echo build\n",
        "    steps:\n    - script: echo build\n  - job: Other\n    steps:\n"
        "    - script: echo other\n")).pipeline
    assert [str(c) for c in stage_changes(built, more_jobs, "Build")] == [
        "job Other was added"]


def test_against_a_build_the_earlier_version_is_named_as_the_build() -> None:
    from release_manager.core.pipeline_yaml import loads

    built = loads(PIPELINE).pipeline
    disk = loads(PIPELINE.replace("dependsOn: Build\n  condition: and(succeeded(),\n"
                                  "    eq(variables['Build.SourceBranchName'], 'main'))",
                                  "dependsOn: Build\n  condition: always()")).pipeline
    assert [str(c) for c in stage_changes(built, disk, "Dev", kept_as="build 7")] == [
        "condition always() (build 7: and(succeeded(), "
        "eq(variables['Build.SourceBranchName'], 'main')))"]
