"""The engine drives a backend through the protocol only: it follows a stage it started
(its log into the run's log file, its reference on record), cancels it there, and leaves
to the backend what the backend says it enforces."""

from __future__ import annotations

from pathlib import Path

from fake_backend import Behaviour, FakeBackend

from release_manager.engine.backend import CancelToken, Capabilities
from release_manager.engine.demo import create_demo
from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace

RELEASE = {"release": FakeBackend().history["main"]}
"""One branch, `release`: the demo's Dev deploys builds of it only."""


def demo(tmp_path: Path, backend: FakeBackend) -> tuple[Workspace, Promoter]:
    workspace = Workspace(create_demo(tmp_path / "space-game").parent, backend=backend)
    return workspace, Promoter(workspace)


def test_a_stage_is_followed_to_its_end_with_its_log_and_reference_on_record(
        tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.behave("Build", Behaviour(("compiling", "packing")))
    workspace, promoter = demo(tmp_path, backend)
    run, [build] = promoter.run_pipeline("lead")

    assert build.state == "succeeded"
    record = workspace.store.stage_run(build.stage_run.id)
    assert record.remote_ref.startswith("fake-")
    assert Path(record.log_path).read_text("utf-8").splitlines()[-3:] == [
        "compiling", "packing", "Stage Build: Succeeded"]
    assert (workspace.store.run(run.id).backend, workspace.store.run(run.id).remote_id) == (
        "fake", "fake-run-1")
    assert backend.started[-1].remote_id == "fake-run-1"  # the stage knows its run there


def test_cancelling_the_token_cancels_the_stage_on_the_backend(tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.behave("Build", Behaviour(("holding",), holds=True))
    workspace, promoter = demo(tmp_path, backend)
    token = CancelToken()

    class CancelOnHold:
        def write(self, line: str) -> None:
            if line == "holding":
                token.cancel()

    _, [build] = promoter.run_pipeline("lead", log=CancelOnHold(), cancel=token)
    assert (build.state, build.stage_run.result) == ("canceled", "Canceled")


def test_approvals_the_backend_enforces_are_not_asked_for_again(tmp_path: Path) -> None:
    """Staging needs qa's or ops's approval: the engine asks for it on a backend that
    does not enforce approvals, and leaves it to one that does."""
    for enforces, state in ((Capabilities(), "waiting"),
                            (Capabilities(approvals=True, exclusive_locks=True), "succeeded")):
        _, promoter = demo(tmp_path / state,
                           FakeBackend(capabilities=enforces, branches=RELEASE))
        run, _ = promoter.run_pipeline("lead")
        for stage in ("Dev", "Test"):
            assert promoter.promote(run.id, stage, "lead").state == "succeeded"
        staging = promoter.promote(run.id, "Staging", "lead")
        assert staging.state == state, staging.message
        assert [p.approval.stage for p in promoter.pending_approvals()] == (
            ["Staging"] if state == "waiting" else [])


def test_a_condition_the_backend_evaluates_is_not_judged_here(tmp_path: Path) -> None:
    """The demo's Dev deploys builds of `release` only: a build of `main` is skipped by
    the engine, and handed to a backend that evaluates conditions itself."""
    for enforces, state in ((Capabilities(), "skipped"),
                            (Capabilities(conditions=True), "succeeded")):
        _, promoter = demo(tmp_path / state, FakeBackend(capabilities=enforces))
        run, _ = promoter.run_pipeline("lead", branch="main")
        assert promoter.promote(run.id, "Dev", "lead").state == state


def test_dependencies_the_backend_evaluates_are_not_refused_here(tmp_path: Path) -> None:
    """Test depends on Dev: the engine refuses a build that has not been through Dev yet,
    and leaves it to a backend that evaluates dependencies itself (Azure runs the stage
    once its dependencies are done)."""
    for enforces, state in ((Capabilities(), "refused"),
                            (Capabilities(conditions=True), "succeeded")):
        _, promoter = demo(tmp_path / state,
                           FakeBackend(capabilities=enforces, branches=RELEASE))
        run, _ = promoter.run_pipeline("lead")
        result = promoter.promote(run.id, "Test", "lead")
        assert result.state == state, result.message
