"""A rollback asked for during a deployment, from another process: it waits for the
environment's lock (never interleaves), the deployment's health check verifies its own
build, and the rollback then goes back from what that deployment left in service. Two
rollbacks at once go back twice, one after the other, never back and forth."""

from __future__ import annotations

from pathlib import Path

from race_support import ROUNDS, Racers, RaceWorkspace, read_until

from release_manager.engine.promotion import Promoter

WAITING = "Waiting for the deployment to dev in progress to end before rolling back"


def test_a_rollback_during_a_deployment_waits_for_it(tmp_path: Path) -> None:
    race = RaceWorkspace(tmp_path)
    promoter = Promoter(race.workspace)
    for _ in range(2):  # two good releases to start from
        run, _ = promoter.run_pipeline("lead")
        assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
    previous = run.id
    for _ in range(ROUNDS):
        run, _ = promoter.run_pipeline("lead")
        number = run.id
        with race.gate("Dev"):
            deploying = race.start("promote", str(number), "--to", "Dev", "--as", "lead")
            assert "gate: waiting" in "".join(read_until(deploying, "gate: waiting"))
            rolling_back = race.start("rollback", "dev", "--as", "ops")
            seen = "".join(read_until(rolling_back, WAITING))
            assert WAITING in seen, seen  # it waits: it did not roll back under the deployment
            assert rolling_back.poll() is None
            racers = Racers([deploying, rolling_back])
        (deploy_code, deploy_out), (rollback_code, rollback_out) = racers.results()

        assert deploy_code == 0, deploy_out
        assert "Health check of dev: HTTP 200 from" in deploy_out
        assert f"serving release {number}" in deploy_out
        assert race.workspace.store.latest_stage_run(number, "Dev").state == "succeeded"
        assert rollback_code == 0, rollback_out
        assert f"succeeded: dev rolled back from build {number} to build {previous}" \
            in rollback_out
        assert race.current("dev") == previous
        deployed, rolled_back = sorted(
            (d for d in race.workspace.store.deployments("dev")
             if d.run_id in (number, previous)), key=lambda d: d.id)[-2:]
        assert (deployed.kind, deployed.run_id, deployed.state) == \
            ("deploy", number, "succeeded")
        assert (rolled_back.kind, rolled_back.run_id, rolled_back.state) == \
            ("rollback", previous, "succeeded")
        previous = number


def test_two_rollbacks_at_once_go_back_twice(tmp_path: Path) -> None:
    race = RaceWorkspace(tmp_path)
    promoter = Promoter(race.workspace)
    builds = []
    for _ in range(2 * ROUNDS + 1):
        run, _ = promoter.run_pipeline("lead")
        assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
        builds.append(run.id)
    current = builds.pop()
    for _ in range(ROUNDS):
        racers = Racers([race.start("rollback", "dev", "--as", who) for who in ("ops", "lead")])
        results = racers.results()

        middle, target = builds.pop(), builds.pop()
        assert [code for code, _ in results] == [0, 0], results
        said = sorted(out.splitlines()[-1] for _, out in results)
        assert said == sorted([
            f"succeeded: dev rolled back from build {current} to build {middle}",
            f"succeeded: dev rolled back from build {middle} to build {target}"]), said
        assert race.current("dev") == target
        current = target
