"""AzureBackend talking to the emulator through the real SDK session: what it sends to
queue a run, and how few requests observing a stage costs (the timeline read since its
last change, nothing once the stage has ended)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from azure_emulator.state import StageSpec

from release_manager.core.model import Pipeline, Stage
from release_manager.engine.azure.backend import AzureBackend
from release_manager.engine.azure.binding import AzureBinding
from release_manager.engine.azure.connection import AzureConnection
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.sign_in import PatSignIn
from release_manager.engine.backend import COMPLETED, RUNNING, RunContext
from release_manager.engine.backend_errors import BackendError, NotFound

TOKEN = "backend-token"


@pytest.fixture
def backend(azure_devops, tmp_path: Path):
    azure_devops.add_pat(TOKEN, "Jane Doe")
    pipeline = azure_devops.add_pipeline("web", [StageSpec("Build"),
                                                 StageSpec("Prod", environment="production")])
    organization = parse_organization(azure_devops.organization_url)
    made = AzureBackend(AzureConnection(organization, PatSignIn(TOKEN)),
                        AzureBinding(organization.url, "Fabrikam-Fiber", pipeline.id, "web"),
                        tmp_path, poll=0.01, max_poll=0.05)
    yield made
    made.close()


def context(run_id: int) -> RunContext:
    return RunContext(run_id, "", "", "Manual", "jane", remote_id=str(run_id))


def test_queue_sends_branch_variables_secrets_parameters_and_stages_to_skip(
        azure_devops, backend) -> None:
    queued = backend.queue_run("release", {"COLOR": "blue", "KEY": "s3cret"},
                               secrets=frozenset({"KEY"}), parameters={"region": "eu"},
                               skip=("prod",))
    run = azure_devops.run(int(queued.remote_id))
    assert queued.branch == "refs/heads/release"
    assert run.variables == {"COLOR": {"value": "blue", "isSecret": False},
                             "KEY": {"value": "s3cret", "isSecret": True}}
    assert run.template_parameters == {"region": "eu"}
    assert run.stages["Prod"].stage.result == "skipped"

    with pytest.raises(BackendError) as refused:  # the service's own refusal, typed
        backend.queue_run("release", {}, skip=("Staging",))
    assert "Known stages: Build, Prod" in str(refused.value)


def test_observing_reads_the_timeline_since_its_last_change_and_nothing_once_ended(
        azure_devops, backend) -> None:
    run_id = int(backend.queue_run("main", {}).remote_id)
    azure_devops.step(run_id)
    ref = backend.start_stage(Pipeline("web", []), Stage("build"), context(run_id))
    assert ref.stage == "Build"
    assert backend.observe(ref).state == RUNNING
    azure_devops.clear_log()

    backend.observe(ref)  # nothing changed: the service answers with no record
    timeline = azure_devops.calls("/timeline")
    assert len(timeline) == 1 and int(timeline[0].query["changeId"]) > 0

    azure_devops.finish(run_id)
    assert backend.wait(ref, 30).state == COMPLETED
    azure_devops.clear_log()
    assert backend.observe(ref).result == "Succeeded"
    assert backend.outcome(ref).result == "Succeeded"
    assert azure_devops.calls() == []


def test_a_stage_unknown_in_the_run_names_the_known_ones(azure_devops, backend) -> None:
    run_id = int(backend.queue_run("main", {}).remote_id)
    with pytest.raises(NotFound) as unknown:
        backend.start_stage(Pipeline("web", []), Stage("Staging"), context(run_id))
    assert "stages: Build, Prod" in str(unknown.value)


def test_deactivate_is_refused_rather_than_pretended(backend) -> None:
    class Lines:
        def write(self, line: str) -> None:
            raise AssertionError(line)

    with pytest.raises(BackendError, match="cannot take production's release out"):
        backend.deactivate("production", Lines())
    assert backend.end_orphans() == []


def test_approvals_cost_one_request_when_none_waits_and_are_found_on_any_page(
        azure_devops, backend) -> None:
    pipeline = azure_devops.project().pipelines[backend.binding.pipeline_id]
    basic = base64.b64encode(f":{TOKEN}".encode()).decode()
    jane = azure_devops.tokens.authenticate(f"Basic {basic}").identity
    azure_devops.add_approval_check(azure_devops.add_environment("production"), [jane])
    oldest = azure_devops.queue(pipeline, jane)
    azure_devops.finish(oldest.id)  # waits for its approval
    for _ in range(60):
        azure_devops.queue(pipeline, jane)  # newer builds, not started
    azure_devops.clear_log()

    [pending] = backend.pending_approvals()
    assert (pending.run_id, pending.stage, pending.approvers) == (oldest.id, "Prod", ("Jane Doe",))
    pages = [call for call in azure_devops.calls("/build/builds", "GET")
             if call.path.endswith("/build/builds")]
    assert len(pages) == 2 and "continuationToken" in pages[1].query

    backend.decide([(oldest.id, "prod")], "approved")
    azure_devops.clear_log()
    assert backend.pending_approvals() == []
    assert [call.path.split("/_apis/")[1] for call in azure_devops.calls()] == [
        "pipelines/approvals"]


def test_a_stage_finished_when_first_looked_at_is_observed_not_run_again(
        azure_devops, backend) -> None:
    run_id = int(backend.queue_run("main", {}).remote_id)
    azure_devops.finish(run_id)  # done before this side ever read its timeline

    ref = backend.start_stage(Pipeline("web", []), Stage("Build"), context(run_id))

    assert ref.id == f"{run_id}:Build:1"
    assert backend.observe(ref).result == "Succeeded"
    assert azure_devops.calls("/stages/", "PATCH") == []
    assert azure_devops.run(run_id).stage("Build").stage.attempt == 1
