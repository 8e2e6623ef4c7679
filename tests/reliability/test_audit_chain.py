"""The audit chain under real concurrency and kills: processes writing the trail at once
(two runs, an approval and a rejection, a promotion each) keep it one chain, and a
process killed mid-deployment after its approval leaves it intact; both verified as a
user does, with `release-manager audit --verify`."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from race_support import ROUNDS, Racers, RaceWorkspace, read_until

from release_manager.engine.promotion import Promoter


@pytest.fixture()
def race(tmp_path: Path) -> RaceWorkspace:
    return RaceWorkspace(tmp_path)


def verified(race: RaceWorkspace) -> str:
    process = race.start("audit", "--verify")
    [(code, output)] = Racers([process]).results()
    assert code == 0, output
    return output


def test_processes_writing_the_trail_at_once_keep_one_chain(race: RaceWorkspace) -> None:
    promoter = Promoter(race.workspace)
    for _ in range(ROUNDS):
        racers = Racers([race.start("run", "--as", who) for who in ("lead", "dev")])
        assert [code for code, _ in racers.results()] == [0, 0]
        newest = race.workspace.store.runs(2)
        for run in newest:
            assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
            assert promoter.promote(run.id, "Staging", "lead").state == "waiting"
        first, second = (run.id for run in newest)
        racers = Racers([
            race.start("approve", str(first), "--stage", "Staging", "--as", "qa"),
            race.start("reject", str(second), "--stage", "Staging", "--as", "ops"),
            race.start("promote", str(first), "--to", "Dev", "--as", "lead"),
        ])
        racers.results()
    assert "the audit trail is intact" in verified(race)


def test_a_deployment_killed_after_its_approval_leaves_the_chain_intact(
        race: RaceWorkspace) -> None:
    promoter = Promoter(race.workspace)
    for _ in range(ROUNDS):
        run, _ = promoter.run_pipeline("lead")
        assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
        assert promoter.promote(run.id, "Staging", "lead").state == "waiting"
        with race.gate("Staging"):
            approving = race.start("approve", str(run.id), "--stage", "Staging", "--as",
                                   "qa")
            read_until(approving, "gate: waiting")  # approved, deploying, held
            os.kill(approving.pid, signal.SIGKILL)
            approving.communicate()
    output = verified(race)
    assert f"{ROUNDS} approval decisions matching their audit rows" in output
