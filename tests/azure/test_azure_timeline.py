"""A run's timeline, read through the real SDK from the emulator, as the engine shows
each stage: waiting for approval with the approval's id, running, succeeded, failed with
the reason, rejected, cancelled, retried; the `changeId` update merged into the last
timeline reads like the whole timeline read again."""

from __future__ import annotations

import pytest
from azure_model_service import Service

from release_manager.engine.azure.builds import build_status, remote_build
from release_manager.engine.azure.timeline import (
    change_id,
    find_stage,
    merge_timeline,
    records_of,
    stage_states,
)
from release_manager.engine.backend_errors import NotFound
from release_manager.engine.stage_order import GRAPH_STATES, next_stage


@pytest.fixture
def service(azure_devops) -> Service:
    return Service(azure_devops)


def states(service: Service, run_id: int) -> dict[str, tuple[str, str]]:
    return {s.identifier: (s.state, s.message) for s in stage_states(service.timeline(run_id))}


def test_a_stage_waiting_on_its_approval_shows_waiting_with_the_approval(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)

    stages = stage_states(service.timeline(run_id))
    pending = service.approvals()["value"]
    status = build_status(remote_build(service.build(run_id)), stages)

    assert [(s.identifier, s.name, s.state) for s in stages] == [
        ("Build", "Build", "succeeded"), ("Test", "Integration tests", "succeeded"),
        ("Prod", "Production", "waiting")]
    prod = find_stage(stages, "prod")
    assert prod.message == "waiting for approval"
    assert prod.approval_id == pending[0]["id"]
    assert {name: GRAPH_STATES[cell.state] for name, cell in status.stages.items()} == {
        "Build": "succeeded", "Test": "succeeded", "Prod": "waiting"}
    assert (status.id, status.branch, status.requested_by, status.reason) == (
        run_id, "main", "Ada Lovelace", "manual")


def test_stages_not_reached_have_no_cell_and_the_next_stage_is_the_first_of_them(
        azure_devops, service):
    service.web_app()
    run_id = service.queue()
    azure_devops.step(run_id)

    stages = stage_states(service.timeline(run_id))
    status = build_status(remote_build(service.build(run_id)), stages)

    assert stages[0].state in ("queued", "running")
    assert [(s.identifier, s.reached) for s in stages[1:]] == [("Test", False), ("Prod", False)]
    assert list(status.stages) == ["Build"]
    assert GRAPH_STATES[status.stages["Build"].state] == "running"


def test_approved_then_deployed_shows_succeeded(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)
    approval = find_stage(stage_states(service.timeline(run_id)), "Prod").approval_id

    service.decide("pat-bob", [approval], "approved", "ship it")
    running = states(service, run_id)["Prod"]
    azure_devops.finish(run_id)

    assert running == ("running", "")
    assert states(service, run_id)["Prod"] == ("succeeded", "")
    build = remote_build(service.build(run_id))
    assert (build.status, build.result) == ("completed", "succeeded")


def test_a_rejected_approval_shows_rejected_not_failed(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)
    approval = find_stage(stage_states(service.timeline(run_id)), "Prod").approval_id

    service.decide("pat-bob", [approval], "rejected", "not today")

    state, message = states(service, run_id)["Prod"]
    assert state == "rejected"
    assert "rejected" in message
    assert GRAPH_STATES[state] == "failed"


def test_a_failed_deployment_then_its_retry(azure_devops, service):
    service.web_app(min_required=1, prod_outcome="failed")
    run_id = service.queue()
    azure_devops.finish(run_id)
    service.decide("pat-bob", [find_stage(stage_states(service.timeline(run_id)),
                                          "Prod").approval_id], "approved")
    azure_devops.finish(run_id)
    failed = find_stage(stage_states(service.timeline(run_id)), "Prod")

    azure_devops.set_outcome(run_id, "Prod", "succeeded")
    service.retry(run_id, "prod")  # Azure matches the stage name in any case
    azure_devops.finish(run_id)
    waiting = find_stage(stage_states(service.timeline(run_id)), "Prod")
    service.decide("pat-bob", [waiting.approval_id], "approved")
    azure_devops.finish(run_id)
    again = find_stage(stage_states(service.timeline(run_id)), "Prod")

    assert (failed.state, failed.attempt) == ("failed", 1)
    assert (waiting.state, waiting.attempt) == ("waiting", 2)  # it passes its checks again
    assert waiting.approval_id != failed.approval_id
    assert (again.state, again.attempt) == ("succeeded", 2)
    assert remote_build(service.build(run_id)).result == "succeeded"


def test_cancelling_a_run_waiting_for_approval_shows_cancelled(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)

    service.cancel(run_id)
    azure_devops.finish(run_id)

    assert states(service, run_id)["Prod"][0] == "canceled"
    assert service.approvals()["value"] == []
    assert remote_build(service.build(run_id)).result == "canceled"


def test_a_stage_skipped_at_queue_time_shows_skipped(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue(stages_to_skip=["test"])
    azure_devops.finish(run_id)

    assert states(service, run_id)["Test"][0] == "skipped"


def test_the_change_id_update_merged_reads_as_the_whole_timeline(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)
    before = service.timeline(run_id)
    approval = find_stage(stage_states(before), "Prod").approval_id

    service.decide("pat-bob", [approval], "approved")
    azure_devops.finish(run_id)
    update = service.timeline(run_id, change_id=change_id(before))
    merged = merge_timeline(before, update)
    whole = service.timeline(run_id)

    assert 0 < len(records_of(update)) < len(records_of(whole))
    assert stage_states(merged) == stage_states(whole)
    assert find_stage(stage_states(merged), "Prod").state == "succeeded"
    assert change_id(merged) == change_id(whole) > change_id(before)
    assert merge_timeline(None, whole) == whole


def test_stages_match_in_any_case_by_name_or_display_name_and_unknown_ones_are_listed(
        azure_devops, service):
    service.web_app()
    run_id = service.queue()
    stages = stage_states(service.timeline(run_id))

    assert find_stage(stages, "PROD").identifier == "Prod"
    assert find_stage(stages, "integration TESTS").identifier == "Test"
    assert find_stage(stages, " build ").identifier == "Build"
    with pytest.raises(NotFound) as unknown:
        find_stage(stages, "Staging")
    assert str(unknown.value) == "no stage 'Staging' in this run (stages: Build, Test, Prod)"
    assert (unknown.value.kind, unknown.value.name) == ("stage", "Staging")
    with pytest.raises(NotFound):
        find_stage(stages, "Ｐｒｏｄ")  # fullwidth is another name to Azure


def test_a_run_from_the_pipelines_api_and_its_build_agree(azure_devops, service):
    service.web_app()
    run_id = service.queue(resources={"repositories": {"self": {
        "refName": "refs/heads/release/2.0"}}})
    azure_devops.finish(run_id)

    from_run = remote_build(service.run(run_id))
    from_build = remote_build(service.build(run_id))

    assert from_run.branch == from_build.branch == "release/2.0"
    assert from_run.commit == from_build.commit != ""
    assert from_run.number == from_build.number
    assert from_run.pipeline_id == from_build.pipeline_id == service.pipeline.id
    assert from_build.requested_by == "Ada Lovelace"
    stages = stage_states(service.timeline(run_id))
    assert next_stage(build_status(from_build, stages), ["Build", "Test", "Prod"], {}) is None
