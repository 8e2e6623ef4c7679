"""Pipeline approvals on the emulator through the SDK's authenticated sender (raw REST, as
the SDK has no approvals client): a run waits, an approver decides, the run moves on."""

from __future__ import annotations

import pytest
from azure.devops.exceptions import AzureDevOpsServiceError
from azure.devops.v7_1.build.models import UpdateStageParameters
from azure.devops.v7_1.pipelines.models import RunPipelineParameters
from azure_emulator import StageSpec, auth
from azure_emulator.sdk import connection, raw

PROJECT = "Fabrikam-Fiber"
APPROVALS = f"/{PROJECT}/_apis/pipelines/approvals"


class People:
    """The requester and two approvers, each with their own SDK connection."""

    def __init__(self, emulator) -> None:
        self.ada = emulator.add_pat("pat-ada", "Ada Lovelace")
        self.bob = emulator.add_pat("pat-bob", "Bob Builder")
        self.cy = emulator.add_pat("pat-cy", "Cy Young")
        self.url = emulator.organization_url

    def clients(self, token: str):
        return connection(self.url, token).clients_v7_1


@pytest.fixture
def people(azure_devops) -> People:
    return People(azure_devops)


def start_waiting_run(emulator, people: People, **check) -> tuple[int, str]:
    """Build → Prod, Prod guarded by an Approval check; the run (queued by Ada) waits."""
    prod = emulator.add_environment("Prod")
    emulator.add_approval_check(prod, check.pop("approvers", [people.ada, people.bob]), **check)
    pipeline = emulator.add_pipeline("web-app", [StageSpec("Build"),
                                                 StageSpec("Prod", environment="prod")])
    run = people.clients("pat-ada").get_pipelines_client().run_pipeline(
        RunPipelineParameters(), PROJECT, pipeline.id)
    emulator.finish(run.id)
    pending = raw(people.clients("pat-ada").get_pipelines_client(), "GET", APPROVALS, "7.1",
                  {"state": "pending", "$expand": "steps"}).json()["value"]
    assert len(pending) == 1
    return run.id, pending[0]["id"]


def decide(people: People, token: str, approval_id: str, status: str, comment: str = ""):
    client = people.clients(token).get_pipelines_client()
    return raw(client, "PATCH", APPROVALS, "7.1", None,
               [{"approvalId": approval_id, "status": status, "comment": comment}]).json()


def stage_records(people: People, run_id: int) -> dict:
    builds = people.clients("pat-ada").get_build_client()
    return {r.identifier or r.type: r for r in builds.get_build_timeline(PROJECT, run_id).records
            if r.type in ("Stage", "Checkpoint.Approval")}


def test_run_waits_then_approval_moves_it_on_and_the_stage_logs(azure_devops, people):
    run_id, approval_id = start_waiting_run(azure_devops, people, min_required=1)
    waiting = stage_records(people, run_id)

    answer = decide(people, "pat-bob", approval_id, "approved", "LGTM")
    started = stage_records(people, run_id)
    azure_devops.write_log(run_id, "Prod", "deploying to prod")
    builds = people.clients("pat-bob").get_build_client()
    job = next(r for r in builds.get_build_timeline(PROJECT, run_id).records
               if r.type == "Job" and r.state == "inProgress")
    lines = builds.get_build_log_lines(PROJECT, run_id, job.log.id)

    assert waiting["Prod"].state == "pending"
    assert waiting["Checkpoint.Approval"].id == approval_id
    assert waiting["Checkpoint.Approval"].state == "inProgress"
    assert answer["value"][0]["status"] == "approved"
    step = next(s for s in answer["value"][0]["steps"] if s["status"] == "approved")
    assert (step["actualApprover"]["displayName"], step["comment"]) == ("Bob Builder", "LGTM")
    assert started["Prod"].state == "inProgress"
    assert started["Checkpoint.Approval"].result == "succeeded"
    assert lines[-1].endswith(" deploying to prod")
    assert azure_devops.finish(run_id).result == "succeeded"


def test_requester_cannot_approve_when_the_check_says_so(azure_devops, people):
    run_id, approval_id = start_waiting_run(
        azure_devops, people, min_required=1, requester_cannot_approve=True)
    client = people.clients("pat-ada").get_pipelines_client()

    with pytest.raises(AzureDevOpsServiceError) as refused:
        raw(client, "PATCH", APPROVALS, "7.1", None,
            [{"approvalId": approval_id, "status": "approved"}])

    assert "Ada Lovelace requested this run and cannot approve it" in str(refused.value)
    assert stage_records(people, run_id)["Prod"].state == "pending"


def test_all_approvers_are_needed_when_the_minimum_is_zero(azure_devops, people):
    run_id, approval_id = start_waiting_run(azure_devops, people, min_required=0)

    after_one = decide(people, "pat-ada", approval_id, "approved")["value"][0]["status"]
    still = stage_records(people, run_id)["Prod"].state
    after_two = decide(people, "pat-bob", approval_id, "approved")["value"][0]["status"]

    assert (after_one, still, after_two) == ("pending", "pending", "approved")
    assert stage_records(people, run_id)["Prod"].state == "inProgress"


def test_in_sequence_the_second_approver_waits_for_the_first(azure_devops, people):
    _, approval_id = start_waiting_run(azure_devops, people, order="inSequence")
    client = people.clients("pat-bob").get_pipelines_client()

    with pytest.raises(AzureDevOpsServiceError) as refused:
        raw(client, "PATCH", APPROVALS, "7.1", None,
            [{"approvalId": approval_id, "status": "approved"}])
    decide(people, "pat-ada", approval_id, "approved")
    last = decide(people, "pat-bob", approval_id, "approved")["value"][0]

    assert "waits for Ada Lovelace first" in str(refused.value)
    assert [s["status"] for s in last["steps"]] == ["approved", "approved"]
    assert last["status"] == "approved"


def test_someone_not_an_approver_is_refused(azure_devops, people):
    _, approval_id = start_waiting_run(azure_devops, people)
    client = people.clients("pat-cy").get_pipelines_client()

    with pytest.raises(AzureDevOpsServiceError) as refused:
        raw(client, "PATCH", APPROVALS, "7.1", None,
            [{"approvalId": approval_id, "status": "approved"}])

    assert "Cy Young is not an approver" in str(refused.value)


def test_rejection_ends_the_stage_and_the_run(azure_devops, people):
    run_id, approval_id = start_waiting_run(azure_devops, people, min_required=1)

    decide(people, "pat-bob", approval_id, "rejected", "not today")

    records = stage_records(people, run_id)
    run = people.clients("pat-ada").get_pipelines_client().get_run(
        PROJECT, azure_devops.run(run_id).pipeline.id, run_id)
    assert (records["Prod"].state, records["Prod"].result) == ("completed", "failed")
    assert records["Checkpoint.Approval"].result == "failed"
    assert (run.state, run.result) == ("completed", "failed")
    approval = raw(people.clients("pat-ada").get_pipelines_client(), "GET",
                   f"{APPROVALS}/{approval_id}", "7.1").json()
    assert approval["status"] == "rejected"


def test_approving_needs_the_permission(azure_devops, people):
    azure_devops.add_pat("pat-dee", "Dee", denied={auth.APPROVE},
                         identity=people.bob)
    _, approval_id = start_waiting_run(azure_devops, people)
    client = people.clients("pat-dee").get_pipelines_client()

    with pytest.raises(AzureDevOpsServiceError) as refused:
        raw(client, "PATCH", APPROVALS, "7.1", None,
            [{"approvalId": approval_id, "status": "approved"}])

    assert "needs Approve pipeline runs permissions" in str(refused.value)


def test_cancelling_a_waiting_stage_cancels_its_approval(azure_devops, people):
    run_id, approval_id = start_waiting_run(azure_devops, people)
    builds = people.clients("pat-ada").get_build_client()

    builds.update_stage(UpdateStageParameters(state="cancel"), run_id, "prod", PROJECT)

    approval = raw(people.clients("pat-ada").get_pipelines_client(), "GET",
                   f"{APPROVALS}/{approval_id}", "7.1").json()
    records = stage_records(people, run_id)
    assert approval["status"] == "canceled"
    assert (records["Prod"].result, records["Checkpoint.Approval"].result) == (
        "canceled", "canceled")
    assert builds.get_build(PROJECT, run_id).result == "canceled"
