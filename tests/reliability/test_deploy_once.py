"""Deploy once, and record the truth: two requests for the same deployment at once, from
two real processes, deploy exactly once; the loser is told plainly that the other won and
never touches the stage's result; the build can still be promoted further."""

from __future__ import annotations

from pathlib import Path

import pytest
from race_support import ROUNDS, Racers, RaceWorkspace

from release_manager.engine.promotion import Promoter

BUSY = 4  # the exit code of a request another one already started


@pytest.fixture()
def race(tmp_path: Path) -> RaceWorkspace:
    return RaceWorkspace(tmp_path)


def build(promoter: Promoter) -> int:
    run, [built] = promoter.run_pipeline("lead")
    assert built.state == "succeeded", built.message
    return run.id


def assert_deployed_once(race: RaceWorkspace, number: int, stage: str,
                         environment: str) -> None:
    store = race.workspace.store
    deployments = [d for d in store.deployments(environment) if d.run_id == number]
    assert [d.state for d in deployments] == ["succeeded"], deployments
    assert race.deploys(stage, number) == 1
    attempts = [r for r in store.stage_runs(number) if r.stage == stage]
    assert [(r.state, r.result) for r in attempts] == [("succeeded", "Succeeded")], attempts
    assert race.current(environment) == number


def test_two_approvals_of_one_waiting_stage_deploy_it_once(race: RaceWorkspace) -> None:
    promoter = Promoter(race.workspace)
    for _ in range(ROUNDS):
        number = build(promoter)
        assert promoter.promote(number, "Dev", "lead").state == "succeeded"
        assert promoter.promote(number, "Staging", "lead").state == "waiting"
        with race.gate("Staging"):
            racers = Racers([race.start("approve", str(number), "--stage", "Staging",
                                        "--as", who) for who in ("qa", "ops")])
            racers.first_done()
        (qa_code, qa_out), (ops_code, ops_out) = racers.results()

        assert_deployed_once(race, number, "Staging", "staging")
        assert sorted([qa_code, ops_code]) == [0, BUSY], qa_out + ops_out
        winner, loser_out = ("qa", ops_out) if qa_code == 0 else ("ops", qa_out)
        assert f"busy: {winner}'s approval already started the deployment of build " \
               f"{number} to Staging" in loser_out
        assert race.workspace.store.latest_stage_run(number, "Staging").started_by == winner
        assert promoter.promote(number, "Prod", "lead").state == "succeeded"


def test_an_approval_finding_the_other_one_half_way_is_told_who_started_it(
        race: RaceWorkspace) -> None:
    """The interleaving the race above met once in some forty rounds, made on purpose:
    qa's approval has closed the request and not yet moved the stage run on."""
    promoter = Promoter(race.workspace)
    number = build(promoter)
    assert promoter.promote(number, "Dev", "lead").state == "succeeded"
    assert promoter.promote(number, "Staging", "lead").state == "waiting"
    store = race.workspace.store
    waiting = store.latest_stage_run(number, "Staging")
    [approval] = store.approvals_for(waiting.id)
    store.add_decision(approval.id, "qa", "approved", "", seen=0, status="approved")

    late = promoter.approve(number, "Staging", "ops")
    assert (late.state, late.message) == (
        "busy", f"qa's approval already started the deployment of build {number} to Staging")
    assert store.latest_stage_run(number, "Staging").state == "waiting"  # ops moved nothing


def test_two_promotions_of_one_build_to_one_stage_deploy_it_once(
    race: RaceWorkspace,
) -> None:
    promoter = Promoter(race.workspace)
    for _ in range(ROUNDS):
        number = build(promoter)
        with race.gate("Dev"):
            racers = Racers([race.start("promote", str(number), "--to", "Dev", "--as", who)
                             for who in ("lead", "dev")])
            racers.first_done()
        (lead_code, lead_out), (dev_code, dev_out) = racers.results()

        assert_deployed_once(race, number, "Dev", "dev")
        assert sorted([lead_code, dev_code]) == [0, BUSY], lead_out + dev_out
        winner, loser_out = ("lead", dev_out) if lead_code == 0 else ("dev", lead_out)
        assert f"busy: build {number} is already being deployed to Dev, requested by " \
               f"{winner}" in loser_out
        assert promoter.promote(number, "Staging", "lead").state == "waiting"


def test_an_approval_and_a_rejection_at_once_agree_with_what_happened(
    race: RaceWorkspace,
) -> None:
    promoter = Promoter(race.workspace)
    for _ in range(ROUNDS):
        number = build(promoter)
        assert promoter.promote(number, "Dev", "lead").state == "succeeded"
        assert promoter.promote(number, "Staging", "lead").state == "waiting"
        with race.gate("Staging"):
            racers = Racers([race.start("approve", str(number), "--stage", "Staging",
                                        "--as", "qa"),
                             race.start("reject", str(number), "--stage", "Staging",
                                        "--as", "ops")])
            racers.first_done()
        (approve_code, approve_out), (reject_code, reject_out) = racers.results()

        [record] = [r for r in race.workspace.store.stage_runs(number) if r.stage == "Staging"]
        if record.state == "succeeded":  # the approval won: deployed once, the rejection told
            assert_deployed_once(race, number, "Staging", "staging")
            assert (approve_code, reject_code) == (0, BUSY), approve_out + reject_out
            assert f"busy: qa's approval already started the deployment of build {number}" \
                in reject_out
        else:  # the rejection won: nothing deployed, the approval told
            assert (record.state, record.result) == ("rejected", "Skipped")
            assert race.deploys("Staging", number) == 0
            assert [d for d in race.workspace.store.deployments("staging")
                    if d.run_id == number] == []
            assert reject_code == 1 and reject_out.startswith("rejected: ops rejected")
            assert approve_code in (1, BUSY), approve_out
            assert "rejected" in approve_out
