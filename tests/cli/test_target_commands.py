"""Deploy-then-swap from the command line, on a real local workspace whose staging is
the `staging` slot of its app, swapped with production: promote to the slot, a swap
refused while the slot's health check fails, swapped and read back, `promote --swap`,
rolled back by swapping back, restart/stop/start; each confirmed, logged and audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from release_manager.core.environments_file import save_environments
from release_manager.core.model import AppServiceTarget
from release_manager.engine.demo import create_demo, demo_environments
from release_manager.engine.workspace import Workspace

SWAP_COMMAND = "next: release-manager swap staging"


def cli(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("RELEASE_MANAGER_USER", None)
    return subprocess.run(
        [sys.executable, "-m", "release_manager", *args, "--workspace", str(workspace)],
        capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)


def slotted_demo(folder: Path) -> Path:
    """The demo, its staging mapped to slot staging of spacegame-staging (swapped into
    production after a deployment), no approval on it."""
    root = create_demo(folder / "space-game").parent
    environments = demo_environments()
    environments["staging"] = replace(
        environments["staging"], approval=None, app_service=AppServiceTarget(
            app="spacegame-staging", slot="staging", swap_with="production"))
    save_environments(root, environments)
    return root


@pytest.fixture(scope="module")
def tested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """The workspace with two builds through Dev and Test."""
    root = slotted_demo(tmp_path_factory.mktemp("slots"))
    builds = []
    for _ in range(2):
        built = cli(root, "run", "--as", "lead", "--json")
        assert built.returncode == 0, built.stdout + built.stderr
        builds.append(json.loads(built.stdout)["build"])
        for stage in ("Dev", "Test"):
            done = cli(root, "promote", str(builds[-1]), "--to", stage, "--as", "lead")
            assert done.returncode == 0, done.stdout + done.stderr
    return root, builds


def slots(root: Path) -> dict[str, int | None]:
    """What `status --json` says each slot of staging serves."""
    status = cli(root, "status", "--json")
    assert status.returncode == 0, status.stderr
    [staging] = [e for e in json.loads(status.stdout)["environments"]
                 if e["name"] == "staging"]
    assert staging["slots_error"] == ""
    return {slot["slot"]: slot["build"] for slot in staging["slots"]}


def audited(root: Path, action: str) -> list:
    return [row for row in Workspace(root).store.audit_trail() if row.action == action]


def test_deploy_to_the_slot_then_swap_verify_and_swap_back(
        tested: tuple[Path, list[int]]) -> None:
    root, (first, second) = tested
    deployed = cli(root, "promote", str(first), "--to", "Staging", "--as", "lead")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert deployed.stdout.rstrip().endswith(SWAP_COMMAND)
    assert slots(root) == {"staging": first, "production": None}

    stopped = cli(root, "stop", "staging", "--yes", "--as", "ops")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    refused = cli(root, "swap", "staging", "--yes", "--as", "lead")
    assert refused.returncode == 1
    assert "cannot swap now: the health check of slot staging failed: " in refused.stdout
    assert refused.stdout.splitlines()[-1].startswith(
        "refused: staging cannot be swapped: the health check of slot staging failed: ")
    assert slots(root) == {"staging": first, "production": None}

    assert cli(root, "start", "staging", "--yes", "--as", "ops").returncode == 0
    unasked = cli(root, "swap", "staging", "--as", "lead")  # no terminal, no --yes
    assert unasked.returncode == 1
    assert "nothing was swapped: there is no terminal to confirm on; pass --yes" in \
        unasked.stderr
    assert f"  will be live: build {first} (HTTP 200" in unasked.stdout

    swapped = cli(root, "swap", "staging", "--yes", "--as", "lead")
    assert swapped.returncode == 0, swapped.stdout + swapped.stderr
    assert swapped.stdout.splitlines()[-1] == (
        f"succeeded: staging swapped: production serves build {first} (was no build); "
        "slot staging holds no build")
    assert slots(root) == {"staging": None, "production": first}

    promoted = cli(root, "promote", str(second), "--to", "Staging", "--swap", "--as", "lead")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert promoted.stdout.rstrip().endswith(
        f"staging swapped: production serves build {second} (was build {first}); slot "
        f"staging holds build {first}")
    assert slots(root) == {"staging": first, "production": second}

    status = cli(root, "status")
    [staging] = [line for line in status.stdout.splitlines() if line.startswith("  staging ")]
    assert staging.startswith(f"  staging      build {second} (")  # live, not the slot's
    assert "behind upstream" not in staging
    assert f"↩ rollback goes to build {first}" in staging
    rolled_back = cli(root, "rollback", "staging", "--as", "ops")
    assert rolled_back.returncode == 0, rolled_back.stdout + rolled_back.stderr
    assert rolled_back.stdout.splitlines()[-1] == (
        f"succeeded: staging swapped back: production serves build {first} (was build "
        f"{second}); slot staging holds build {second}")
    assert slots(root) == {"staging": second, "production": first}
    again = cli(root, "rollback", "staging", "--as", "ops")
    assert again.returncode == 1 and "was swapped back already (ops, " in again.stdout

    assert [(r.actor, r.detail["before"], r.detail["after"]) for r in audited(root, "swap")] \
        == [("lead", {"staging": first, "production": None},
             {"staging": None, "production": first}),
            ("lead", {"staging": second, "production": first},
             {"staging": first, "production": second})]
    assert [r.actor for r in audited(root, "swap back")] == ["ops"]
    assert [r.actor for r in audited(root, "swap refused")] == ["lead"]


def test_restart_stop_and_start_confirm_log_and_audit(
        tested: tuple[Path, list[int]]) -> None:
    root, _ = tested
    unasked = cli(root, "restart", "staging", "--as", "ops")
    assert unasked.returncode == 1 and "nothing was restarted" in unasked.stderr
    restarted = cli(root, "restart", "staging", "--yes", "--as", "ops")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    lines = restarted.stdout.splitlines()
    assert lines[0].startswith("Restart slot staging of spacegame-staging (staging): "
                               "Running, ")
    assert "Restarting the site of staging (slot staging)" in lines
    assert lines[-1] == "succeeded: staging: slot staging of spacegame-staging restarted"
    assert "restart" in [r.action for r in Workspace(root).store.audit_trail()
                         if r.actor == "ops"]
    nothing = cli(root, "restart", "dev", "--yes")
    assert (nothing.returncode, nothing.stdout.strip()) == (
        1, "refused: dev has no App Service target to restart")


def test_status_shows_each_slot_and_a_target_error_per_environment(
        tested: tuple[Path, list[int]]) -> None:
    root, _ = tested
    status = cli(root, "status")
    assert status.returncode == 0, status.stderr
    assert "slot staging of staging: Running, " in status.stdout
    assert "slot production of staging: Running, " in status.stdout
    [dev] = [e for e in json.loads(cli(root, "status", "--json").stdout)["environments"]
             if e["name"] == "dev"]
    assert (dev["slots"], dev["slots_error"]) == ([], "")


def test_slots_that_cannot_be_read_are_said_for_their_environment_alone(
        tmp_path: Path) -> None:
    root = slotted_demo(tmp_path)
    environments = demo_environments()
    environments["staging"] = replace(environments["staging"], app_service=AppServiceTarget(
        slot="canary", swap_with="production"))  # a slot never made nor deployed to
    save_environments(root, environments)

    status = cli(root, "status", "--json")
    assert status.returncode == 0, status.stderr
    environments = {e["name"]: e for e in json.loads(status.stdout)["environments"]}
    assert environments["staging"]["slots"] == []
    assert environments["staging"]["slots_error"].startswith(
        "its slots cannot be read: staging has no slot canary")
    assert (environments["dev"]["slots"], environments["dev"]["slots_error"]) == ([], "")
    text = cli(root, "status")
    assert "its slots cannot be read: staging has no slot canary" in text.stdout


def test_the_demo_shows_its_staging_slot_empty_before_the_first_deployment(
        tmp_path: Path) -> None:
    root = slotted_demo(tmp_path)

    status = cli(root, "status", "--json")
    assert status.returncode == 0, status.stderr
    staging = next(e for e in json.loads(status.stdout)["environments"]
                   if e["name"] == "staging")
    assert staging["slots_error"] == ""
    assert [(s["slot"], s["build"], s["health"]["ok"]) for s in staging["slots"]] == [
        ("staging", None, False), ("production", None, False)]


def test_the_demo_walks_dev_test_the_approved_staging_slot_then_the_swap(
        tmp_path: Path) -> None:
    root = tmp_path / "demo"
    made = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    built = cli(root, "run", "--as", "lead", "--json")
    build = str(json.loads(built.stdout)["build"])
    for stage in ("Dev", "Test"):
        assert cli(root, "promote", build, "--to", stage, "--as", "lead").returncode == 0
    assert cli(root, "promote", build, "--to", "Staging", "--as", "lead").returncode == 3

    approved = cli(root, "approve", build, "--stage", "Staging", "--as", "qa")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert approved.stdout.rstrip().endswith(SWAP_COMMAND)
    swapped = cli(root, "swap", "staging", "--yes", "--as", "lead")
    assert swapped.returncode == 0, swapped.stdout + swapped.stderr
    assert swapped.stdout.splitlines()[-1] == (
        f"succeeded: staging swapped: production serves build {build} (was no build); "
        "slot staging holds no build")
    assert slots(root)["production"] == int(build)
