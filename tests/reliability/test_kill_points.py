"""kill -9 of a real `release-manager` at each point of a deployment: before the
`current` switch, after it (before the health check, and during it), after it on a first
deployment, and in the middle of a rollback. The next command, whatever it is, leaves the
store telling the truth: the environment serves its previous complete release again (the
switch back recorded), the interrupted record is closed saying so, the killed
deployment's step processes are gone, and the same build can be deployed again."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from crash_support import SECONDS, CrashWorkspace, held_at, kill_9, running

ENDED = "ended before it finished"


@pytest.fixture()
def crash(tmp_path: Path) -> CrashWorkspace:
    return CrashWorkspace(tmp_path)


def assert_interrupted(crash: CrashWorkspace, number: int, serving: str) -> None:
    """The killed deployment of `number` is closed as interrupted, saying what dev
    serves now."""
    record = crash.store.latest_stage_run(number, "Dev")
    assert (record.state, record.result) == ("interrupted", "Canceled")
    assert record.message == (f"interrupted: the process running Dev for build {number} "
                              f"{ENDED}; {serving}")
    [deployment] = [d for d in crash.store.deployments("dev")
                    if d.run_id == number and d.kind == "deploy"]
    assert (deployment.state, deployment.message) == ("interrupted", record.message)


def assert_redeploys(crash: CrashWorkspace, number: int) -> None:
    retry = crash.cli("promote", str(number), "--to", "Dev")
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert crash.current() == number
    attempts = [r.state for r in crash.store.stage_runs(number) if r.stage == "Dev"]
    assert attempts == ["interrupted", "succeeded"]


def test_killed_before_the_switch(crash: CrashWorkspace) -> None:
    previous = crash.deployed()
    number = crash.build()
    with crash.gate("dev-before-switch"):
        deploying = crash.start("promote", str(number), "--to", "Dev")
        step = held_at(deploying, "dev-before-switch")
        kill_9(deploying)
        assert running(step)  # the step outlived its deployment…
        after = crash.cli("status")
        assert after.returncode == 0, after.stderr
        assert not running(step)  # …until the next command ended it

    assert crash.current() == previous
    assert_interrupted(crash, number, f"dev serves build {previous}")
    assert [d.kind for d in crash.store.deployments("dev")] == ["deploy", "deploy"]
    assert_redeploys(crash, number)


def test_killed_after_the_switch_before_the_health_check(crash: CrashWorkspace) -> None:
    previous = crash.deployed()
    number = crash.build()
    with crash.gate("dev-after-switch"):
        deploying = crash.start("promote", str(number), "--to", "Dev")
        step = held_at(deploying, "dev-after-switch")
        kill_9(deploying)
        assert crash.current() == number  # live, and never verified
        after = crash.cli("approvals")  # any verb opening the workspace recovers
        assert after.returncode == 0, after.stderr
        assert not running(step)

    assert crash.current() == previous
    assert_interrupted(crash, number, f"dev serves build {previous}")
    switch_back = crash.store.deployments("dev")[0]
    assert (switch_back.kind, switch_back.run_id, switch_back.state, switch_back.by) == \
        ("rollback", previous, "succeeded", "system")
    assert switch_back.message.startswith(
        f"dev switched back from build {number} to build {previous}: build {number} was "
        "not verified")
    audit = crash.store.audit_trail()[-1]
    assert (audit.actor, audit.action, audit.subject) == ("system", "switch back", "dev")
    assert (audit.detail["from_build"], audit.detail["to_build"]) == (number, previous)
    log = Path(crash.store.latest_stage_run(number, "Dev").log_path).read_text("utf-8")
    assert f"dev is back on build {previous}: build {number} was not verified" in log
    assert_redeploys(crash, number)


def test_killed_during_the_health_check(crash: CrashWorkspace) -> None:
    previous = crash.deployed()
    number = crash.build()
    with socket.create_server(("127.0.0.1", 0)) as health:  # answers nobody
        crash.health_check(f"http://127.0.0.1:{health.getsockname()[1]}/health")
        health.settimeout(SECONDS)
        deploying = crash.start("promote", str(number), "--to", "Dev")
        asking, _ = health.accept()  # the deployment is asking: it is in the health check
        with asking:
            kill_9(deploying)
    assert crash.current() == number
    after = crash.cli("status")
    assert after.returncode == 0, after.stderr

    assert crash.current() == previous
    assert_interrupted(crash, number, f"dev serves build {previous}")
    assert crash.store.deployments("dev")[0].kind == "rollback"
    crash.health_check("")
    assert_redeploys(crash, number)


def test_a_first_deployment_killed_after_the_switch_is_taken_out_of_service(
        crash: CrashWorkspace) -> None:
    number = crash.build()
    with crash.gate("dev-after-switch"):
        deploying = crash.start("promote", str(number), "--to", "Dev")
        held_at(deploying, "dev-after-switch")
        kill_9(deploying)
        assert crash.current() == number
        after = crash.cli("status")

    assert crash.current() is None
    assert "dev          nothing deployed" in after.stdout
    assert_interrupted(crash, number, "dev has no release in service")
    audit = crash.store.audit_trail()[-1]
    assert (audit.actor, audit.action, audit.detail["build"]) == \
        ("system", "out of service", number)
    assert_redeploys(crash, number)


def full_pipe() -> tuple[int, int]:
    """A pipe whose buffer is full: a process writing to it blocks at its first write."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    for size in (65536, 1):
        try:
            while True:
                os.write(write_end, b"x" * size)
        except BlockingIOError:
            pass
    os.set_blocking(write_end, True)
    return read_end, write_end


def read_until(fifo: Path, text: str) -> str:
    """The lines read from `fifo` up to the one holding `text` (opening it waits for its
    writer)."""
    seen: list[str] = []

    def read() -> None:
        with fifo.open(encoding="utf-8") as lines:
            for line in lines:
                seen.append(line)
                if text in line:
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(SECONDS)
    return "".join(seen)


def test_killed_in_the_middle_of_a_rollback(crash: CrashWorkspace) -> None:
    """The rollback's log is a FIFO the test reads and its terminal a full pipe: once its
    log says the switch is made, the rollback is held at its next line, before its
    record is closed, and killed there."""
    target = crash.deployed()
    current = crash.deployed()
    following = max(d.id for d in crash.store.deployments()) + 1
    fifo = crash.workspace.logs_dir / "rollbacks" / f"dev.{following}.log"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    read_end, write_end = full_pipe()
    try:
        rolling_back = crash.start("rollback", "dev", "--as", "ops", stdout=write_end)
        os.close(write_end)
        seen = read_until(fifo, f"Release {target} is now current in dev")
        assert f"(was release {current})" in seen, seen
        assert crash.store.deployment(following).state == "running"
        kill_9(rolling_back)
    finally:
        os.close(read_end)
    assert crash.store.deployment(following).state == "running"

    after = crash.cli("status")
    assert after.returncode == 0, after.stderr
    rollback = crash.store.deployment(following)
    assert (rollback.kind, rollback.state, rollback.message) == (
        "rollback", "interrupted", f"interrupted: the process rolling back dev to build "
        f"{target} {ENDED}; dev serves build {target}")
    again = crash.cli("promote", str(current), "--to", "Dev")  # the lock is free, too
    assert again.returncode == 0, again.stdout + again.stderr
    assert crash.current() == current


def test_logs_follow_returns_when_the_deploying_process_dies(
        crash: CrashWorkspace) -> None:
    previous = crash.deployed()
    number = crash.build()
    with crash.gate("dev-before-switch"):
        deploying = crash.start("promote", str(number), "--to", "Dev")
        held_at(deploying, "dev-before-switch")
        following = crash.start("logs", str(number), "--stage", "Dev", "--follow")
        held_at(following, "dev-before-switch")  # it follows the live log
        kill_9(deploying)
        try:
            out, err = following.communicate(timeout=SECONDS)
        except subprocess.TimeoutExpired:
            following.kill()
            following.communicate()
            raise AssertionError("logs --follow kept following a dead writer") from None

    assert following.returncode == 0, err
    last = out.splitlines()[-1]
    assert last.startswith(f"===== the process running Dev (pid {deploying.pid}) ended "
                           f"before it finished: interrupted: ")
    assert last.endswith(f"; dev serves build {previous}")
