"""The swap step and an environment's other actions on its App Service target (restart,
stop, start), over an `AppTargets` that is local or Azure's, never known which.

Each change holds the environment's lock (the one deployments and rollbacks take, so a
swap never runs beside them or another swap), re-reads the slots under it, and is
written to the audit trail with what it changed. A swap is planned first (`SwapPlan`:
what is live now, what will be live, the rollback, or why it cannot be done now), the
slot's health checked, sent, and verified by the builds each slot serves afterwards.
Rollback of a swapped environment is a swap back (`swap_back_plan`), offered while the
build live before the last swap is still in the other slot; the audit trail says which
build that was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from release_manager.core.environments_file import load_environments
from release_manager.core.identity_names import identity_key
from release_manager.core.model import AppServiceTarget
from release_manager.engine.app_targets import AppTargets, SlotStatus, SwapCancelled
from release_manager.engine.backend import CancelToken, LogWriter
from release_manager.engine.backend_errors import BackendError
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.store import Store
from release_manager.engine.workspace import Workspace

SWAP, SWAP_BACK = "swap", "swap back"
"""The audit trail's actions for a swap and for a rollback's swap back."""
ACTIONS = {"restart": ("restarting", "restarted"), "stop": ("stopping", "stopped"),
           "start": ("starting", "started")}
"""An environment's other actions on its slot: each one's -ing and past forms."""


@dataclass(frozen=True)
class SwapPlan:
    """What swapping `environment`'s slot with `with_slot` would do: nothing is run."""

    environment: str
    app: str = ""
    slot: str = ""
    with_slot: str = ""
    live_build: int | None = None
    """The build `with_slot` serves now."""
    next_build: int | None = None
    """The build that will be live in `with_slot` (the one `slot` serves, or will)."""
    rollback: str = ""
    """How to undo it, in a sentence."""
    refused: str = ""
    """Why it cannot be done now ("" when it can)."""
    health: str = ""
    """What the slot's health check answered ("" when it was not asked)."""

    @property
    def read_slots(self) -> bool:
        """Whether the plan was made from what the slots serve (its refusal, if any, may
        change with them)."""
        return bool(self.with_slot) and self.with_slot != self.slot

    def lines(self) -> list[str]:
        """The plan as the CLI prints it and the promote sheet shows it."""
        title = f"Swap slot {self.slot} with {self.with_slot} of {self.app} " \
                f"({self.environment})" if self.with_slot else f"Swap {self.environment}"
        lines = [title]
        if self.with_slot:
            lines.append(f"  live now in {self.with_slot}: {_build(self.live_build)}")
            lines.append(f"  will be live: {_build(self.next_build)}"
                         + (f" ({self.health})" if self.health else ""))
        if self.rollback:
            lines.append(f"  rollback: {self.rollback}")
        if self.refused:
            lines.append(f"  cannot swap now: {self.refused}")
        return lines


@dataclass(frozen=True)
class ActionResult:
    """What became of a swap, restart, stop or start: succeeded, failed, refused (nothing
    was done, `message` says why) or canceled (nothing was done)."""

    state: str
    message: str

    @property
    def exit_code(self) -> int:
        return 0 if self.state == "succeeded" else 1


def environment_target(root: Path, environment: str) -> tuple[str, AppServiceTarget | None]:
    """The environment's name as the environments file spells it (matched in any case),
    and its App Service target (None: not mapped to an app's slot)."""
    environments = load_environments(root)
    key = identity_key(environment)
    name = next((n for n in environments if identity_key(n) == key), environment)
    settings = environments.get(name)
    return name, settings.app_service if settings else None


def _build(build: int | None) -> str:
    return f"build {build}" if build is not None else "no build"


class TargetActions:
    """An environment's App Service target acted on: plan and swap, swap back, restart,
    stop, start. `store` is where the audit rows go (None on a workspace connected to
    Azure, where the service's activity log records them and no store is kept)."""

    def __init__(self, workspace: Workspace, targets: AppTargets, store: Store | None) -> None:
        self.workspace = workspace
        self.targets = targets
        self.store = store

    # ----------------------------------------------------------------- reading

    def target(self, environment: str) -> tuple[str, AppServiceTarget | None]:
        return environment_target(self.workspace.root, environment)

    def slots(self, environment: str, *, health: bool = True) -> list[SlotStatus]:
        """The environment's slots as its target reads them ([] without a target)."""
        name, target = self.target(environment)
        return [] if target is None else self.targets.slots(name, target, health=health)

    # ----------------------------------------------------------------- plans

    def swap_plan(self, environment: str, with_slot: str = "", *,
                  build: int | None = None, health: bool = True) -> SwapPlan:
        """Swapping `environment`'s slot with `with_slot` (default: its target's
        swapWith) now. `build`: the build the slot must serve (a promotion's, a swap
        back's). With `health`, the slot's health check is asked and must pass."""
        name, target = self.target(environment)
        plan = SwapPlan(name)
        if target is None:
            return replace(plan, refused=f"{name} has no App Service target: map it to an "
                           "app's slot (appService in .release-manager/environments.yml)")
        partner = with_slot or target.swap_with
        plan = replace(plan, app=target.app or name, slot=target.slot, with_slot=partner)
        if not partner:
            return replace(plan, refused=f"{name}'s slot {target.slot} has no swap partner: "
                           "give --with SLOT, or set swapWith in its appService")
        if partner == target.slot:
            return replace(plan, refused=f"slot {partner} cannot be swapped with itself")
        mine, theirs = self._pair(name, replace(target, swap_with=partner), health)
        plan = replace(plan, live_build=theirs.build, next_build=mine.build,
                       rollback=self._rollback_sentence(name, partner, target.slot,
                                                        theirs.build))
        if mine.build is None:
            return replace(plan, refused=f"slot {target.slot} serves no build: deploy to "
                           "it first")
        if build is not None and mine.build != build:
            return replace(plan, refused=f"slot {target.slot} serves build {mine.build}, not "
                           f"build {build}")
        if mine.build == theirs.build:
            return replace(plan, refused=f"{partner} already serves build {mine.build}: "
                           "nothing to swap")
        if health:
            if mine.health is None:
                return replace(plan, refused=f"the health of slot {target.slot} could not "
                               "be checked")
            plan = replace(plan, health=mine.health.detail)
            if not mine.health.ok:
                return replace(plan, refused=f"the health check of slot {target.slot} "
                               f"failed: {mine.health.detail}")
        return plan

    def step_plan(self, environment: str, build: int) -> SwapPlan:
        """The swap step of a promotion of `build` to `environment`, before it is
        deployed: what is live now in the swap partner, `build` to be live after it."""
        name, target = self.target(environment)
        if target is None or not target.swap_with:
            return SwapPlan(name, refused=f"{name} has no swap step")
        # The partner alone: the slot deployed to may not exist yet (a local slot comes
        # into being with its first deployment).
        theirs = next((s for s in self.targets.slots(
            name, replace(target, slot=target.swap_with, swap_with=""), health=False)
            if s.slot == target.swap_with), None)
        if theirs is None:
            raise BackendError(f"{target.app or name} has no slot {target.swap_with}")
        return SwapPlan(
            name, target.app or name, target.slot, target.swap_with, theirs.build, build,
            self._rollback_sentence(name, target.swap_with, target.slot, theirs.build),
            refused=f"{target.swap_with} already serves build {build}"
            if theirs.build == build else "")

    def swap_back_plan(self, environment: str, *, health: bool = True) -> SwapPlan:
        """The rollback of a swapped environment: swapping the last swap back, while the
        build live before it is still in the other slot. Refused, saying why, when it
        is not (or no swap is recorded, or the last one was already swapped back).
        Without a store (a connected workspace) the slots alone say it: the other slot
        holds a build older than the live one."""
        name, target = self.target(environment)
        if self.store is None:
            return self._older_in_slot(name, target, health)
        rows = self.store.audit_trail(name, (SWAP, SWAP_BACK))
        if not rows:
            return SwapPlan(name, refused=f"no swap of {name} is recorded: there is "
                            "nothing to swap back")
        last = rows[-1]
        if last.action == SWAP_BACK:
            return SwapPlan(name, refused=f"{name} was swapped back already ({last.actor}, "
                            f"{last.at}); a rollback never swaps forth again")
        slot, partner = str(last.detail["slot"]), str(last.detail["with_slot"])
        previous = last.detail["before"][partner]
        if target is None or target.slot != slot:
            return SwapPlan(name, refused=f"{name}'s target is no longer slot {slot}")
        plan = self.swap_plan(name, partner, build=previous, health=health)
        if plan.next_build != previous:
            return replace(plan, refused=f"{_build(previous)}, live in {partner} before the "
                           f"last swap, is no longer in slot {slot} (it holds "
                           f"{_build(plan.next_build)})")
        return replace(plan, rollback=f"swap again while "
                       f"slot {slot} still holds {_build(plan.live_build)}")

    def _older_in_slot(self, name: str, target: AppServiceTarget | None,
                       health: bool) -> SwapPlan:
        if target is None or not target.swap_with:
            return SwapPlan(name, refused=f"{name} has no swap step to swap back")
        plan = self.swap_plan(name, health=health)
        older = plan.next_build is not None and plan.live_build is not None \
            and plan.next_build < plan.live_build
        if not older:
            return replace(plan, refused=f"slot {plan.slot} holds {_build(plan.next_build)}, "
                           f"not a build older than {_build(plan.live_build)} live in "
                           f"{plan.with_slot}: there is nothing to swap back to")
        return replace(plan, rollback=f"swap again while "
                       f"slot {plan.slot} still holds {_build(plan.live_build)}")

    def _pair(self, name: str, target: AppServiceTarget,
              health: bool) -> tuple[SlotStatus, SlotStatus]:
        slots = self.targets.slots(name, target, health=health)
        mine = next((s for s in slots if s.slot == target.slot), None)
        theirs = next((s for s in slots if s.slot == target.swap_with), None)
        if mine is None or theirs is None:
            missing = target.slot if mine is None else target.swap_with
            raise BackendError(f"{target.app or name} has no slot {missing}")
        return mine, theirs

    @staticmethod
    def _rollback_sentence(name: str, partner: str, slot: str, live: int | None) -> str:
        if live is None:
            return f"none: {partner} serves no build now"
        return (f"a rollback of {name} swaps back while slot {slot} still holds "
                f"{_build(live)}")

    # ----------------------------------------------------------------- changes

    def swap(self, plan: SwapPlan, actor: str, log: LogWriter | None = None,
             cancel: CancelToken | None = None, *, action: str = SWAP) -> ActionResult:
        """Do what `plan` says, holding the environment's lock: the plan is made again
        under it (the slot's health checked), refused if the slots changed since, sent,
        and verified by the builds each slot serves afterwards; audited as `action`. A
        plan refused on what the slots served is judged again under the lock too (read
        beside another change, the two slots may have been seen half way)."""
        if plan.refused and not plan.read_slots:
            self._audit(actor, f"{action} refused", plan.environment, reason=plan.refused)
            return ActionResult("refused", f"{plan.environment} cannot be swapped: "
                                f"{plan.refused}")
        lock = self._lock(plan.environment, "swapping", log, cancel)
        if lock is None:
            return ActionResult("canceled", f"the swap of {plan.environment} was cancelled "
                                "while waiting for the change in progress: nothing changed")
        try:
            return self._swap_locked(plan, actor, log or _Quiet(), cancel or CancelToken(),
                                     action)
        finally:
            lock.release()

    def _swap_locked(self, plan: SwapPlan, actor: str, log: LogWriter, cancel: CancelToken,
                     action: str) -> ActionResult:
        name = plan.environment
        now = self.swap_plan(name, plan.with_slot,
                             build=None if plan.refused else plan.next_build)
        if now.health:
            log.write(f"##[section]Health check of slot {now.slot}: {now.health}")
        if now.refused:
            self._audit(actor, f"{action} refused", name, reason=now.refused)
            return ActionResult("refused", f"{name} cannot be swapped: {now.refused}")
        if plan.refused or now.live_build != plan.live_build:
            return ActionResult("refused", f"{name} changed since the plan: {now.with_slot} "
                                f"serves {_build(now.live_build)} now and slot {now.slot} "
                                f"{_build(now.next_build)}; look at the plan again")
        target = replace(self.target(name)[1], swap_with=now.with_slot)  # type: ignore[arg-type]
        log.write(f"##[section]Swapping slot {now.slot} with {now.with_slot} of {now.app}: "
                  f"{_build(now.next_build)} goes live, {_build(now.live_build)} goes to "
                  f"slot {now.slot}")
        before = {now.slot: now.next_build, now.with_slot: now.live_build}
        try:
            outcome = self.targets.swap(name, target, now.with_slot, log, cancel)
        except SwapCancelled:
            return ActionResult("canceled", f"the swap of {name} was cancelled before it was "
                                f"sent: nothing changed; {now.with_slot} serves "
                                f"{_build(now.live_build)}")
        except BackendError as error:
            self._audit(actor, f"{action} failed", name, slot=now.slot,
                        with_slot=now.with_slot, before=before, error=str(error))
            raise
        after = {now.slot: outcome.slot_build, now.with_slot: outcome.with_build}
        exchanged = (outcome.slot_build, outcome.with_build) == (now.live_build,
                                                                 now.next_build)
        self._audit(actor, action if exchanged else f"{action} unverified", name,
                    app=now.app, slot=now.slot, with_slot=now.with_slot, before=before,
                    after=after)
        if not exchanged:
            message = (f"the swap of {name} was sent, but reading the slots back shows "
                       f"{now.with_slot} serving {_build(outcome.with_build)} and slot "
                       f"{now.slot} {_build(outcome.slot_build)}, not "
                       f"{_build(now.next_build)} and {_build(now.live_build)}")
            log.write(f"##[error]{message}")
            return ActionResult("failed", message)
        done = "swapped back" if action == SWAP_BACK else "swapped"
        message = (f"{name} {done}: {now.with_slot} serves {_build(outcome.with_build)} "
                   f"(was {_build(now.live_build)}); slot {now.slot} holds "
                   f"{_build(outcome.slot_build)}")
        log.write(message)
        return ActionResult("succeeded", message)

    def act(self, action: str, environment: str, actor: str, log: LogWriter | None = None,
            cancel: CancelToken | None = None) -> ActionResult:
        """Restart, stop or start `environment`'s slot, holding its lock; audited."""
        name, target = self.target(environment)
        if target is None:
            return ActionResult("refused", f"{name} has no App Service target to {action}")
        doing, done = ACTIONS[action]
        lock = self._lock(name, doing, log, cancel)
        if lock is None:
            return ActionResult("canceled", f"the {action} of {name} was cancelled while "
                                "waiting for the change in progress: nothing changed")
        try:
            getattr(self.targets, action)(name, target, log or _Quiet())
            self._audit(actor, action, name, app=target.app or name, slot=target.slot)
        finally:
            lock.release()
        return ActionResult("succeeded", f"{name}: slot {target.slot} of "
                            f"{target.app or name} {done}")

    def _lock(self, name: str, doing: str, log: LogWriter | None,
              cancel: CancelToken | None) -> EnvironmentLock | None:
        lock = EnvironmentLock(self.workspace.locks_dir, name)
        waiting = (f"##[section]Waiting for the change of {name} in progress to end before "
                   f"{doing}")
        if not lock.acquire(wait=True, cancel=cancel,
                            on_wait=lambda: log.write(waiting) if log else None):
            return None
        return lock

    def _audit(self, actor: str, action: str, subject: str, **detail: object) -> None:
        if self.store is not None:
            self.store.audit(actor, action, subject, **detail)


class _Quiet:
    def write(self, line: str) -> None:
        pass
