"""One contract, every backend: what the engine relies on from a backend, asserted on the
data it gives back. Runs on each backend of `backends.BACKENDS` (the local one on a real
workspace with real processes, the in-memory fake, Azure DevOps on its emulator)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, FAILURE, LINES, SUBJECTS, Harness

from release_manager.engine.backend import (
    APPROVED,
    COMPLETED,
    QUEUED,
    REJECTED,
    RUNNING,
    Capabilities,
    StageRef,
    StageStatus,
)
from release_manager.engine.backend_errors import BackendError, NotFound

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX shell scripts")

END = 120.0
"""The longest a stage of this suite is waited for (it ends long before)."""


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


@pytest.fixture(params=sorted(BACKENDS))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with BACKENDS[request.param](tmp_path) as made:
        yield made


def ended(harness: Harness, ref: StageRef) -> StageStatus:
    status = harness.backend.wait(ref, END)
    assert status.state == COMPLETED, harness.backend.read_log(ref)
    return status


def deployed(harness: Harness, run_id: int, environment: str = "dev") -> None:
    pipeline, stage = harness.deployment(run_id, environment, False)
    ref = harness.backend.start_stage(pipeline, stage, harness.context(run_id))
    assert ended(harness, ref).result == "Succeeded", harness.backend.read_log(ref)


def test_start_returns_at_once_and_observing_reaches_the_end(harness: Harness) -> None:
    backend = harness.backend
    pipeline, holding = harness.stage("holds")
    held = backend.start_stage(pipeline, holding, harness.context(1))
    assert backend.observe(held).state in (QUEUED, RUNNING)  # start did not wait for it
    assert backend.wait(held, END, after_line=0).lines > 0  # the wait woke on its log
    backend.cancel(held)
    assert ended(harness, held).result == "Canceled"

    pipeline, stage = harness.stage("succeeds")
    ref = backend.start_stage(pipeline, stage, harness.context(1))
    assert (ref.run_id, ref.stage) == (1, "Succeeds") and ref.id != held.id
    status = ended(harness, ref)
    assert (status.result, status.lines) == ("Succeeded", len(backend.read_log(ref)))
    assert backend.observe(ref) == status
    assert backend.outcome(ref).result == "Succeeded"
    log = backend.read_log(ref)
    assert [line for line in log if line in LINES] == list(LINES)


def test_a_failing_stage_ends_failed_with_a_message(harness: Harness) -> None:
    backend = harness.backend
    pipeline, stage = harness.stage("fails")
    ref = backend.start_stage(pipeline, stage, harness.context(1))
    status = ended(harness, ref)
    outcome = backend.outcome(ref)
    assert (status.result, outcome.result) == ("Failed", "Failed")
    assert status.message == outcome.message != ""
    assert any(FAILURE in line for line in backend.read_log(ref))


def test_retry_runs_a_stage_again_under_a_new_reference(harness: Harness) -> None:
    backend = harness.backend
    pipeline, stage = harness.stage("fails")
    first = backend.start_stage(pipeline, stage, harness.context(1))
    ended(harness, first)
    again = backend.retry(first)
    assert again.id != first.id and (again.run_id, again.stage) == (1, "Fails")
    assert ended(harness, again).result == "Failed"
    assert backend.outcome(first).result == "Failed"  # the first attempt is still there


def test_a_cancelled_deployment_ends_canceled_and_keeps_the_previous_release(
        harness: Harness) -> None:
    backend = harness.backend
    deployed(harness, 1)
    pipeline, stage = harness.deployment(2, "dev", True)
    ref = backend.start_stage(pipeline, stage, harness.context(2))
    backend.wait(ref, END, after_line=0)
    assert not backend.observe(ref).finished
    backend.cancel(ref)
    status = ended(harness, ref)
    assert (status.result, backend.outcome(ref).result) == ("Canceled", "Canceled")
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(1, True)]


def test_the_log_read_from_a_line_on_holds_only_the_lines_after_it(harness: Harness) -> None:
    backend = harness.backend
    pipeline, stage = harness.stage("succeeds")
    ref = backend.start_stage(pipeline, stage, harness.context(1))
    ended(harness, ref)
    whole = backend.read_log(ref)
    assert len(whole) == backend.observe(ref).lines >= len(LINES)
    for start in range(len(whole) + 1):
        assert backend.read_log(ref, start) == whole[start:]


def test_releases_are_newest_first_and_activate_switches_the_current_one_back(
        harness: Harness) -> None:
    backend = harness.backend
    assert backend.releases("dev") == []
    deployed(harness, 1)
    deployed(harness, 2)
    releases = backend.releases("dev")
    assert [(r.environment, r.run_id, r.current) for r in releases] == [
        ("dev", 2, True), ("dev", 1, False)]
    assert all(isinstance(r.location, str) and r.location for r in releases)
    assert len({r.location for r in releases}) == 2

    log = Log()
    back = backend.activate("dev", 1, log)
    assert (back.run_id, back.current, back.location) == (1, True, releases[1].location)
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(2, False), (1, True)]
    assert log.lines != []


def test_capabilities_are_declared(harness: Harness) -> None:
    assert isinstance(harness.backend.capabilities, Capabilities)
    assert harness.backend.capabilities == harness.enforces
    assert isinstance(harness.backend.name, str) and harness.backend.name


def test_an_unknown_stage_reference_is_not_found(harness: Harness) -> None:
    backend = harness.backend
    unknown = StageRef("no-such-stage-run", 1, "Build")
    calls = [lambda: backend.observe(unknown), lambda: backend.wait(unknown, 1.0),
             lambda: backend.outcome(unknown), lambda: backend.read_log(unknown, 0),
             lambda: backend.cancel(unknown), lambda: backend.retry(unknown)]
    for call in calls:
        with pytest.raises(NotFound) as raised:
            call()
        assert (raised.value.kind, raised.value.name) == ("stage", "no-such-stage-run")


def test_branches_and_the_commits_between_two_builds(harness: Harness) -> None:
    backend = harness.backend
    assert backend.branches() == harness.branches
    first, second, third = harness.commits
    queued = backend.queue_run("release", {})
    assert (queued.branch, queued.commit) == ("refs/heads/release", third)
    assert backend.queue_run(None, {}).branch == f"refs/heads/{harness.branches[0]}"

    between = backend.commits_between(first, third)
    assert [line.split(" ", 1)[1] for line in between] == [
        f"{SUBJECTS[2]} ({harness.author})", f"{SUBJECTS[1]} ({harness.author})"]
    shown = [line.split(" ", 1)[0] for line in between]
    assert len(shown[0]) >= 7 and third.startswith(shown[0]) and second.startswith(shown[1])
    assert backend.commits_between(third, third) == []
    assert len(backend.commits_between("", third)) == 3


def waiting_approvals(harness: Harness, ref: StageRef) -> list:
    """The backend's pending approvals once the stage waits on one (observed, never slept)."""
    for _ in range(200):
        found = harness.backend.pending_approvals()
        if found:
            return found
        assert not harness.backend.wait(ref, 0.1).finished
    raise AssertionError("the stage never waited for its approval")


def test_approvals_the_backend_holds_are_listed_and_decided(harness: Harness) -> None:
    backend = harness.backend
    if harness.approval is None:  # the engine asks for and keeps this backend's approvals
        assert not harness.enforces.approvals
        assert backend.pending_approvals() == []
        with pytest.raises(BackendError):
            backend.decide(1, "Deploy", APPROVED)
        return
    pipeline, stage = harness.approval(1)
    ref = backend.start_stage(pipeline, stage, harness.context(1))
    [pending] = waiting_approvals(harness, ref)
    assert (pending.run_id, pending.stage) == (1, stage.name)
    assert harness.author in pending.approvers and pending.required == 1
    assert backend.observe(ref).state == QUEUED  # it waits: nothing ran yet

    backend.decide(1, stage.name.lower(), APPROVED, "go")
    assert ended(harness, ref).result == "Succeeded"
    assert backend.pending_approvals() == []

    pipeline, stage = harness.approval(2)
    ref = backend.start_stage(pipeline, stage, harness.context(2))
    waiting_approvals(harness, ref)
    backend.decide(2, stage.name, REJECTED, "not this one")
    status = ended(harness, ref)
    assert status.result == "Failed" and status.message != ""
