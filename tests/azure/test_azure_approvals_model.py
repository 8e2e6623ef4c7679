"""Pending approvals read from the emulator (raw REST, `$expand=steps`) as the approvals
inbox shows them: tied to their run and stage through the timeline, approvers named, how
many are needed, who can decide now; the PATCH body decides one or several at once."""

from __future__ import annotations

import pytest
from azure_emulator import StageSpec
from azure_model_service import Service

from release_manager.engine.azure.approvals import decision_body, pending_approvals
from release_manager.engine.azure.builds import remote_build
from release_manager.engine.azure.deployments import environment_history
from release_manager.engine.azure.timeline import find_stage, stage_states


@pytest.fixture
def service(azure_devops) -> Service:
    return Service(azure_devops)


def inbox(service: Service, *run_ids: int):
    runs = [(remote_build(service.build(run_id)), stage_states(service.timeline(run_id)))
            for run_id in run_ids]
    return pending_approvals(service.approvals(), runs)


def test_a_waiting_stage_s_approval_names_its_run_stage_and_approvers(azure_devops, service):
    service.web_app(min_required=1, instructions="Check the release notes")
    run_id = service.queue()
    azure_devops.finish(run_id)

    [approval] = inbox(service, run_id)

    assert (approval.run_id, approval.stage, approval.stage_name) == (run_id, "Prod",
                                                                     "Production")
    assert approval.approvers == ["Ada Lovelace", "Bob Builder"]
    assert [a.id for a in (s.approver for s in approval.steps)] == [service.ada.id,
                                                                    service.bob.id]
    assert (approval.required, approval.order) == (1, "any")
    assert approval.waiting_for == ["Ada Lovelace", "Bob Builder"]
    assert approval.instructions == "Check the release notes"
    assert approval.requested_by == "Ada Lovelace"
    assert approval.id == find_stage(stage_states(service.timeline(run_id)), "Prod").approval_id


def test_minimum_zero_needs_everyone_and_shows_who_has_decided(azure_devops, service):
    service.web_app(min_required=0)
    run_id = service.queue()
    azure_devops.finish(run_id)
    [before] = inbox(service, run_id)

    service.decide("pat-ada", [before.id], "approved", "fine by me")
    [after] = inbox(service, run_id)

    assert before.required == 2
    assert [(s.approver.name, s.status) for s in after.steps] == [
        ("Ada Lovelace", "approved"), ("Bob Builder", "pending")]
    assert (after.steps[0].decided_by, after.steps[0].comment) == ("Ada Lovelace", "fine by me")
    assert after.waiting_for == ["Bob Builder"]


def test_in_sequence_only_the_first_pending_approver_can_decide(azure_devops, service):
    service.web_app(order="inSequence")
    run_id = service.queue()
    azure_devops.finish(run_id)

    [approval] = inbox(service, run_id)

    assert (approval.order, approval.required) == ("sequential", 2)
    assert approval.waiting_for == ["Ada Lovelace"]


def test_one_patch_approves_two_runs_and_both_deploy(azure_devops, service):
    service.web_app(min_required=1)
    first, second = service.queue(), service.queue()
    azure_devops.finish(first)
    azure_devops.finish(second)
    waiting = inbox(service, first, second)

    answer = service.decide("pat-bob", [a.id for a in waiting], "approved", "both")

    assert [(a.run_id, a.stage) for a in waiting] == [(first, "Prod"), (second, "Prod")]
    assert [a["status"] for a in answer["value"]] == ["approved", "approved"]
    assert inbox(service, first, second) == []
    for run_id in (first, second):
        assert find_stage(stage_states(service.timeline(run_id)), "Prod").state == "running"


def test_approvals_of_other_pipelines_in_the_project_are_left_out(azure_devops, service):
    service.web_app(min_required=1)
    mine = service.queue()
    other = azure_devops.add_pipeline("api", [StageSpec("Prod", environment="Prod")])
    theirs = azure_devops.queue(other, service.bob)
    azure_devops.finish(mine)
    azure_devops.finish(theirs.id)

    assert len(service.approvals()["value"]) == 2
    assert [a.run_id for a in inbox(service, mine)] == [mine]


def test_a_decision_is_approved_or_rejected_only():
    assert decision_body(["a1"], "rejected", "no") == [
        {"approvalId": "a1", "status": "rejected", "comment": "no"}]
    with pytest.raises(ValueError, match="approved or rejected, not 'approve'"):
        decision_body(["a1"], "approve")


def test_waiting_with_its_approvers_then_approved_deployed_and_current(azure_devops, service):
    service.web_app(min_required=1)
    run_id = service.queue()
    azure_devops.finish(run_id)
    [approval] = inbox(service, run_id)
    waiting = find_stage(stage_states(service.timeline(run_id)), "production")

    service.decide("pat-bob", [approval.id], "approved", "go")
    azure_devops.finish(run_id)
    done = find_stage(stage_states(service.timeline(run_id)), "prod")
    prod = environment_history("Prod", service.deployment_records(service.prod.id))

    assert (waiting.state, approval.waiting_for) == ("waiting",
                                                     ["Ada Lovelace", "Bob Builder"])
    assert done.state == "succeeded"
    assert inbox(service, run_id) == []
    assert (prod.current_build, prod.current.stage) == (run_id, "Prod")
