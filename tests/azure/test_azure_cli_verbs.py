"""The release verbs on a workspace connected to Azure DevOps, as a user runs them: real
subprocesses, signed in with `release-manager login` (the token in a real Secret Service),
connected with `release-manager connect`, the HTTPS emulator as the service. The test
moves the emulator's agents on between commands."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import test_sign_in_cli
from azure_emulator.state import StageSpec
from test_connect_cli import connect, signed_in
from test_sign_in_cli import TOKEN, assert_token_nowhere, release_manager

user = test_sign_in_cli.user
secret_service = test_sign_in_cli.secret_service
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
    return folder, pipeline


def rm(user, folder: Path, *args: str):
    return release_manager(user, *args, "--workspace", str(folder))


def test_run_status_approve_deploy_and_logs(azure_devops, user, connected) -> None:
    folder, pipeline = connected
    reviewer = azure_devops.add_pat("other", "Rita Reviewer")
    basic = base64.b64encode(f":{TOKEN}".encode()).decode()
    jane = azure_devops.tokens.authenticate(f"Basic {basic}").identity
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

    after = json.loads(rm(user, folder, "status", "--json").stdout)
    assert next(e for e in after["environments"]
                if e["name"] == "production")["current_build"] == build
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

    azure_devops.revoke(TOKEN)
    signed_out = rm(user, folder, "approvals")
    assert signed_out.returncode == 1
    assert "401" in signed_out.stderr and "Traceback" not in signed_out.stderr
