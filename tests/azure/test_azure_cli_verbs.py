"""The release verbs on a workspace connected to Azure DevOps, as a user runs them: real
subprocesses, signed in with `release-manager login` (the token in a real Secret Service),
connected with `release-manager connect`, the HTTPS emulator as the service. The test
moves the emulator's agents on between commands."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
import test_sign_in_cli
from azure_emulator.state import StageSpec
from test_connect_cli import connect, signed_in
from test_sign_in_cli import TOKEN, assert_token_nowhere, release_manager

from release_manager.engine.release_status import BuildStatus, EnvironmentStatus

user = test_sign_in_cli.user
STAGES = [StageSpec("Build"), StageSpec("QA", environment="qa"),
          StageSpec("Prod", environment="production")]
YAML = """\
stages:
- stage: Build
  jobs: [{job: B, steps: [{script: echo build}]}]
- stage: QA
  jobs: [{deployment: D, environment: qa, strategy: {runOnce: {deploy: {steps: [{script: echo}]}}}}]
- stage: Prod
  jobs:
  - deployment: D
    environment: production
    strategy: {runOnce: {deploy: {steps: [{script: echo}]}}}
"""


@pytest.fixture
def connected(azure_devops, user, secret_service, tmp_path: Path):
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / "azure-pipelines.yml").write_text(YAML)
    url = signed_in(azure_devops, user)
    pipeline = azure_devops.add_pipeline("web", STAGES)
    assert connect(user, url, folder, "web").returncode == 0
    yield folder, pipeline
    # the session's keyring outlives the test: its port may be another test's next
    release_manager(user, "logout", "--organization", url)


def rm(user, folder: Path, *args: str, stdin: str = ""):
    return release_manager(user, *args, "--workspace", str(folder), stdin=stdin)


def jane_of(azure_devops):
    """The signed-in user (the token `login` kept)."""
    basic = base64.b64encode(f":{TOKEN}".encode()).decode()
    return azure_devops.tokens.authenticate(f"Basic {basic}").identity


@pytest.fixture
def agents(azure_devops) -> Iterator[None]:
    """The service's agents: one emulator tick every few milliseconds, while a command
    waits on a stage."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.01):
            azure_devops.step()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_run_status_approve_deploy_and_logs(azure_devops, user, connected) -> None:
    folder, pipeline = connected
    reviewer = azure_devops.add_pat("other", "Rita Reviewer")
    jane = jane_of(azure_devops)
    production = azure_devops.add_environment("production")
    azure_devops.add_approval_check(production, [jane, reviewer], min_required=1)

    queued = rm(user, folder, "run", "--branch", "release", "--var", "COLOR=blue",
                "--param", "region=westeurope", "--skip", "qa", "--json")
    assert queued.returncode == 0, queued.stderr
    build = json.loads(queued.stdout)["build"]
    run = azure_devops.run(build)
    assert run.branch == "refs/heads/release"
    assert run.variables["COLOR"] == {"value": "blue", "isSecret": False}
    assert run.template_parameters == {"region": "westeurope"}
    assert run.stages["QA"].stage.result == "skipped"

    while run.stages["Build"].stage.state != "completed":  # Prod waits on its approval
        azure_devops.step(build)
    status = rm(user, folder, "status", "--json")
    assert status.returncode == 0, status.stderr
    shape = json.loads(status.stdout)
    mine = next(b for b in shape["builds"] if b["id"] == build)
    assert (mine["backend"], mine["remote_id"]) == ("azure", str(build))
    assert mine["stages"]["Build"]["state"] == "succeeded"
    assert mine["stages"]["Prod"]["state"] == "waiting"
    assert [a["stage"] for a in shape["approvals"]] == ["Prod"]

    listed = rm(user, folder, "approvals")
    assert f"build {build} → Prod" in listed.stdout

    unknown = rm(user, folder, "approve", str(build), "--stage", "Staging")
    assert unknown.returncode == 1
    assert "Build, QA, Prod" in unknown.stderr

    approved = rm(user, folder, "approve", str(build), "--stage", "prod")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    azure_devops.finish(build)
    assert azure_devops.run(build).stages["Prod"].stage.result == "succeeded"

    logs = rm(user, folder, "logs", str(build), "--stage", "prod", "--follow")
    assert logs.returncode == 0, logs.stderr
    assert "##[section]Starting: Checkout" in logs.stdout
    assert logs.stdout.rstrip().endswith("Prod: Succeeded")

    every = rm(user, folder, "logs", str(build))
    assert every.returncode == 0, every.stderr
    assert [line for line in every.stdout.splitlines() if line.startswith("=====")] == [
        "===== Build (attempt 1): succeeded", "===== QA (attempt 1): skipped",
        "===== Prod (attempt 1): succeeded"]

    after = json.loads(rm(user, folder, "status", "--json").stdout)
    production = next(e for e in after["environments"] if e["name"] == "production")
    assert production["current_build"] == build
    assert (production["commit"], production["deployed_by"]) == (run.version, "Jane Doe")
    assert not production["behind"] and production["upstream"] == ["qa"]
    assert set(production) == set(asdict(EnvironmentStatus("", "", [])))  # as locally
    assert set(mine) == set(asdict(BuildStatus(0, "", "", "", "", "")))
    assert_token_nowhere(TOKEN, user, queued.stdout, status.stdout, logs.stdout,
                         approved.stdout, unknown.stderr)
    assert not any(TOKEN.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_retry_via_promote_and_cancel(azure_devops, user, connected) -> None:
    folder, pipeline = connected
    first = azure_devops.queue(pipeline, azure_devops.add_pat("x", "Lead"))
    azure_devops.finish(first.id)
    second = azure_devops.queue(pipeline, azure_devops.add_pat("y", "Lead 2"))
    azure_devops.set_outcome(second.id, "Prod", "failed")
    azure_devops.finish(second.id)
    assert second.stages["Prod"].stage.result == "failed"

    azure_devops.set_outcome(second.id, "Prod", "succeeded")
    retried = rm(user, folder, "promote", str(second.id), "--to", "PROD")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    azure_devops.finish(second.id)
    assert second.stages["Prod"].stage.result == "succeeded"
    assert second.stages["Prod"].stage.attempt == 2

    third = azure_devops.queue(pipeline, azure_devops.add_pat("z", "Lead 3"))
    cancelled = rm(user, folder, "cancel", str(third.id))
    assert cancelled.returncode == 0, cancelled.stderr
    assert third.status == "cancelling"
    azure_devops.step(third.id)
    again = rm(user, folder, "cancel", str(third.id))
    assert again.returncode == 1 and "already finished" in again.stdout


def test_faults_are_one_line_and_exit_1(azure_devops, user, connected) -> None:
    folder, _ = connected
    azure_devops.faults.fail("/build/builds", 500, times=10)
    failed = rm(user, folder, "status")
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    azure_devops.faults.clear()

    assert rm(user, folder, "status").returncode == 0  # the fault passed: all is there

    azure_devops.revoke(TOKEN)
    expired = rm(user, folder, "approvals")
    assert expired.returncode == 1
    assert "HTTP 401" in expired.stderr and "Sign in again." in expired.stderr
    assert expired.stderr.count("\n") == 1

    url = azure_devops.organization_url
    assert release_manager(user, "logout", "--organization", url).returncode == 0
    signed_out = rm(user, folder, "status")
    assert signed_out.returncode == 1
    assert f"run `release-manager login --organization {url}`" in signed_out.stderr
    assert signed_out.stderr.count("\n") == 1


def test_the_requester_is_refused_by_the_server_rule_then_a_rejection(
        azure_devops, user, connected) -> None:
    folder, _ = connected
    reviewer = azure_devops.add_pat("other", "Rita Reviewer")
    production = azure_devops.add_environment("Production")
    azure_devops.add_approval_check(production, [jane_of(azure_devops), reviewer],
                                    min_required=1, requester_cannot_approve=True)
    build = json.loads(rm(user, folder, "run", "--branch", "main", "--json").stdout)["build"]
    azure_devops.finish(build)

    refused = rm(user, folder, "approve", str(build), "--stage", "Prod")
    assert refused.returncode == 1
    assert "does not allow the requester of a run to approve it" in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert azure_devops.run(build).stages["Prod"].waiting  # still waiting on the others

    build = azure_devops.queue(azure_devops.run(build).pipeline,
                               azure_devops.add_pat("y", "Lead")).id
    azure_devops.finish(build)
    rejected = rm(user, folder, "reject", str(build), "--stage", "Prod", "--comment", "not now")
    assert rejected.returncode == 1 and rejected.stdout.startswith("rejected:")
    shown = json.loads(rm(user, folder, "status", "--json").stdout)
    mine = next(b for b in shown["builds"] if b["id"] == build)
    assert mine["stages"]["Prod"]["state"] == "rejected"
    assert azure_devops.run(build).stages["Prod"].approval.status == "rejected"


def test_rollback_runs_the_previous_good_build_stage_again(azure_devops, user, connected,
                                                          agents) -> None:
    folder, pipeline = connected
    lead = azure_devops.add_pat("x", "Lead")
    first = azure_devops.queue(pipeline, lead)
    azure_devops.finish(first.id)
    second = azure_devops.queue(pipeline, lead)
    azure_devops.finish(second.id)

    unknown = rm(user, folder, "rollback", "staging")
    assert unknown.returncode == 1
    assert "environments: production, qa" in unknown.stderr

    rollback = rm(user, folder, "rollback", "PRODUCTION")
    assert rollback.returncode == 0, rollback.stdout + rollback.stderr
    assert f"runs build {first.id} again" in rollback.stdout
    assert first.stages["Prod"].stage.attempt == 2
    shown = json.loads(rm(user, folder, "status", "--json").stdout)
    production = next(e for e in shown["environments"] if e["name"] == "production")
    assert production["current_build"] == first.id


def test_logs_follow_streams_until_the_stage_ends(azure_devops, user, connected) -> None:
    folder, pipeline = connected
    run = azure_devops.queue(pipeline, azure_devops.add_pat("x", "Lead"))
    azure_devops.step(run.id)  # Build runs
    azure_devops.write_log(run.id, "Build", "compiling")
    environment = dict(user.env)
    follow = subprocess.Popen(
        [sys.executable, "-m", "release_manager", "logs", str(run.id), "--stage", "build",
         "--follow", "--workspace", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert follow.stdout.readline().startswith("===== Build (attempt 1): running")
        seen = []
        while "compiling" not in seen:
            seen.append(follow.stdout.readline().rstrip("\n"))
        azure_devops.write_log(run.id, "Build", "linking")  # written after it was followed
        while "linking" not in seen:
            seen.append(follow.stdout.readline().rstrip("\n"))
        azure_devops.finish(run.id)
        rest, errors = follow.communicate(timeout=60)
    finally:
        follow.kill()
    assert follow.returncode == 0, errors
    assert rest.rstrip().endswith("===== Build: Succeeded")


@pytest.mark.parametrize(("fault", "said"), [
    ({"status": 403}, "403"),
    ({"status": 429, "retry_after": 60}, "asks to wait 60 s"),
    ({"status": 500}, "500"),
    ({"drop": True}, "the connection failed"),
])
def test_each_fault_is_one_clear_line_exit_1_and_nothing_written(
        azure_devops, user, connected, fault, said) -> None:
    folder, _ = connected
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    if fault.get("drop"):
        azure_devops.faults.drop("/pipelines/", times=10, method="POST")
    else:
        azure_devops.faults.fail("/pipelines/", fault["status"], times=10, method="POST",
                                 retry_after=fault.get("retry_after"))
    failed = rm(user, folder, "run", "--branch", "main")
    assert failed.returncode == 1, failed.stdout
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert said in failed.stderr, failed.stderr
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert not azure_devops.project().runs  # nothing was queued


def test_promote_explains_a_skipped_stage_and_names_what_an_unreached_one_waits_for(
        azure_devops, user, connected) -> None:
    folder, pipeline = connected
    lead = azure_devops.add_pat("x", "Lead")
    broken = azure_devops.queue(pipeline, lead)
    azure_devops.set_outcome(broken.id, "Build", "failed")
    azure_devops.finish(broken.id)

    skipped = rm(user, folder, "promote", str(broken.id), "--to", "qa")
    assert skipped.returncode == 1
    assert skipped.stdout.splitlines() == [
        f"skipped: build {broken.id}: QA was skipped: its condition was false", "why:",
        "succeeded() → False"]

    running = azure_devops.queue(pipeline, lead)
    azure_devops.step(running.id)  # Build runs
    ahead = rm(user, folder, "promote", str(running.id), "--to", "Prod", "--json")
    assert ahead.returncode == 1
    assert json.loads(ahead.stdout)["message"] == (
        f"build {running.id}: Prod has not been reached: it waits for QA")


def test_a_rollback_into_an_approval_waits_for_it_exit_3(azure_devops, user, connected,
                                                        agents) -> None:
    folder, pipeline = connected
    lead = azure_devops.add_pat("x", "Lead")
    first = azure_devops.queue(pipeline, lead)
    azure_devops.finish(first.id)
    second = azure_devops.queue(pipeline, lead)
    azure_devops.finish(second.id)
    production = azure_devops.project().environment_named("production")
    azure_devops.add_approval_check(production, [jane_of(azure_devops)])

    rollback = rm(user, folder, "rollback", "production")
    assert rollback.returncode == 3, rollback.stdout + rollback.stderr
    assert f"`release-manager approve {first.id} --stage Prod`" in rollback.stdout
    assert first.stages["Prod"].waiting


def test_bulk_approve_decides_every_build_in_one_request(azure_devops, user,
                                                          connected) -> None:
    folder, pipeline = connected
    production = azure_devops.add_environment("production")
    azure_devops.add_approval_check(production, [jane_of(azure_devops)])
    lead = azure_devops.add_pat("x", "Lead")
    runs = [azure_devops.queue(pipeline, lead) for _ in range(2)]
    for run in runs:
        azure_devops.finish(run.id)
        assert run.stages["Prod"].waiting
    azure_devops.clear_log()

    approved = rm(user, folder, "approve", *(str(r.id) for r in runs), "--stage", "prod",
                  "--json")

    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert len(json.loads(approved.stdout)) == 2
    assert len(azure_devops.calls("/pipelines/approvals", "PATCH")) == 1
    for run in runs:
        azure_devops.finish(run.id)
        assert run.stages["Prod"].stage.result == "succeeded"
