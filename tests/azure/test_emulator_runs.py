"""Runs on the emulator through the real SDK: queue with parameters, watch the timeline by
changeId, read logs as they grow, page builds, cancel, retry a stage."""

from __future__ import annotations

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.build.models import Build, UpdateStageParameters
from azure.devops.v7_1.pipelines.models import RunPipelineParameters
from azure_emulator import StageSpec
from azure_emulator.sdk import connection, raw

PROJECT = "Fabrikam-Fiber"


@pytest.fixture
def world(azure_devops):
    """A pipeline Build → QA → Prod and a signed-in user's SDK clients."""
    user = azure_devops.add_pat("pat-1", "Ada Lovelace")
    pipeline = azure_devops.add_pipeline("web-app", [
        StageSpec("Build"), StageSpec("QA", environment="qa"),
        StageSpec("Prod", environment="prod")])
    clients = connection(azure_devops.organization_url, "pat-1").clients_v7_1
    return pipeline, user, clients.get_pipelines_client(), clients.get_build_client()


def test_run_carries_branch_parameters_variables_and_skipped_stages(azure_devops, world):
    pipeline, user, pipelines, builds = world

    run = pipelines.run_pipeline(RunPipelineParameters(
        resources={"repositories": {"self": {"refName": "refs/heads/release/1.2"}}},
        template_parameters={"region": "westeurope"},
        variables={"RELEASE_TAG": {"value": "1.2.0", "isSecret": False}},
        stages_to_skip=["qa"]), PROJECT, pipeline.id)

    build = builds.get_build(PROJECT, run.id)
    stages = {r.identifier: r for r in builds.get_build_timeline(PROJECT, run.id).records
              if r.type == "Stage"}
    assert run.state == "inProgress" and run.pipeline.name == "web-app"
    assert run.template_parameters == {"region": "westeurope"}
    assert run.variables["RELEASE_TAG"].value == "1.2.0"
    assert build.source_branch == "refs/heads/release/1.2"
    assert build.requested_by.display_name == "Ada Lovelace"
    assert (stages["QA"].state, stages["QA"].result) == ("completed", "skipped")
    assert stages["Build"].state == "pending"


def test_unknown_stage_to_skip_is_refused_with_the_known_ones(world):
    pipeline, _, pipelines, _ = world

    with pytest.raises(AzureDevOpsServiceError) as error:
        pipelines.run_pipeline(RunPipelineParameters(stages_to_skip=["Staging"]),
                               PROJECT, pipeline.id)

    assert "Known stages: Build, QA, Prod" in str(error.value)


def test_timeline_change_id_returns_only_what_changed(azure_devops, world):
    pipeline, _, pipelines, builds = world
    run = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    whole = builds.get_build_timeline(PROJECT, run.id)
    last = max(r.change_id for r in whole.records)

    azure_devops.step(run.id)  # Build starts
    changed = builds.get_build_timeline(PROJECT, run.id, change_id=last)
    nothing = builds.get_build_timeline(
        PROJECT, run.id, change_id=max(r.change_id for r in changed.records))

    assert {r.type for r in whole.records} >= {"Stage", "Phase", "Job", "Task"}
    assert len(whole.records) == 3 * (3 + 2)  # 3 stages × (stage, phase, job, 2 tasks)
    build_stage = next(r for r in whole.records if r.identifier == "Build")
    assert sorted((r.type, r.state) for r in changed.records) == [
        ("Job", "inProgress"), ("Phase", "inProgress"), ("Stage", "inProgress"),
        ("Task", "inProgress")]
    assert next(r for r in changed.records if r.type == "Stage").id == build_stage.id
    assert nothing.records == []


def test_log_grows_while_the_stage_runs_and_reads_from_a_line(azure_devops, world):
    pipeline, _, pipelines, builds = world
    run = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    azure_devops.step(run.id)
    job = next(r for r in builds.get_build_timeline(PROJECT, run.id).records
               if r.type == "Job" and r.state == "inProgress")
    first = builds.get_build_log_lines(PROJECT, run.id, job.log.id)

    azure_devops.write_log(run.id, "Build", "compiling 42 files")
    azure_devops.write_log(run.id, "Build", "done")
    more = builds.get_build_log_lines(PROJECT, run.id, job.log.id, start_line=len(first) + 1)
    text = b"".join(builds.get_build_log(PROJECT, run.id, job.log.id)).decode()

    assert len(first) == 1 and first[0].endswith("Starting: Checkout")
    assert [line.split(" ", 1)[1] for line in more] == ["compiling 42 files", "done"]
    assert text.splitlines()[-1].endswith(" done")
    assert [log.line_count for log in builds.get_build_logs(PROJECT, run.id)
            if log.id == job.log.id] == [3]


def test_stages_run_in_order_and_the_run_completes(azure_devops, world):
    pipeline, _, pipelines, builds = world
    run = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)

    azure_devops.finish(run.id)

    finished = pipelines.get_run(PROJECT, pipeline.id, run.id)
    stages = [(r.identifier, r.result) for r in builds.get_build_timeline(PROJECT, run.id).records
              if r.type == "Stage"]
    assert (finished.state, finished.result) == ("completed", "succeeded")
    assert stages == [("Build", "succeeded"), ("QA", "succeeded"), ("Prod", "succeeded")]
    assert builds.get_build(PROJECT, run.id).result == "succeeded"


def test_failed_stage_skips_the_rest_and_a_retry_runs_it_again(azure_devops, world):
    pipeline, _, pipelines, builds = world
    run = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    azure_devops.set_outcome(run.id, "QA", "failed")
    azure_devops.finish(run.id)
    failed = {r.identifier: r.result for r in builds.get_build_timeline(PROJECT, run.id).records
              if r.type == "Stage"}

    azure_devops.set_outcome(run.id, "QA", "succeeded")
    builds.update_stage(UpdateStageParameters(state="retry"), run.id, "QA", PROJECT)
    reopened = builds.get_build(PROJECT, run.id)
    azure_devops.finish(run.id)
    stages = {r.identifier: r for r in builds.get_build_timeline(PROJECT, run.id).records
              if r.type == "Stage"}

    assert failed == {"Build": "succeeded", "QA": "failed", "Prod": "skipped"}
    assert builds.get_build(PROJECT, run.id).result == "succeeded"
    assert reopened.status == "inProgress"
    assert stages["QA"].attempt == 2 and stages["QA"].previous_attempts[0].attempt == 1
    assert stages["Prod"].result == "succeeded"


def test_cancel_ends_the_run(azure_devops, world):
    pipeline, _, pipelines, builds = world
    run = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    azure_devops.step(run.id)

    cancelling = builds.update_build(Build(status="cancelling"), PROJECT, run.id)
    azure_devops.step(run.id)

    done = builds.get_build(PROJECT, run.id)
    stages = {r.identifier: r.result for r in builds.get_build_timeline(PROJECT, run.id).records
              if r.type == "Stage"}
    assert cancelling.status == "cancelling"
    assert (done.status, done.result) == ("completed", "canceled")
    assert stages == {"Build": "canceled", "QA": "skipped", "Prod": "skipped"}


def test_builds_page_with_the_continuation_header(azure_devops, world):
    pipeline, user, _, builds = world
    for _ in range(5):
        azure_devops.queue(pipeline, user)

    first = raw(builds, "GET", f"/{PROJECT}/_apis/build/builds", "7.1", {"$top": 2})
    token = first.headers["X-MS-ContinuationToken"]
    second = raw(builds, "GET", f"/{PROJECT}/_apis/build/builds", "7.1",
                 {"$top": 2, "continuationToken": token})
    third = raw(builds, "GET", f"/{PROJECT}/_apis/build/builds", "7.1",
                {"$top": 2, "continuationToken": second.headers["X-MS-ContinuationToken"]})
    sdk_page = builds.get_builds(PROJECT, definitions=[pipeline.id], top=3)

    ids = [b["id"] for page in (first, second, third) for b in page.json()["value"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    assert "X-MS-ContinuationToken" not in third.headers
    assert [b.id for b in sdk_page] == ids[:3]


def test_request_log_counts_rest_calls(azure_devops, world):
    pipeline, _, pipelines, _ = world
    azure_devops.clear_log()

    pipelines.list_pipelines(PROJECT)
    pipelines.get_pipeline(PROJECT, pipeline.id)

    calls = azure_devops.calls("/_apis/pipelines", "GET")
    assert [(c.path, c.accept) for c in calls] == [
        (f"/fabrikam/{PROJECT}/_apis/pipelines", "application/json;api-version=7.1-preview.1"),
        (f"/fabrikam/{PROJECT}/_apis/pipelines/{pipeline.id}",
         "application/json;api-version=7.1-preview.1")]


def test_pipelines_api_lists_runs_and_their_logs(azure_devops, world):
    pipeline, _, pipelines, _ = world
    first = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    second = pipelines.run_pipeline(RunPipelineParameters(), PROJECT, pipeline.id)
    azure_devops.finish(first.id)

    runs = pipelines.list_runs(PROJECT, pipeline.id)
    logs = pipelines.list_logs(PROJECT, pipeline.id, first.id)
    one = pipelines.get_log(PROJECT, pipeline.id, first.id, logs.logs[0].id)

    assert [(r.id, r.state) for r in runs] == [(second.id, "inProgress"),
                                               (first.id, "completed")]
    assert len(logs.logs) == 3 * (1 + 2)  # a job log and a log per task, for each stage
    assert one.line_count == logs.logs[0].line_count > 0


def test_pipelines_page_with_the_continuation_header(azure_devops, world):
    _, _, pipelines, _ = world
    for name in ("api", "docs", "worker"):
        azure_devops.add_pipeline(name, [StageSpec("Build")])
    path = f"/{PROJECT}/_apis/pipelines"

    first = raw(pipelines, "GET", path, "7.1", {"$top": 3, "orderBy": "name asc"})
    rest = raw(pipelines, "GET", path, "7.1", {
        "$top": 3, "orderBy": "name asc",
        "continuationToken": first.headers["X-MS-ContinuationToken"]})

    assert [p["name"] for p in first.json()["value"]] == ["api", "docs", "web-app"]
    assert [p["name"] for p in rest.json()["value"]] == ["worker"]
    assert "X-MS-ContinuationToken" not in rest.headers
