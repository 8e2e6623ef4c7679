"""The release verbs as a script uses them: real processes, exit codes, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from release_manager.core.environments_file import WEEKDAYS, load_environments, save_environments
from release_manager.core.model import BusinessHours
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.workspace import Workspace


def cli(workspace: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("RELEASE_MANAGER_USER", None)
    if user is not None:
        env["RELEASE_MANAGER_USER"] = user
    return subprocess.run(
        [sys.executable, "-m", "release_manager", *args, "--workspace", str(workspace)],
        capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "space-game"
    done = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "demo workspace ready" in done.stdout
    return path


def test_the_demo_story_from_the_command_line(demo: Path) -> None:
    built = cli(demo, "run", "--as", "lead", "--json")
    assert built.returncode == 0, built.stderr
    build = json.loads(built.stdout)
    assert build["branch"] == "refs/heads/release"
    assert build["stages"][0]["state"] == "succeeded"
    number = str(build["build"])

    dev = cli(demo, "promote", number, "--to", "Dev", user="lead")
    assert dev.returncode == 0, dev.stdout + dev.stderr
    assert "Release 1 is now current in dev" in dev.stdout  # the log streamed
    assert cli(demo, "promote", number, "--to", "Test", "--as", "lead").returncode == 0

    staging = cli(demo, "promote", number, "--to", "Staging", "--as", "lead")
    assert staging.returncode == 3
    assert staging.stdout.startswith("waiting:")

    pending = json.loads(cli(demo, "approvals", "--json").stdout)
    assert [(p["build"], p["environment"], p["requestedBy"]) for p in pending] == [
        (int(number), "staging", "lead")]

    refused = cli(demo, "approve", number, "--stage", "Staging", "--as", "lead")
    assert refused.returncode == 1
    assert "requester cannot approve" in refused.stdout

    approved = cli(demo, "approve", number, "--stage", "Staging", "--as", "qa",
                   "--comment", "smoke run green")
    assert approved.returncode == 0, approved.stdout

    status = json.loads(cli(demo, "status", "--json").stdout)
    deployed = {env["name"]: env["current_build"] for env in status["environments"]}
    assert deployed == {"dev": int(number), "test": int(number), "staging": int(number)}
    [build] = [b for b in status["builds"] if b["id"] == int(number)]
    assert (build["backend"], build["remote_id"]) == ("local", "")
    text = cli(demo, "status").stdout
    assert "staging" in text and f"build {number}" in text

    logs = cli(demo, "logs", number, "--stage", "Staging")
    assert logs.returncode == 0
    assert "Release 1 is now current in staging" in logs.stdout


def test_a_folder_without_a_pipeline_exits_2_with_the_reason(tmp_path: Path) -> None:
    done = cli(tmp_path, "status")
    assert done.returncode == 2
    assert "has no azure-pipelines.yml" in done.stderr
    assert "Traceback" not in done.stderr


def test_rollback_without_an_earlier_release_is_refused(demo: Path) -> None:
    done = cli(demo, "rollback", "test", "--as", "ops")
    assert done.returncode == 1
    assert "no earlier good release" in done.stdout


@pytest.fixture()
def fresh_demo(tmp_path: Path) -> Path:
    path = tmp_path / "space-game"
    done = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


def build(workspace: Path) -> str:
    done = cli(workspace, "run", "--as", "lead", "--json")
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["build"])


def set_environment(workspace: Path, name: str, **settings: object) -> None:
    environments = load_environments(workspace)
    for key, value in settings.items():
        setattr(environments[name], key, value)
    save_environments(workspace, environments)


def test_a_promotion_outside_business_hours_exits_1_naming_the_window(
        fresh_demo: Path) -> None:
    today = datetime.now(UTC).weekday()
    closed = {WEEKDAYS[today], WEEKDAYS[(today + 1) % 7]}  # closed even past midnight
    days = [day for day in WEEKDAYS if day not in closed]
    set_environment(fresh_demo, "dev", business_hours=BusinessHours(days, "00:00", "23:59"))
    number = build(fresh_demo)

    refused = cli(fresh_demo, "promote", number, "--to", "Dev", "--as", "lead")
    assert refused.returncode == 1, refused.stdout
    assert refused.stdout.startswith("refused: dev deploys only during business hours, ")
    assert "00:00–23:59 (UTC)" in refused.stdout
    assert "the next window opens" in refused.stdout
    status = json.loads(cli(fresh_demo, "status", "--json").stdout)
    dev = next(env for env in status["environments"] if env["name"] == "dev")
    assert dev["current_build"] is None


def test_without_an_exclusive_lock_a_busy_environment_exits_1_at_once(
        fresh_demo: Path) -> None:
    number = build(fresh_demo)
    busy = EnvironmentLock(Workspace(fresh_demo).locks_dir, "dev")
    busy.acquire(wait=False)  # a deployment to dev is in progress
    try:
        refused = cli(fresh_demo, "promote", number, "--to", "Dev", "--as", "lead")
    finally:
        busy.release()
    assert refused.returncode == 1
    assert "dev has no exclusive lock, so a promotion does not wait" in refused.stdout


def test_rolling_back_twice_from_the_command_line_goes_back_twice(fresh_demo: Path) -> None:
    numbers = [build(fresh_demo) for _ in range(3)]
    for number in numbers:
        assert cli(fresh_demo, "promote", number, "--to", "Dev", "--as", "lead").returncode == 0
    first, second, third = numbers
    status = json.loads(cli(fresh_demo, "status", "--json").stdout)
    dev = next(env for env in status["environments"] if env["name"] == "dev")
    assert (dev["current_build"], dev["rollback_to"]) == (int(third), int(second))
    assert f"↩ rollback goes to build {second}" in cli(fresh_demo, "status").stdout
    once = cli(fresh_demo, "rollback", "dev", "--as", "ops")
    assert f"dev rolled back from build {third} to build {second}" in once.stdout
    twice = cli(fresh_demo, "rollback", "dev", "--as", "ops")
    assert f"dev rolled back from build {second} to build {first}" in twice.stdout
    again = cli(fresh_demo, "rollback", "dev", "--as", "ops")
    assert again.returncode == 1
    assert f"dev runs build {first}, and no older build was deployed there" in again.stdout


def test_template_parameters_skipped_stages_and_cancel_are_refused_locally(
        fresh_demo: Path) -> None:
    """They apply to a workspace connected to Azure DevOps; here they are refused with the
    reason, and nothing is queued."""
    for args in (("run", "--param", "region=eu"), ("run", "--skip", "Dev"),
                 ("cancel", "1")):
        refused = cli(fresh_demo, *args)
        assert refused.returncode == 1, args
        assert refused.stderr.startswith("release-manager: ") and \
            refused.stderr.count("\n") == 1, refused.stderr
    assert json.loads(cli(fresh_demo, "status", "--json").stdout)["builds"] == []
