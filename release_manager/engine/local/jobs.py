"""Running one job on this machine: its steps (a deployment's lifecycle hooks in order),
each under its condition, with the job's status deciding what runs next."""

from __future__ import annotations

import time

from release_manager.core.model import Job, Step
from release_manager.engine.backend import StepOutcome
from release_manager.engine.local import steps, tasks
from release_manager.engine.local.conditions import step_condition
from release_manager.engine.local.context import (
    CANCELED,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    WITH_ISSUES,
    JobContext,
    StepResult,
    worst,
)
from release_manager.engine.local.deploy import DeploymentError

HOOK_ORDER = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")


def _run_step(step: Step, ctx: JobContext, ref: str) -> StepResult:
    if step.kind in ("script", "bash", "pwsh", "powershell"):
        return steps.run_script(step, ctx, ref, step.value)
    if step.kind == "task":
        return tasks.run_task(step, ctx, ref)
    if step.kind == "checkout":
        return steps.checkout(step, ctx)
    if step.kind == "download":
        return steps.download(step, ctx)
    if step.kind == "publish":
        return steps.publish(step, ctx)
    message = f"A '{step.kind}' step has no local meaning here; skipped"
    ctx.log.write(f"##[warning]{message}")
    return StepResult(SKIPPED, message)


class JobRun:
    """One job's steps, its status so far, and the outcomes of its steps."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.status = SUCCEEDED
        self.failure = ""
        self.issue = ""
        self.outcomes: list[StepOutcome] = []
        self._index = 0

    def run(self) -> str:
        ctx, job = self.ctx, self.ctx.job
        if job.timeout_in_minutes:
            ctx.deadline = time.monotonic() + job.timeout_in_minutes * ctx.minute
        if job.strategy is None:
            self._run_steps(job.steps)
        else:
            self._run_hooks(job)
        if self.status in (FAILED, CANCELED):
            self._undo_deployments()
        return self.status

    def _run_hooks(self, job: Job) -> None:
        strategy = job.strategy
        assert strategy is not None
        if strategy.kind != "runOnce":
            self.ctx.log.write(
                f"Strategy {strategy.kind}: locally there is one target (this machine), so "
                "each lifecycle hook runs once"
            )
        for hook in HOOK_ORDER:
            if strategy.hooks.get(hook):
                self.ctx.log.write(f"##[section]Lifecycle hook: {hook}")
                self._run_steps(strategy.hooks[hook])
        final = "on.failure" if self.status in (FAILED, CANCELED) else "on.success"
        if strategy.hooks.get(final) and self.status != CANCELED:
            self.ctx.log.write(f"##[section]Lifecycle hook: {final}")
            self._run_steps(strategy.hooks[final], after_failure=final == "on.failure")

    def _run_steps(self, step_list: list[Step], after_failure: bool = False) -> None:
        for step in step_list:
            self._index += 1
            self._one(step, after_failure)

    def _one(self, step: Step, after_failure: bool) -> None:
        ctx = self.ctx
        name = steps.display_name(step, ctx)
        ref = steps.reference_name(step, self._index)
        if not step.enabled:
            self._record(name, SKIPPED, "disabled (enabled: false)")
            return
        if ctx.cancel.cancelled:
            self._record(name, SKIPPED, "the job was canceled")
            return
        # on.failure steps run because the job failed; their own default is always().
        condition = step.condition or ("always()" if after_failure else None)
        ctx.variables.set("Agent.JobStatus", self.status)
        runs, why = step_condition(condition, ctx.variables.as_dict(), self.status,
                                   ctx.cancel.cancelled)
        if not runs:
            reason = why or f"condition not met: {condition or 'succeeded()'}"
            ctx.log.write(f"Skipping step '{name}': {reason}")
            self._record(name, SKIPPED, reason)
            return
        ctx.log.write(f"##[section]Starting: {name}")
        result = _run_step(step, ctx, ref)
        if result.result == FAILED and step.continue_on_error:
            ctx.log.write("##[warning]The step failed and continueOnError is set; "
                          "the job goes on with issues")
            result = StepResult(WITH_ISSUES, result.message)
        ctx.log.write(f"##[section]Finishing: {name}")
        self._record(name, result.result, result.message)
        # A step skipped for having no local meaning was not done: the job cannot claim a
        # clean success, so it ends with issues.
        effect = WITH_ISSUES if result.result == SKIPPED else result.result
        self.status = worst(self.status, effect)
        text = self.ctx.log.masker.mask(f"{name}: {result.message}" if result.message else name)
        if effect in (FAILED, CANCELED) and not self.failure:
            self.failure = text
        elif effect == WITH_ISSUES and not self.issue:
            self.issue = text

    @property
    def message(self) -> str:
        """The first failure, else the first issue."""
        return self.failure or self.issue

    def _record(self, name: str, result: str, message: str) -> None:
        mask = self.ctx.log.masker.mask
        self.outcomes.append(StepOutcome(self.ctx.job.name, mask(name), result, mask(message)))

    def _undo_deployments(self) -> None:
        """A failed or cancelled deployment leaves its environment as it was."""
        ctx = self.ctx
        for deployed in reversed(ctx.deployed):
            try:
                if deployed.previous is None:
                    ctx.environments.clear_current(deployed.environment, deployed.slot)
                    back = "no release in service"
                else:
                    ctx.environments.switch(deployed.environment, deployed.previous,
                                            deployed.slot)
                    back = f"release {deployed.previous}"
            except (DeploymentError, OSError) as error:
                ctx.log.write(f"##[error]Could not put {deployed.environment} back: {error}")
                continue
            ctx.log.write(f"##[warning]The deployment did not finish; {deployed.environment} "
                          f"is back on {back}.")
        ctx.deployed.clear()
