"""SIGINT (Ctrl-C) and SIGTERM to a real `release-manager` while it changes releases: no
traceback; the running step's process group is ended; the environment keeps its release
(or gets it back, when the signal comes after the switch); the record is closed as
canceled; one line on stderr says so, and the exit code is 128 + the signal (130, 143)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from crash_support import SECONDS, CrashWorkspace, held_at, running

STOPS = [signal.SIGINT, signal.SIGTERM]


@pytest.fixture()
def crash(tmp_path: Path) -> CrashWorkspace:
    return CrashWorkspace(tmp_path)


def stop(process, number: signal.Signals, step: int | None = None) -> tuple[str, str]:
    """Send `number` to `process`; its output once it has ended (by itself: the step it
    ran, when given, is held at its gate and must have been ended, not let through)."""
    os.kill(process.pid, number)
    out, err = process.communicate(timeout=SECONDS)
    if step is not None:
        assert not running(step)
    assert "Traceback" not in out + err
    assert process.returncode == 128 + number, out + err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"release-manager: stopped by {number.name}: "), err
    return out, err


def assert_canceled(crash: CrashWorkspace, number: int, stage: str, serving: str) -> None:
    record = crash.store.latest_stage_run(number, stage)
    assert (record.state, record.result) == ("canceled", "Canceled")
    assert record.message.endswith(serving), record.message
    environment = stage.lower()
    [deployment] = [d for d in crash.store.deployments(environment) if d.run_id == number]
    assert (deployment.state, deployment.message) == ("canceled", record.message)


@pytest.mark.parametrize("number", STOPS, ids=lambda n: n.name)
def test_a_signal_at_the_deploy_step_cancels_the_deployment(
        crash: CrashWorkspace, number: signal.Signals) -> None:
    previous = crash.deployed()
    build = crash.build()
    with crash.gate("dev-before-switch"):
        deploying = crash.start("promote", str(build), "--to", "Dev")
        step = held_at(deploying, "dev-before-switch")
        out, err = stop(deploying, number, step)

    assert err.strip().endswith(f"; dev serves build {previous}"), err
    assert crash.current() == previous
    assert_canceled(crash, build, "Dev", f"dev serves build {previous}")
    assert_redeploys_after_cancel(crash, build)


def assert_redeploys_after_cancel(crash: CrashWorkspace, build: int) -> None:
    retry = crash.cli("promote", str(build), "--to", "Dev")
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert crash.current() == build


def test_ctrl_c_after_the_switch_puts_the_previous_release_back(
        crash: CrashWorkspace) -> None:
    previous = crash.deployed()
    build = crash.build()
    with crash.gate("dev-after-switch"):
        deploying = crash.start("promote", str(build), "--to", "Dev")
        step = held_at(deploying, "dev-after-switch")
        assert crash.current() == build
        stop(deploying, signal.SIGINT, step)

    assert crash.current() == previous
    assert_canceled(crash, build, "Dev", f"dev serves build {previous}")
    assert_redeploys_after_cancel(crash, build)


def test_sigterm_to_an_approval_cancels_the_deployment_it_started(
        crash: CrashWorkspace) -> None:
    build = crash.deployed()
    asked = crash.cli("promote", str(build), "--to", "Staging")
    assert asked.returncode == 3, asked.stdout
    with crash.gate("staging-before-switch"):
        approving = crash.start("approve", str(build), "--stage", "Staging", "--as", "qa")
        step = held_at(approving, "staging-before-switch")
        stop(approving, signal.SIGTERM, step)

    assert crash.current("staging") is None
    assert_canceled(crash, build, "Staging", "staging has no release in service")


def test_ctrl_c_during_a_run_cancels_its_build(crash: CrashWorkspace) -> None:
    with crash.gate("build"):
        building = crash.start("run")
        step = held_at(building, "build")
        _, err = stop(building, signal.SIGINT, step)

    [run] = crash.store.runs()
    record = crash.store.latest_stage_run(run.id, "Build")
    assert (record.state, record.result) == ("canceled", "Canceled")
    assert err.startswith(f"release-manager: stopped by SIGINT: build {run.id}: canceled")
    assert crash.store.active_stage_runs() == []


def test_ctrl_c_to_a_rollback_waiting_for_a_deployment_cancels_it(
        crash: CrashWorkspace) -> None:
    crash.deployed()
    crash.deployed()
    build = crash.build()
    with crash.gate("dev-before-switch"):
        deploying = crash.start("promote", str(build), "--to", "Dev")
        held_at(deploying, "dev-before-switch")
        rolling_back = crash.start("rollback", "dev", "--as", "ops")
        assert rolling_back.stdout is not None
        waiting = rolling_back.stdout.readline()
        assert "Waiting for the deployment to dev in progress to end" in waiting
        _, err = stop(rolling_back, signal.SIGINT)
    out, _ = deploying.communicate(timeout=SECONDS)

    assert err == ("release-manager: stopped by SIGINT: canceled: the rollback of dev was "
                   "cancelled while waiting for the deployment in progress\n")
    assert deploying.returncode == 0, out
    assert crash.current() == build
    assert [d.kind for d in crash.store.deployments("dev")] == ["deploy"] * 3


def test_ctrl_c_to_logs_follow_ends_it_in_one_line(crash: CrashWorkspace) -> None:
    build = crash.build()
    with crash.gate("dev-before-switch"):
        deploying = crash.start("promote", str(build), "--to", "Dev")
        held_at(deploying, "dev-before-switch")
        following = crash.start("logs", str(build), "--stage", "Dev", "--follow")
        held_at(following, "dev-before-switch")
        os.kill(following.pid, signal.SIGINT)
        out, err = following.communicate(timeout=SECONDS)
    deploying.communicate(timeout=SECONDS)

    assert "Traceback" not in out + err
    assert (following.returncode, err) == (130, "release-manager: interrupted (SIGINT)\n")
    assert deploying.returncode == 0  # following it was all Ctrl-C stopped
