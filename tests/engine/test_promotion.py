"""End to end on the demo workspace with the local backend: real git, real processes,
real SQLite. Build, promote through Dev and Test, approval to Staging, rollback,
serialised deployments, cancel, interruption."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from release_manager.core.environments_file import load_environments, save_environments
from release_manager.engine.backend import CancelToken
from release_manager.engine.demo import create_demo
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.promotion import Promoter
from release_manager.engine.release_status import workspace_status
from release_manager.engine.workspace import Workspace, WorkspaceError


class LinesSeen:
    """A log sink that lets a test wait for a line, without sleeping."""

    def __init__(self, needle: str = "") -> None:
        self.lines: list[str] = []
        self.needle = needle
        self.seen = threading.Event()

    def write(self, line: str) -> None:
        self.lines.append(line)
        if self.needle and self.needle in line:
            self.seen.set()


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(create_demo(tmp_path / "space-game").parent)


@pytest.fixture()
def built(workspace: Workspace) -> tuple[Workspace, Promoter, int]:
    promoter = Promoter(workspace)
    run, [build] = promoter.run_pipeline("lead")
    assert build.state == "succeeded", build.message
    return workspace, promoter, run.id


def current_release(workspace: Workspace, environment: str) -> int | None:
    current = [r.run_id for r in workspace.backend.releases(environment) if r.current]
    return current[0] if current else None


def test_a_folder_without_a_pipeline_is_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="has no azure-pipelines.yml"):
        Workspace(tmp_path)


def test_a_run_builds_on_the_release_branch_and_records_it(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, _, run_id = built
    run = workspace.store.run(run_id)
    assert run.branch == "refs/heads/release"
    assert run.reason == "Manual"
    assert len(run.commit_id) == 40
    [build] = workspace.store.stage_runs(run_id)
    assert (build.stage, build.state, build.result) == ("Build", "succeeded", "Succeeded")
    assert build.log_path and "Run unit tests" in Path(build.log_path).read_text()


def test_promote_through_dev_test_and_staging_with_an_approval(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, run_id = built
    dev = promoter.promote(run_id, "Dev", "lead")
    assert dev.state == "succeeded", dev.message
    assert current_release(workspace, "dev") == run_id
    dev_log = Path(dev.stage_run.log_path).read_text()
    assert "Health check of dev: HTTP 200 from http://127.0.0.1:" in dev_log
    assert f"serving release {run_id}" in dev_log
    assert promoter.promote(run_id, "Test", "lead").state == "succeeded"

    waiting = promoter.promote(run_id, "Staging", "lead")
    assert (waiting.state, waiting.exit_code) == ("waiting", 3)
    assert "qa, ops" in waiting.message
    [pending] = promoter.pending_approvals()
    assert (pending.approval.environment, pending.approval.requested_by) == ("staging", "lead")
    assert pending.instructions == "Check the test environment's smoke run first."
    assert current_release(workspace, "staging") is None

    by_requester = promoter.approve(run_id, "Staging", "lead", "ship it")
    assert by_requester.state == "refused"
    assert "requester cannot approve" in by_requester.message
    by_developer = promoter.approve(run_id, "Staging", "dev")
    assert "dev is not an approver of staging" in by_developer.message

    approved = promoter.approve(run_id, "Staging", "qa", "smoke run green")
    assert approved.state == "succeeded", approved.message
    assert current_release(workspace, "staging") == run_id
    assert promoter.pending_approvals() == []
    actions = [(a.actor, a.action) for a in workspace.store.audit_trail()]
    assert ("lead", "approve refused") in actions
    assert ("qa", "approve") in actions
    deployment = workspace.store.deployments("staging")[0]
    assert (deployment.state, deployment.by) == ("succeeded", "lead")


def test_dev_is_skipped_off_the_release_branch_with_the_reason(workspace: Workspace) -> None:
    promoter = Promoter(workspace)
    run, _ = promoter.run_pipeline("dev", branch="feature/login")
    result = promoter.promote(run.id, "Dev", "dev")
    assert result.state == "skipped"
    assert "condition is false" in result.message
    assert "'feature/login'" not in result.explanation  # the branch *name* is compared
    assert "login" in result.explanation
    assert "False" in result.explanation
    assert current_release(workspace, "dev") is None


def test_promoting_before_the_upstream_stage_is_refused(
    built: tuple[Workspace, Promoter, int]
) -> None:
    _, promoter, run_id = built
    result = promoter.promote(run_id, "Test", "lead")
    assert result.state == "refused"
    assert "has not been through Dev yet" in result.message
    assert promoter.promote(run_id, "Nowhere", "lead").state == "refused"
    assert promoter.promote(999, "Dev", "lead").state == "refused"


def test_a_rejection_closes_the_request(built: tuple[Workspace, Promoter, int]) -> None:
    workspace, promoter, run_id = built
    promoter.promote(run_id, "Dev", "lead")
    promoter.promote(run_id, "Test", "lead")
    promoter.promote(run_id, "Staging", "lead")
    rejected = promoter.reject(run_id, "Staging", "ops", "not on a Friday")
    assert rejected.state == "rejected"
    assert "not on a Friday" in rejected.message
    assert promoter.approve(run_id, "Staging", "qa").state == "refused"
    assert current_release(workspace, "staging") is None


def test_rollback_switches_back_to_the_previous_good_release(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, first = built
    promoter.promote(first, "Dev", "lead")
    second, _ = promoter.run_pipeline("lead")
    assert promoter.promote(second.id, "Dev", "lead").state == "succeeded"
    assert current_release(workspace, "dev") == second.id

    result = promoter.rollback("dev", "ops")
    assert result.state == "succeeded", result.message
    assert current_release(workspace, "dev") == first
    assert workspace.store.deployments("dev")[0].kind == "rollback"
    status = workspace_status(workspace, promoter)
    dev = next(env for env in status.environments if env.name == "dev")
    assert dev.current_build == first


def test_two_promotions_to_an_environment_with_an_exclusive_lock_are_serialised(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, run_id = built
    environments = load_environments(workspace.root)
    environments["dev"].exclusive_lock = True
    save_environments(workspace.root, environments)
    busy = EnvironmentLock(workspace.locks_dir, "dev")
    busy.acquire(wait=False)  # another deployment to dev is in progress
    sink = LinesSeen("Waiting for the deployment to dev")
    results = []
    thread = threading.Thread(
        target=lambda: results.append(promoter.promote(run_id, "Dev", "lead", log=sink)))
    thread.start()
    assert sink.seen.wait(30)
    assert workspace.store.latest_stage_run(run_id, "Dev").state == "queued"
    assert current_release(workspace, "dev") is None
    busy.release()
    thread.join(60)
    assert results[0].state == "succeeded"
    assert current_release(workspace, "dev") == run_id


def test_a_busy_environment_is_refused_when_asked_not_to_wait(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, run_id = built
    busy = EnvironmentLock(workspace.locks_dir, "dev")
    busy.acquire(wait=False)
    result = promoter.promote(run_id, "Dev", "lead", wait_for_lock=False)
    busy.release()
    assert result.state == "refused"
    assert "in progress" in result.message


def test_cancel_mid_step_leaves_the_environment_on_its_previous_release(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, first = built
    assert promoter.promote(first, "Dev", "lead").state == "succeeded"
    pipeline_file = workspace.pipeline_path
    text = pipeline_file.read_text()
    slow_step = (
        "          - download: current\n            artifact: drop\n"
        "          - script: echo deploying slowly && sleep 600\n"
        "            displayName: 'Slow deployment'\n"
    )
    pipeline_file.write_text(text.replace(
        "          - download: current\n            artifact: drop\n", slow_step, 1))
    second, _ = promoter.run_pipeline("lead")

    token = CancelToken()
    sink = LinesSeen("deploying slowly")
    results = []
    thread = threading.Thread(target=lambda: results.append(
        promoter.promote(second.id, "Dev", "lead", log=sink, cancel=token)))
    thread.start()
    assert sink.seen.wait(60)
    stage_run = workspace.store.latest_stage_run(second.id, "Dev")
    assert stage_run.state == "running"
    assert promoter.cancel(stage_run.id, "lead")
    thread.join(60)
    assert results[0].state == "canceled"
    assert current_release(workspace, "dev") == first
    assert workspace.store.deployments("dev")[0].state == "canceled"


def test_an_interrupted_deployment_shows_as_interrupted_on_restart(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, run_id = built
    stage_run = workspace.store.add_stage_run(run_id, "Dev", "deploy", "dev", "lead")
    dead_pid = _a_finished_process_id()
    workspace.store.update_stage_run(stage_run.id, state="running", pid=dead_pid)
    workspace.store.add_deployment("dev", run_id, stage_run.id, "deploy", "lead")

    restarted = Promoter(Workspace(workspace.root))
    record = restarted.store.stage_run(stage_run.id)
    assert record.state == "interrupted"
    assert "ended before it finished" in record.message
    assert restarted.store.deployments("dev")[0].state == "interrupted"


def _a_finished_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_approval_that_times_out_closes_the_request(
    built: tuple[Workspace, Promoter, int]
) -> None:
    workspace, promoter, run_id = built
    environments = load_environments(workspace.root)
    environments["staging"].approval.timeout_minutes = 30
    save_environments(workspace.root, environments)
    promoter.promote(run_id, "Dev", "lead")
    promoter.promote(run_id, "Test", "lead")
    assert promoter.promote(run_id, "Staging", "lead").state == "waiting"
    [pending] = promoter.pending_approvals()
    assert 0 < pending.time_left() <= 30 * 60

    assert promoter.pending_approvals(datetime.now(UTC) + timedelta(minutes=31)) == []
    record = workspace.store.latest_stage_run(run_id, "Staging")
    assert record.state == "rejected"
    assert "timed out" in record.message
    late = promoter.approve(run_id, "Staging", "qa")
    assert late.state == "refused"
    assert current_release(workspace, "staging") is None
