"""Swaps across real processes hold the environment's lock, the one deployments take: a
swap asked for during a deployment to the slot waits for it, then refuses to swap a
build it was not shown; two swaps at once run one after the other, each from what the
other left (the audit trail's rows chain); Ctrl-C to a waiting swap changes nothing."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

from race_support import ROUNDS, Racers, RaceWorkspace, read_until

from release_manager.core.environments_file import load_environments, save_environments
from release_manager.core.model import AppServiceTarget
from release_manager.engine.promotion import Promoter

WAITING = "Waiting for the change of staging in progress to end before swapping"
TARGET = AppServiceTarget(app="web", slot="staging", swap_with="production")


def slotted(folder: Path) -> tuple[RaceWorkspace, Promoter]:
    """The race workspace, its staging the `staging` slot swapped with production (no
    approval), a build swapped into production and the one before it in the slot."""
    race = RaceWorkspace(folder)
    environments = load_environments(race.root)
    environments["staging"] = replace(environments["staging"], approval=None,
                                      app_service=TARGET)
    save_environments(race.root, environments)
    promoter = Promoter(race.workspace)
    for _ in range(2):
        run, _ = promoter.run_pipeline("lead")
        for stage in ("Dev", "Staging"):
            assert promoter.promote(run.id, stage, "lead", swap=True).state == "succeeded"
    return race, promoter


def builds(promoter: Promoter) -> dict[str, int | None]:
    return {slot.slot: slot.build
            for slot in promoter.target_actions.slots("staging", health=False)}


def test_a_swap_during_a_deployment_to_the_slot_waits_then_refuses_what_it_was_not_shown(
        tmp_path: Path) -> None:
    race, promoter = slotted(tmp_path)
    for _ in range(ROUNDS):
        shown = builds(promoter)
        run, _ = promoter.run_pipeline("lead")
        assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
        with race.gate("Staging"):
            deploying = race.start("promote", str(run.id), "--to", "Staging", "--as", "lead")
            assert "gate: waiting" in "".join(read_until(deploying, "gate: waiting"))
            swapping = race.start("swap", "staging", "--yes", "--as", "ops")
            seen = "".join(read_until(swapping, WAITING))
            assert WAITING in seen, seen  # not beside the deployment
            assert f"  will be live: build {shown['staging']} " in seen
            racers = Racers([deploying, swapping])
        (deploy_code, deploy_out), (swap_code, swap_out) = racers.results()

        assert deploy_code == 0, deploy_out
        assert swap_code == 1, swap_out
        assert swap_out.splitlines()[-1] == (
            f"refused: staging cannot be swapped: slot staging serves build {run.id}, not "
            f"build {shown['staging']}")
        assert builds(promoter) == {"staging": run.id, "production": shown["production"]}


def test_two_swaps_at_once_run_one_after_the_other(tmp_path: Path) -> None:
    race, promoter = slotted(tmp_path)
    for _ in range(ROUNDS):
        before = builds(promoter)
        rows = len([r for r in race.workspace.store.audit_trail() if r.action == "swap"])
        racers = Racers([race.start("swap", "staging", "--yes", "--as", who)
                         for who in ("ops", "lead")])
        results = racers.results()

        swaps = [r for r in race.workspace.store.audit_trail() if r.action == "swap"][rows:]
        succeeded = [out for code, out in results if code == 0]
        assert len(swaps) == len(succeeded) >= 1, results
        assert swaps[0].detail["before"] == before
        for earlier, later in zip(swaps, swaps[1:], strict=False):
            assert later.detail["before"] == earlier.detail["after"]  # from what it left
        for row in swaps:  # each exchanged the two builds, nothing else
            assert row.detail["after"] == {"staging": row.detail["before"]["production"],
                                           "production": row.detail["before"]["staging"]}
        assert builds(promoter) == swaps[-1].detail["after"]
        for code, out in results:
            assert code in (0, 1), out
            if code == 1:  # it planned on what the other swap then changed
                refusal = out.splitlines()[-1]
                assert refusal.startswith((
                    "refused: staging changed since the plan: production serves build",
                    "refused: staging cannot be swapped: slot staging serves build")), out


def test_ctrl_c_to_a_swap_waiting_for_a_deployment_changes_nothing(tmp_path: Path) -> None:
    race, promoter = slotted(tmp_path)
    before = builds(promoter)
    run, _ = promoter.run_pipeline("lead")
    assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
    with race.gate("Staging"):
        deploying = race.start("promote", str(run.id), "--to", "Staging", "--as", "lead")
        read_until(deploying, "gate: waiting")
        swapping = race.start("swap", "staging", "--yes", "--as", "ops")
        read_until(swapping, WAITING)
        os.kill(swapping.pid, signal.SIGINT)
        out, _ = swapping.communicate(timeout=120)
        assert swapping.returncode == 130, out
        assert "Traceback" not in out
        assert out.splitlines()[-1] == (
            "release-manager: stopped by SIGINT: canceled: the swap of staging was cancelled "
            "while waiting for the change in progress: nothing changed")
        racers = Racers([deploying])
    [(code, _)] = racers.results()
    assert code == 0
    assert builds(promoter) == {"staging": run.id, "production": before["production"]}
    assert [r for r in race.workspace.store.audit_trail() if r.action == "swap"
            and r.actor == "ops"] == []
