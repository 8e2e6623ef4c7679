"""The swap step over an AppTargets the engine never knows (here the in-memory fake):
planned (what is live, what will be, the rollback, or why not now), refused when the
slot's health check fails, verified by reading back, audited, held under the
environment's lock; rolled back by swapping back while the previous build is still in
the other slot; restart, stop and start audited."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from fake_targets import FakeTargets

from release_manager.core.environments_file import save_environments
from release_manager.core.model import ApprovalPolicy, AppServiceTarget
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import Unavailable
from release_manager.engine.demo import create_demo, demo_environments
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace

APP = "spacegame-web"
STAGING = AppServiceTarget(app=APP, slot="staging", swap_with="production",
                           health_path="/health")


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


class Mapped:
    """The demo workspace with staging mapped to slot staging of spacegame-web (swapped
    into production after a deployment) and dev to production of spacegame-dev."""

    def __init__(self, root: Path) -> None:
        self.environments = demo_environments()
        self.environments["staging"] = replace(self.environments["staging"], approval=None,
                                               app_service=STAGING)
        self.environments["dev"] = replace(self.environments["dev"],
                                           app_service=AppServiceTarget(app="spacegame-dev"))
        self.workspace = Workspace(create_demo(root / "space-game").parent)
        save_environments(self.workspace.root, self.environments)
        self.targets = FakeTargets()
        self.targets.deploy(APP, "production", 4)
        self.targets.deploy(APP, "staging", 5)
        self.targets.deploy("spacegame-dev", "production", 5)
        self.promoter = Promoter(self.workspace, targets=self.targets)
        self.actions = self.promoter.target_actions

    def builds(self) -> tuple[int | None, int | None]:
        """(production, staging) of spacegame-web."""
        slots = self.targets.apps[APP]
        return slots["production"].build, slots["staging"].build

    def audit(self, action: str) -> list:
        return [row for row in self.workspace.store.audit_trail() if row.action == action]


@pytest.fixture()
def mapped(tmp_path: Path) -> Mapped:
    return Mapped(tmp_path)


def test_the_plan_says_what_is_live_what_will_be_and_the_rollback(mapped: Mapped) -> None:
    plan = mapped.actions.swap_plan("Staging")  # named in any case

    assert (plan.environment, plan.slot, plan.with_slot) == ("staging", "staging",
                                                             "production")
    assert (plan.live_build, plan.next_build, plan.refused) == (4, 5, "")
    assert plan.lines() == [
        f"Swap slot staging with production of {APP} (staging)",
        "  live now in production: build 4",
        f"  will be live: build 5 (HTTP 200 from https://{APP}-staging.example/health)",
        "  rollback: a rollback of staging swaps back while slot staging "
        "still holds build 4"]


def test_a_failing_health_check_refuses_the_swap_with_its_reason(mapped: Mapped) -> None:
    mapped.targets.slot(APP, "staging").healthy = False
    plan = mapped.actions.swap_plan("staging")
    result = mapped.actions.swap(plan, "lead")

    reason = f"the health check of slot staging failed: HTTP 503 from https://{APP}-" \
             "staging.example/health"
    assert plan.refused == reason
    assert (result.state, result.message) == ("refused",
                                              f"staging cannot be swapped: {reason}")
    assert result.exit_code == 1
    assert mapped.targets.swaps == [] and mapped.builds() == (4, 5)


def test_the_health_check_is_asked_again_under_the_lock(mapped: Mapped) -> None:
    """A plan made while the slot was healthy does not swap a slot that is not now."""
    plan = mapped.actions.swap_plan("staging")
    mapped.targets.slot(APP, "staging").healthy = False
    result = mapped.actions.swap(plan, "lead")

    assert result.state == "refused" and "health check of slot staging failed" in \
        result.message
    assert mapped.targets.swaps == []
    [row] = mapped.audit("swap refused")
    assert (row.actor, row.subject) == ("lead", "staging")


def test_a_swap_exchanges_the_builds_verifies_them_and_is_audited(mapped: Mapped) -> None:
    log = Lines()
    result = mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead", log)

    assert (result.state, result.message) == (
        "succeeded", "staging swapped: production serves build 5 (was build 4); slot "
        "staging holds build 4")
    assert mapped.builds() == (5, 4)
    assert log.lines[0] == f"##[section]Health check of slot staging: HTTP 200 from " \
                           f"https://{APP}-staging.example/health"
    assert f"Swapped staging with production of {APP}" in log.lines
    [row] = mapped.audit("swap")
    assert (row.actor, row.subject) == ("lead", "staging")
    assert row.detail == {"app": APP, "slot": "staging", "with_slot": "production",
                          "before": {"staging": 5, "production": 4},
                          "after": {"staging": 4, "production": 5}}
    assert mapped.workspace.store.verify_audit().intact


def test_why_a_swap_cannot_be_done_now(mapped: Mapped) -> None:
    actions, targets = mapped.actions, mapped.targets
    assert actions.swap_plan("dev").refused == (
        "dev's slot production has no swap partner: give --with SLOT, or set swapWith in "
        "its appService")
    assert actions.swap_plan("test").refused.startswith("test has no App Service target")
    targets.deploy("spacegame-dev", "qa", 6)
    assert actions.swap_plan("dev", "qa").lines()[1:3] == [
        "  live now in qa: build 6", "  will be live: build 5 (HTTP 200 from "
        "https://spacegame-dev-production.example/)"]
    targets.deploy(APP, "staging", 4)
    assert actions.swap_plan("staging").refused == (
        "production already serves build 4: nothing to swap")
    targets.slot(APP, "staging").build = None
    assert actions.swap_plan("staging").refused == (
        "slot staging serves no build: deploy to it first")
    assert targets.swaps == []


def test_a_swap_the_slots_do_not_show_fails_clearly(mapped: Mapped) -> None:
    mapped.targets.exchange_wrongly = True
    log = Lines()
    result = mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead", log)

    message = ("the swap of staging was sent, but reading the slots back shows production "
               "serving build 4 and slot staging build 5, not build 5 and build 4")
    assert (result.state, result.message) == ("failed", message)
    assert log.lines[-1] == f"##[error]{message}"
    assert [row.detail["after"] for row in mapped.audit("swap unverified")] == [
        {"staging": 5, "production": 4}]
    assert mapped.audit("swap") == []  # nothing to swap back: it did not happen


def test_slots_changed_since_the_plan_are_not_swapped(mapped: Mapped) -> None:
    plan = mapped.actions.swap_plan("staging")
    mapped.targets.deploy(APP, "production", 3)
    result = mapped.actions.swap(plan, "lead")

    assert (result.state, result.message) == (
        "refused", "staging changed since the plan: production serves build 3 now and "
        "slot staging build 5; look at the plan again")
    assert mapped.targets.swaps == []


def test_a_plan_refused_on_a_half_seen_change_is_judged_again_under_the_lock(
        mapped: Mapped) -> None:
    """Slots read beside another change may both seem to serve one build: the refusal is
    judged again on what they serve under the lock, and nothing unshown is swapped."""
    mapped.targets.deploy(APP, "staging", 4)
    plan = mapped.actions.swap_plan("staging")
    assert plan.refused == "production already serves build 4: nothing to swap"
    mapped.targets.deploy(APP, "staging", 5)  # what the slots served all along
    result = mapped.actions.swap(plan, "lead")

    assert (result.state, result.message) == (
        "refused", "staging changed since the plan: production serves build 4 now and "
        "slot staging build 5; look at the plan again")
    assert mapped.targets.swaps == []


def test_a_swap_cancelled_before_it_is_sent_changes_nothing(mapped: Mapped) -> None:
    token = CancelToken()
    token.cancel()
    result = mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead", cancel=token)

    assert result.state == "canceled"
    assert mapped.builds() == (4, 5) and mapped.audit("swap") == []


def test_a_swap_waits_for_the_change_of_its_environment_in_progress(mapped: Mapped) -> None:
    held = EnvironmentLock(mapped.workspace.locks_dir, "staging")
    held.acquire(wait=False)
    waiting = threading.Event()

    class Log(Lines):
        def write(self, line: str) -> None:
            super().write(line)
            if "Waiting for the change of staging" in line:
                waiting.set()

    plan = mapped.actions.swap_plan("staging")
    results = []
    swapping = threading.Thread(target=lambda: results.append(
        mapped.actions.swap(plan, "lead", Log())))
    swapping.start()
    assert waiting.wait(30)
    assert mapped.builds() == (4, 5)  # not while the lock is held
    held.release()
    swapping.join(30)
    assert [r.state for r in results] == ["succeeded"]
    assert mapped.builds() == (5, 4)


def test_rollback_of_a_swapped_environment_swaps_back_once(mapped: Mapped) -> None:
    promoter = mapped.promoter
    assert promoter.rollback_target("staging") == (
        None, "no swap of staging is recorded: there is nothing to swap back")
    mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead")
    target, reason = promoter.rollback_target("staging")

    assert (target, reason) == (4, "staging serves build 5 in production since its last "
                                   "swap; build 4, live before it, is still in slot staging: "
                                   "a rollback swaps them back")
    result = promoter.rollback("staging", "ops")
    assert (result.state, result.message) == (
        "succeeded", "staging swapped back: production serves build 4 (was build 5); slot "
        "staging holds build 5")
    assert mapped.builds() == (4, 5)
    assert [row.actor for row in mapped.audit("swap back")] == ["ops"]
    again = promoter.rollback("staging", "ops")  # never back and forth
    assert again.state == "refused"
    assert "staging was swapped back already (ops, " in again.message
    assert mapped.builds() == (4, 5)


def test_no_swap_back_once_the_previous_build_left_the_other_slot(mapped: Mapped) -> None:
    mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead")
    mapped.targets.deploy(APP, "staging", 6)  # the next deployment replaced build 4
    target, reason = mapped.promoter.rollback_target("staging")
    result = mapped.promoter.rollback("staging", "ops")

    why = "build 4, live in production before the last swap, is no longer in slot " \
          "staging (it holds build 6)"
    assert (target, reason) == (None, why)
    assert (result.state, result.message) == ("refused",
                                              f"staging cannot be rolled back: {why}")
    assert mapped.builds() == (5, 6)


def test_restart_stop_and_start_act_on_the_slot_and_are_audited(mapped: Mapped) -> None:
    actions, kept = mapped.actions, mapped.targets.slot(APP, "staging")
    log = Lines()
    assert actions.act("stop", "staging", "ops", log).message == \
        f"staging: slot staging of {APP} stopped"
    assert kept.state == "Stopped"
    assert actions.swap_plan("staging").refused.startswith(
        "the health check of slot staging failed")  # a stopped slot does not answer
    assert actions.act("start", "staging", "ops", log).state == "succeeded"
    assert actions.act("restart", "staging", "ops", log).state == "succeeded"
    assert (kept.state, kept.restarts) == ("Running", 1)
    assert log.lines == [f"Stopped staging of {APP}", f"Started staging of {APP}",
                         f"Restarted staging of {APP}"]
    assert [(r.action, r.actor, r.detail) for r in mapped.workspace.store.audit_trail()
            if r.action in ("stop", "start", "restart")] == [
        (action, "ops", {"app": APP, "slot": "staging"})
        for action in ("stop", "start", "restart")]
    assert actions.act("restart", "test", "ops").state == "refused"


def test_environments_without_a_swap_keep_their_rollback(mapped: Mapped) -> None:
    assert mapped.promoter.rollback_target("test") == (None, "nothing was deployed to test "
                                                             "yet")
    assert mapped.promoter.rollback_target("dev")[1] == "nothing was deployed to dev yet"



def through_test(promoter: Promoter, targets: FakeTargets) -> int:
    """A new build through Dev and Test, written in slot staging as its deployment to
    Staging will write it."""
    run, _ = promoter.run_pipeline("lead")
    for stage in ("Dev", "Test"):
        assert promoter.promote(run.id, stage, "lead").state == "succeeded"
    targets.deploy(APP, "staging", run.id)
    return run.id


def test_a_promotion_carries_the_swap_step_only_with_its_own_consent(
        mapped: Mapped) -> None:
    promoter, targets = mapped.promoter, mapped.targets
    build = through_test(promoter, targets)
    [step] = promoter.plan(build, "Staging").swaps
    assert step.lines() == [
        f"Swap slot staging with production of {APP} (staging)",
        "  live now in production: build 4", f"  will be live: build {build}",
        "  rollback: a rollback of staging swaps back while slot staging "
        "still holds build 4"]

    deployed = promoter.promote(build, "Staging", "lead")
    assert deployed.state == "succeeded"
    assert deployed.message.endswith("; the swap step of staging needs its own consent")
    assert deployed.swaps_waiting == ("staging",)
    assert targets.swaps == [] and mapped.builds() == (4, build)

    build = through_test(promoter, targets)
    targets.slot(APP, "staging").healthy = False
    refused = promoter.promote(build, "Staging", "lead", swap=True)
    assert (refused.state, refused.exit_code) == ("refused", 1), refused.message
    assert refused.stage_run.state == "succeeded"  # deployed and verified; not swapped
    assert refused.message.endswith(
        f"staging cannot be swapped: the health check of slot staging failed: HTTP 503 "
        f"from https://{APP}-staging.example/health")
    assert targets.swaps == []

    targets.slot(APP, "staging").healthy = True
    build = through_test(promoter, targets)
    swapped = promoter.promote(build, "Staging", "lead", swap=True)
    assert swapped.state == "succeeded", swapped.message
    assert swapped.message.endswith(f"staging swapped: production serves build {build} "
                                    "(was build 4); slot staging holds build 4")
    assert mapped.builds() == (build, 4)


def test_an_approval_that_starts_the_deployment_names_the_swap_step(
        mapped: Mapped) -> None:
    mapped.environments["staging"] = replace(
        mapped.environments["staging"], approval=ApprovalPolicy(approvers=["qa"]))
    save_environments(mapped.workspace.root, mapped.environments)
    build = through_test(mapped.promoter, mapped.targets)
    assert mapped.promoter.promote(build, "Staging", "lead").state == "waiting"

    approved = mapped.promoter.approve(build, "Staging", "qa")
    assert approved.state == "succeeded", approved.message
    assert approved.message.endswith("; the swap step of staging needs its own consent")
    assert approved.swaps_waiting == ("staging",)
    assert mapped.targets.swaps == []


def test_a_swap_back_the_service_fails_is_said_not_raised(mapped: Mapped) -> None:
    mapped.actions.swap(mapped.actions.swap_plan("staging"), "lead")
    mapped.targets.fail = Unavailable("the service answered HTTP 503")

    result = mapped.promoter.rollback("staging", "ops")
    assert (result.state, result.message) == (
        "failed", "the swap back of staging failed: the service answered HTTP 503")
    assert mapped.builds() == (5, 4)
    [row] = mapped.audit("swap back failed")
    assert row.detail["error"] == "the service answered HTTP 503"
