"""Every option of an environment is a rule the engine enforces, and the plan lists exactly
the checks it runs: business hours (on a clock the test sets), the exclusive lock, the
health check and its address; rollback goes back, never back and forth. On the demo
workspace with the local backend: real git, real processes, real SQLite."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from local_support import Log

from release_manager.core.environments_file import load_environments, save_environments
from release_manager.core.model import BusinessHours
from release_manager.engine.demo import create_demo
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.promotion import Promoter, PromotionResult
from release_manager.engine.release_status import workspace_status
from release_manager.engine.workspace import Workspace

PARIS = ZoneInfo("Europe/Paris")
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=PARIS)
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)


class Clock:
    """The engine's clock, moved by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture()
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(create_demo(tmp_path / "space-game").parent)


def configure(workspace: Workspace, name: str, **settings: object) -> None:
    """Change environment `name` as the inspector saves it: in environments.yml."""
    environments = load_environments(workspace.root)
    for key, value in settings.items():
        setattr(environments[name], key, value)
    save_environments(workspace.root, environments)


def build(promoter: Promoter) -> int:
    run, [built] = promoter.run_pipeline("lead")
    assert built.state == "succeeded", built.message
    return run.id


def current_release(workspace: Workspace, environment: str) -> int | None:
    return next((r.run_id for r in workspace.backend.releases(environment) if r.current),
                None)


def test_a_sunday_night_promotion_is_refused_outside_business_hours(
        workspace: Workspace) -> None:
    configure(workspace, "dev", business_hours=BusinessHours(
        ["Monday", "Tuesday"], "09:00", "17:00", "Europe/Paris"))
    clock = Clock(SUNDAY_NIGHT)
    promoter = Promoter(workspace, clock=clock)
    run_id = build(promoter)

    plan = promoter.plan(run_id, "Dev")
    assert [c.text for c in plan.checks if c.kind == "business_hours"] == [
        "dev: business hours, deploys only Monday–Tuesday 09:00–17:00 (Europe/Paris)"]
    [blocker] = plan.blockers
    assert "next window opens Monday 7 December 2026 at 09:00 (Europe/Paris)" in blocker

    refused = promoter.promote(run_id, "Dev", "lead")
    assert (refused.state, refused.exit_code) == ("refused", 1)
    assert refused.message == (
        "dev deploys only during business hours, Monday–Tuesday 09:00–17:00 (Europe/Paris); "
        "it is Sunday 23:30 there now: the next window opens Monday 7 December 2026 at "
        "09:00 (Europe/Paris)")
    assert current_release(workspace, "dev") is None
    assert workspace.store.latest_stage_run(run_id, "Dev") is None

    clock.moment = MONDAY_MORNING
    assert promoter.plan(run_id, "Dev").blockers == []
    done = promoter.promote(run_id, "Dev", "lead")
    assert done.state == "succeeded", done.message
    assert current_release(workspace, "dev") == run_id


def test_an_approval_that_would_deploy_outside_business_hours_waits_for_the_window(
        workspace: Workspace) -> None:
    configure(workspace, "staging", business_hours=BusinessHours(
        ["Monday", "Tuesday"], "09:00", "17:00", "Europe/Paris"))
    clock = Clock(MONDAY_MORNING)
    promoter = Promoter(workspace, clock=clock)
    run_id = build(promoter)
    promoter.promote(run_id, "Dev", "lead")
    promoter.promote(run_id, "Test", "lead")

    clock.moment = SUNDAY_NIGHT
    assert promoter.promote(run_id, "Staging", "lead").state == "waiting"
    early = promoter.approve(run_id, "Staging", "qa", "looks good")
    assert early.state == "refused"
    assert "it is Sunday 23:30 there now" in early.message
    assert "give it while the window is open (the request stays open)" in early.message
    assert current_release(workspace, "staging") is None
    [pending] = promoter.pending_approvals()
    assert pending.decisions == []

    clock.moment = MONDAY_MORNING
    approved = promoter.approve(run_id, "Staging", "qa", "looks good")
    assert approved.state == "succeeded", approved.message
    assert current_release(workspace, "staging") == run_id


def promote_in_thread(promoter: Promoter, run_id: int) -> tuple[threading.Thread, list]:
    results: list[PromotionResult] = []
    thread = threading.Thread(target=lambda: results.append(
        promoter.promote(run_id, "Dev", "lead")))
    thread.start()
    return thread, results


def test_without_an_exclusive_lock_a_busy_environment_refuses_at_once(
        workspace: Workspace) -> None:
    promoter = Promoter(workspace)
    run_id = build(promoter)
    busy = EnvironmentLock(workspace.locks_dir, "dev")
    busy.acquire(wait=False)  # another deployment to dev is in progress
    try:
        thread, results = promote_in_thread(promoter, run_id)
        thread.join(60)
        assert results, "the promotion waited for the lock instead of refusing"
    finally:
        busy.release()
        thread.join(60)
    [refused] = results
    assert refused.state == "refused"
    assert "dev has no exclusive lock, so a promotion does not wait" in refused.message
    assert current_release(workspace, "dev") is None
    assert "exclusive lock" not in "\n".join(c.text for c in promoter.plan(run_id, "Dev").checks)

    configure(workspace, "dev", exclusive_lock=True)
    assert "dev: exclusive lock, one deployment at a time; a promotion waits for the one " \
        "in progress (runLatest: an older build waiting gives way to a newer one)" in [
            c.text for c in promoter.plan(run_id, "Dev").checks]


def set_lock_behavior(workspace: Workspace, stage: str, value: str) -> None:
    """Write the stage's lockBehavior into the pipeline file, as the stage form saves it."""
    text = workspace.pipeline_path.read_text()
    key = f"- stage: '{stage}'\n"
    assert key in text
    workspace.pipeline_path.write_text(text.replace(key, f"{key}  lockBehavior: {value}\n", 1))
    assert workspace.load_pipeline().stage(stage).lock_behavior == value


def test_run_latest_an_older_build_waiting_for_the_lock_gives_way_to_a_newer_one(
        workspace: Workspace) -> None:
    configure(workspace, "dev", exclusive_lock=True)
    set_lock_behavior(workspace, "Dev", "runLatest")
    promoter = Promoter(workspace)
    older, newer = build(promoter), build(promoter)
    busy = EnvironmentLock(workspace.locks_dir, "dev")
    busy.acquire(wait=False)  # a deployment to dev is in progress
    older_log, newer_log = Log(), Log()
    results: dict[int, PromotionResult] = {}
    threads = []
    try:
        for run_id, log in ((older, older_log), (newer, newer_log)):
            thread = threading.Thread(target=lambda r=run_id, w=log: results.__setitem__(
                r, promoter.promote(r, "Dev", "lead", log=w)))
            thread.start()
            threads.append(thread)
            assert log.when("Waiting for the deployment to dev").wait(60)
        threads[0].join(60)
        assert older in results, "the older build kept waiting"
    finally:
        busy.release()
        for thread in threads:
            thread.join(60)
    assert results[older].state == "canceled"
    assert results[older].message == (
        f"superseded while waiting for dev: build {newer} is newer and goes to Dev too "
        "(lockBehavior runLatest deploys only the latest)")
    assert results[newer].state == "succeeded", results[newer].message
    assert current_release(workspace, "dev") == newer


def test_sequential_every_build_waiting_for_the_lock_deploys_in_turn(
        workspace: Workspace) -> None:
    configure(workspace, "dev", exclusive_lock=True)
    set_lock_behavior(workspace, "Dev", "sequential")
    promoter = Promoter(workspace)
    older, newer = build(promoter), build(promoter)
    assert "runLatest" not in "\n".join(c.text for c in promoter.plan(older, "Dev").checks)
    busy = EnvironmentLock(workspace.locks_dir, "dev")
    busy.acquire(wait=False)
    results: dict[int, PromotionResult] = {}
    threads = []
    try:
        for run_id in (older, newer):
            log = Log()
            thread = threading.Thread(target=lambda r=run_id, w=log: results.__setitem__(
                r, promoter.promote(r, "Dev", "lead", log=w)))
            thread.start()
            threads.append(thread)
            assert log.when("Waiting for the deployment to dev").wait(60)
    finally:
        busy.release()
        for thread in threads:
            thread.join(120)
    assert [results[older].state, results[newer].state] == ["succeeded", "succeeded"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        pass


def test_the_health_check_asks_the_address_the_environment_names(
        workspace: Workspace, tmp_path: Path) -> None:
    promoter = Promoter(workspace)
    first = build(promoter)
    configure(workspace, "dev", health_check_url="http://127.0.0.1:9/health")
    failed = promoter.promote(first, "Dev", "lead")
    assert failed.state == "failed"
    assert failed.message.startswith(
        "the health check of dev failed: http://127.0.0.1:9/health did not answer")
    [check] = [c for c in promoter.plan(first, "Dev").checks if c.kind == "health_check"]
    assert check.text == ("dev: health check after deployment, "
                          "http://127.0.0.1:9/health must answer HTTP 200")

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "health").write_text("ok")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler,
                                                           directory=str(tmp_path / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/health"
        configure(workspace, "dev", health_check_url=url)
        second = build(promoter)
        done = promoter.promote(second, "Dev", "lead")
    finally:
        server.shutdown()
        server.server_close()
    assert done.state == "succeeded", done.message
    assert f"Health check of dev: HTTP 200 from {url}" in Path(
        done.stage_run.log_path).read_text()

    configure(workspace, "dev", health_check=False, health_check_url="")
    third = build(promoter)
    assert [c.kind for c in promoter.plan(third, "Dev").checks] == []
    unchecked = promoter.promote(third, "Dev", "lead")
    assert "Health check" not in Path(unchecked.stage_run.log_path).read_text()


def test_rolling_back_twice_goes_back_twice(workspace: Workspace) -> None:
    promoter = Promoter(workspace)
    builds = [build(promoter) for _ in range(3)]
    for run_id in builds:
        assert promoter.promote(run_id, "Dev", "lead").state == "succeeded"
    first, second, third = builds

    assert promoter.rollback("dev", "ops").message == \
        f"dev rolled back from build {third} to build {second}"
    assert promoter.rollback("dev", "ops").message == \
        f"dev rolled back from build {second} to build {first}"
    assert current_release(workspace, "dev") == first

    status = next(e for e in workspace_status(workspace, promoter).environments
                  if e.name == "dev")
    assert (status.current_build, status.rollback_to) == (first, None)
    assert status.rollback_reason == \
        f"dev runs build {first}, and no older build was deployed there successfully"
    last = promoter.rollback("dev", "ops")
    assert last.state == "refused"
    assert current_release(workspace, "dev") == first


def test_the_rollback_target_is_the_newest_good_release_older_than_the_live_one(
        workspace: Workspace) -> None:
    promoter = Promoter(workspace)
    assert promoter.rollback_target("dev") == (None, "nothing was deployed to dev yet")
    first, second = build(promoter), build(promoter)
    for run_id in (first, second):
        promoter.promote(run_id, "Dev", "lead")
    assert promoter.rollback_target("dev") == (
        first, f"dev runs build {second}; build {first} is the newest good release older "
        "than it")
