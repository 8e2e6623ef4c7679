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
