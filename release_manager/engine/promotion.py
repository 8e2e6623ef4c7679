"""Moving a build from stage to stage: dependencies → condition → approvals → business
hours → exclusive lock → deploy → health check → record. Every transition is committed to
the store before the next begins; the backend does the work.

The same `Promoter` serves the CLI (one call, blocking) and the window (each call inside
a worker thread, with a log sink and a cancel token).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from release_manager.core import expressions
from release_manager.core.model import ModelError, Pipeline, Stage, Variable
from release_manager.engine import approval_policy
from release_manager.engine.approval_policy import ApprovalRefused
from release_manager.engine.backend import (
    CancelToken,
    LogWriter,
    RunContext,
    StageOutcome,
)
from release_manager.engine.business_hours import closed_reason
from release_manager.engine.checks import Check, has_check, stage_checks
from release_manager.engine.locks import EnvironmentBusy, EnvironmentLock
from release_manager.engine.run_log import RunLog
from release_manager.engine.store import (
    ApprovalRecord,
    DecisionRecord,
    RunRecord,
    StageRunRecord,
    StageTaken,
    now,
)
from release_manager.engine.workspace import Workspace

RESULT_STATES = {
    "Succeeded": "succeeded",
    "SucceededWithIssues": "succeeded",
    "Failed": "failed",
    "Canceled": "canceled",
    "Skipped": "skipped",
}


@dataclass
class PromotionResult:
    """What became of a request. `state`: succeeded, failed, canceled, skipped (condition
    false), waiting (for approval), rejected, refused (the request itself was not
    allowed: nothing ran), busy (another request for the same deployment got there
    first and runs it: this one did nothing). `message` says why in plain words."""

    state: str
    message: str
    stage_run: StageRunRecord | None = None
    explanation: str = ""
    """For a skipped stage: the value of every part of its condition."""

    @property
    def exit_code(self) -> int:
        """0 done, 3 waiting for approval, 4 another request already runs it, 1 refused
        or failed."""
        return {"succeeded": 0, "waiting": 3, "busy": 4}.get(self.state, 1)


@dataclass
class PendingApproval:
    approval: ApprovalRecord
    decisions: list[DecisionRecord]
    required: int
    closed: str = ""
    """Why the approval that completes this request would be refused now (the business
    hours of its environments are closed); "" when it would start the deployment."""

    @property
    def approvers(self) -> list[str]:
        return list(self.approval.policy["approvers"])

    @property
    def instructions(self) -> str:
        return str(self.approval.policy.get("instructions", ""))

    def time_left(self, moment: datetime | None = None) -> float:
        """Seconds until the approval times out."""
        end = datetime.fromisoformat(self.approval.timeout_at)
        return (end - (moment or datetime.now(UTC))).total_seconds()


@dataclass
class PromotionPlan:
    """What a promotion would do, for the confirmation sheet: nothing is run."""

    run: RunRecord
    stage: str
    environments: list[str]
    current_builds: dict[str, int | None]
    commits: list[str]
    """One line per commit since the environment's current build (newest first)."""
    approvals: list[str]
    checks: list[Check]
    """The checks the promotion runs, the very list the engine runs them from."""
    condition: str
    condition_met: bool | None
    explanation: str
    blockers: list[str] = field(default_factory=list)


Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Promoter:
    def __init__(self, workspace: Workspace, clock: Clock = wall_clock) -> None:
        self.workspace = workspace
        self.store = workspace.store
        self.clock = clock
        """What time it is for the rules (business hours, approval timeouts)."""
        self._tokens: dict[int, CancelToken] = {}
        self._tokens_guard = threading.Lock()
        self.recover_interrupted()

    # ----------------------------------------------------------------- runs

    def queue_run(
        self, actor: str, branch: str | None = None, variables: dict[str, str] | None = None,
        reason: str = "Manual",
    ) -> RunRecord:
        ref, commit = self.workspace.backend.source_info(branch)
        run = self.store.add_run(ref, commit, reason, actor, dict(variables or {}))
        self.store.audit(actor, "queue run", f"build {run.id}", branch=ref, reason=reason,
                         variables=sorted(run.variables))
        return run

    def run_pipeline(
        self, actor: str, branch: str | None = None, variables: dict[str, str] | None = None,
        reason: str = "Manual", log: LogWriter | None = None,
        cancel: CancelToken | None = None,
    ) -> tuple[RunRecord, list[PromotionResult]]:
        """Queue a run and run the stages that depend on nothing (the build). Later stages
        are promoted to, one click each."""
        pipeline = self.workspace.load_pipeline()
        run = self.queue_run(actor, branch, variables, reason)
        results = []
        dependencies = pipeline.dependency_map()
        for stage in pipeline.stages:
            if stage.kind == "stage" and not dependencies[stage.name]:
                results.append(self.promote(run.id, stage.name, actor, log=log, cancel=cancel))
        return run, results

    # ----------------------------------------------------------------- promotion

    def promote(
        self, run_id: int, stage_name: str, actor: str, *, log: LogWriter | None = None,
        cancel: CancelToken | None = None, wait_for_lock: bool = True,
    ) -> PromotionResult:
        pipeline = self.workspace.load_pipeline()
        try:
            stage = pipeline.stage(stage_name)
            run = self.store.run(run_id)
        except (ModelError, KeyError) as missing:
            return PromotionResult("refused", str(missing).strip("'\""))
        latest = self.store.latest_stage_run(run.id, stage.name)
        if latest is not None and not latest.finished:
            return PromotionResult("busy", _taken_message(latest), latest)
        blocker = self._blocker(pipeline, stage, run)
        if blocker:
            return PromotionResult("refused", blocker)

        met, explanation = self._evaluate_condition(pipeline, stage, run)
        environments = stage.environments
        if met and not self._needs_approval(pipeline, environments):
            closed = self._closed_hours(stage_checks(pipeline, stage))
            if closed:
                return PromotionResult("refused", closed)
        kind = "deploy" if environments else "build"
        try:
            stage_run = self.store.add_stage_run(
                run.id, stage.name, kind, ", ".join(environments) or None, actor,
                pid=os.getpid(),
            )
        except StageTaken as taken:
            return PromotionResult("busy", _taken_message(taken.record), taken.record)
        self.store.audit(actor, "promote", f"build {run.id} → {stage.name}")
        if not met:
            message = f"{stage.name} was skipped: its condition is false for build {run.id}"
            stage_run = self.store.update_stage_run(
                stage_run.id, state="skipped", result="Skipped", message=message,
                finished_at=now(),
            )
            return PromotionResult("skipped", message, stage_run, explanation)

        approvals = self._request_approvals(pipeline, stage_run, environments)
        if approvals:
            who = "; ".join(
                f"{a.environment}: {', '.join(a.policy['approvers'])} "
                f"({approval_policy.required_approvals(a.policy)} needed)"
                for a in approvals
            )
            message = f"build {run.id} waits for approval to deploy to {stage.name} — {who}"
            stage_run = self.store.update_stage_run(
                stage_run.id, state="waiting", message=message
            )
            return PromotionResult("waiting", message, stage_run)
        return self._execute(pipeline, stage, run, stage_run, actor, log, cancel,
                             wait_for_lock)

    def _blocker(self, pipeline: Pipeline, stage: Stage, run: RunRecord) -> str:
        """Why build `run` cannot be promoted to `stage` now ("" when it can)."""
        if stage.kind != "stage":
            return f"{stage.name} is a template or an expression block; it cannot run here"
        latest = self.store.latest_stage_run(run.id, stage.name)
        if latest is not None and latest.state == "waiting":
            return f"build {run.id} is already waiting for approval to {stage.name}"
        if latest is not None and latest.state in ("queued", "running"):
            return f"build {run.id} is already running in {stage.name}"
        for dependency in pipeline.dependencies(stage.name):
            record = self.store.latest_stage_run(run.id, dependency)
            if record is None or not record.finished:
                return (
                    f"build {run.id} has not been through {dependency} yet; "
                    f"promote it to {dependency} first"
                )
        return ""

    def _closed_hours(self, checks: list[Check], moment: datetime | None = None) -> str:
        """Why the business hours of the checked environments forbid deploying at
        `moment` (default: now)."""
        moment = moment or self.clock()
        return "; ".join(filter(None, (
            closed_reason(c.environment, c.hours, moment)
            for c in checks if c.kind == "business_hours" and c.hours is not None)))

    @staticmethod
    def _needs_approval(pipeline: Pipeline, environments: list[str]) -> bool:
        return any(
            (environment := pipeline.environments.get(name)) is not None
            and environment.approval is not None and environment.approval.approvers
            for name in environments
        )

    def _evaluate_condition(
        self, pipeline: Pipeline, stage: Stage, run: RunRecord
    ) -> tuple[bool, str]:
        variables = condition_variables(pipeline, run)
        dependencies = {}
        for name in pipeline.dependencies(stage.name):
            record = self.store.latest_stage_run(run.id, name)
            if record is not None:
                dependencies[name] = {"result": record.result or "Skipped",
                                      "outputs": record.outputs}
        ancestors = {}
        for name in pipeline.ancestors(stage.name):
            record = self.store.latest_stage_run(run.id, name)
            if name not in dependencies and record is not None:
                ancestors[name] = record.result or "Skipped"
        condition = stage.condition or "succeeded()"
        kwargs = dict(variables=variables, dependencies=dependencies, ancestors=ancestors)
        try:
            met = expressions.evaluate_condition(condition, **kwargs)
        except expressions.ExpressionError as error:
            return False, f"the condition cannot be evaluated: {error}"
        return met, expressions.explain_text(condition, **kwargs)

    def _request_approvals(
        self, pipeline: Pipeline, stage_run: StageRunRecord, environments: list[str]
    ) -> list[ApprovalRecord]:
        records = []
        for name in environments:
            environment = pipeline.environments.get(name)
            policy = environment.approval if environment else None
            if policy is None or not policy.approvers:
                continue
            record = self.store.add_approval(
                stage_run, name, approval_policy.timeout_at(policy, self.clock()),
                approval_policy.policy_record(policy),
            )
            records.append(record)
        return records

    # ----------------------------------------------------------------- approvals

    def pending_approvals(self, moment: datetime | None = None) -> list[PendingApproval]:
        """Open approvals, oldest first; those expired at `moment` (default: now) are
        closed as timed out on the way."""
        pending = []
        moment = moment or self.clock()
        pipeline: Pipeline | None = None
        for approval in self.store.approvals("pending"):
            if approval_policy.is_expired(approval.timeout_at, moment):
                self._time_out(approval)
                continue
            pipeline = pipeline or self.workspace.load_pipeline()
            pending.append(PendingApproval(
                approval, self.store.decisions(approval.id),
                approval_policy.required_approvals(approval.policy),
                self._closed_for_approval(pipeline, approval.stage, moment),
            ))
        return pending

    def _closed_for_approval(self, pipeline: Pipeline, stage_name: str,
                             moment: datetime | None = None) -> str:
        """Why an approval completing a request for `stage_name` is refused now ("" when
        the deployment it starts may run)."""
        if not pipeline.has_stage(stage_name):
            return ""
        closed = self._closed_hours(stage_checks(pipeline, pipeline.stage(stage_name)),
                                    moment)
        return closed and (f"{closed}. This approval would start the deployment, so give "
                           "it while the window is open (the request stays open)")

    def _time_out(self, approval: ApprovalRecord) -> None:
        self.store.set_approval_status(approval.id, "timed_out")
        message = (f"the approval to deploy build {approval.run_id} to "
                   f"{approval.environment} timed out at {approval.timeout_at}")
        self.store.move_stage_run(approval.stage_run_id, "waiting", state="rejected",
                                  result="Skipped", message=message, finished_at=now())
        self.store.audit("system", "approval timed out", f"build {approval.run_id} → "
                         f"{approval.stage}", environment=approval.environment)

    def approve(
        self, run_id: int, stage_name: str, actor: str, comment: str = "", *,
        log: LogWriter | None = None, cancel: CancelToken | None = None,
    ) -> PromotionResult:
        """Approve; when the policy is then satisfied the deployment runs at once."""
        return self._decide(run_id, stage_name, actor, "approved", comment, log, cancel)

    def reject(self, run_id: int, stage_name: str, actor: str,
               comment: str = "") -> PromotionResult:
        return self._decide(run_id, stage_name, actor, "rejected", comment, None, None)

    def _decide(
        self, run_id: int, stage_name: str, actor: str, decision: str, comment: str,
        log: LogWriter | None, cancel: CancelToken | None,
    ) -> PromotionResult:
        self.pending_approvals()  # close what has timed out before deciding
        stage_run = self.store.latest_stage_run(run_id, stage_name)
        if stage_run is not None and stage_run.state in ("queued", "running") \
                and self.store.approvals_for(stage_run.id):
            return PromotionResult("busy", _taken_message(stage_run), stage_run)
        if stage_run is None or stage_run.state != "waiting":
            state = f" (it is {stage_run.state})" if stage_run else ""
            return PromotionResult(
                "refused", f"build {run_id} is not waiting for approval to {stage_name}{state}"
            )
        open_approvals = [a for a in self.store.approvals_for(stage_run.id)
                          if a.status == "pending"]
        if not open_approvals:  # another decision closed them since the stage run was read
            return self._closed_by_other(stage_run)
        verb = "approve" if decision == "approved" else "reject"
        if decision == "approved" and self._would_complete(stage_run, actor):
            closed = self._closed_for_approval(self.workspace.load_pipeline(), stage_name)
            if closed:
                self.store.audit(actor, "approve refused", f"build {run_id} → {stage_name}",
                                 reasons=[closed])
                return PromotionResult("refused", closed, stage_run)
        refusals = []
        decided = 0
        for approval in open_approvals:
            earlier = [(d.approver, d.decision) for d in self.store.decisions(approval.id)]
            try:
                approval_policy.check_decision(
                    approval.policy, approval.environment, approval.requested_by, earlier, actor
                )
            except ApprovalRefused as refusal:
                refusals.append(str(refusal))
                continue
            self.store.add_decision(approval.id, actor, decision, comment)
            decided += 1
            self.store.audit(actor, verb, f"build {run_id} → {stage_name}",
                             environment=approval.environment, comment=comment)
            status = approval_policy.outcome(approval.policy, [*earlier, (actor, decision)])
            if status != "pending":
                self.store.set_approval_status(approval.id, status)
        if not decided:
            self.store.audit(actor, f"{verb} refused", f"build {run_id} → {stage_name}",
                             reasons=refusals)
            return PromotionResult("refused", "; ".join(refusals), stage_run)

        statuses = [a.status for a in self.store.approvals_for(stage_run.id)]
        if "rejected" in statuses:
            message = f"{actor} rejected deploying build {run_id} to {stage_name}" + (
                f": {comment}" if comment else "")
            if not self.store.move_stage_run(stage_run.id, "waiting", state="rejected",
                                             result="Skipped", message=message,
                                             finished_at=now()):
                taken = self.store.stage_run(stage_run.id)
                return PromotionResult("busy", _taken_message(taken), taken)
            return PromotionResult("rejected", message, self.store.stage_run(stage_run.id))
        if "pending" in statuses:
            return PromotionResult(
                "waiting", f"approval recorded; build {run_id} still waits for more approvals "
                f"to deploy to {stage_name}", stage_run,
            )
        if not self.store.move_stage_run(stage_run.id, "waiting", state="queued",
                                         started_by=actor, pid=os.getpid()):
            return PromotionResult("busy", _taken_message(self.store.stage_run(stage_run.id)),
                                   stage_run)
        pipeline = self.workspace.load_pipeline()
        stage = pipeline.stage(stage_name)
        run = self.store.run(run_id)
        return self._execute(pipeline, stage, run, self.store.stage_run(stage_run.id), actor,
                             log, cancel, True)

    def _closed_by_other(self, stage_run: StageRunRecord) -> PromotionResult:
        """What a decision is told when another one closed `stage_run`'s approvals since
        it read them. That one may still be moving the stage run on (it is then still
        "waiting"): the last decision recorded says who it was and what it did."""
        record = self.store.stage_run(stage_run.id)
        decisions = [d for a in self.store.approvals_for(record.id)
                     for d in self.store.decisions(a.id)]
        if record.state != "waiting" or not decisions:
            return PromotionResult("busy", _taken_message(record), record)
        last = max(decisions, key=lambda decision: decision.id)
        target = f"build {record.run_id} to {record.stage}"
        text = (f"{last.approver}'s approval already started the deployment of {target}"
                if last.decision == "approved" else
                f"{last.approver} already rejected deploying {target}")
        return PromotionResult("busy", text, record)

    def _newer_run(self, stage_run: StageRunRecord) -> int | None:
        """A newer build queued or running in the same stage (lockBehavior runLatest:
        an older one waiting for the lock then gives way to it)."""
        return next((r.run_id for r in self.store.active_stage_runs()
                     if r.stage == stage_run.stage and r.run_id > stage_run.run_id
                     and r.state in ("queued", "running")), None)

    def _would_complete(self, stage_run: StageRunRecord, actor: str) -> bool:
        """Whether `actor` approving now satisfies every approval of `stage_run`, so the
        deployment would start."""
        for approval in self.store.approvals_for(stage_run.id):
            if approval.status == "approved":
                continue
            if approval.status != "pending":
                return False
            earlier = [(d.approver, d.decision) for d in self.store.decisions(approval.id)]
            try:
                approval_policy.check_decision(approval.policy, approval.environment,
                                               approval.requested_by, earlier, actor)
            except ApprovalRefused:
                return False
            if approval_policy.outcome(approval.policy,
                                       [*earlier, (actor, "approved")]) != "approved":
                return False
        return True

    # ----------------------------------------------------------------- running

    def _execute(
        self, pipeline: Pipeline, stage: Stage, run: RunRecord, stage_run: StageRunRecord,
        actor: str, log: LogWriter | None, cancel: CancelToken | None, wait_for_lock: bool,
    ) -> PromotionResult:
        token = cancel or CancelToken()
        log_path = (self.workspace.logs_dir / str(run.id)
                    / f"{stage.name}.{stage_run.attempt}.log")
        checks = stage_checks(pipeline, stage)
        locks = {name: EnvironmentLock(self.workspace.locks_dir, name)
                 for name in stage.environments}
        with self._tokens_guard:
            self._tokens[stage_run.id] = token
        with RunLog(log_path, log) as run_log:
            self.store.update_stage_run(stage_run.id, log_path=str(log_path), pid=os.getpid())
            name = ""
            newer = (lambda: self._newer_run(stage_run)) \
                if stage.lock_behavior != "sequential" else None
            try:
                for name, lock in locks.items():
                    waiting = f"##[section]Waiting for the deployment to {name} in progress " \
                              "to end (exclusive lock: one deployment at a time)"
                    wait = wait_for_lock and has_check(checks, name, "exclusive_lock")
                    if not lock.acquire(wait=wait, cancel=token, give_up=newer,
                                        on_wait=lambda w=waiting: run_log.write(w)):
                        for taken in locks.values():
                            taken.release()
                        superseded = None if token.cancelled else self._newer_run(stage_run)
                        message = "cancelled while waiting for the environment" \
                            if superseded is None else (
                                f"superseded while waiting for {name}: build {superseded} is "
                                f"newer and goes to {stage.name} too (lockBehavior runLatest "
                                "deploys only the latest)")
                        return self._finish(stage_run, [], StageOutcome("Canceled", message),
                                            actor)
            except EnvironmentBusy as busy:
                for lock in locks.values():
                    lock.release()
                reason = str(busy)
                if not has_check(checks, name, "exclusive_lock"):
                    reason += (f"; {name} has no exclusive lock, so a promotion does not "
                               "wait for the deployment in progress (turn its exclusive lock "
                               "on to queue behind it)")
                return self._finish(stage_run, [], StageOutcome("Canceled", reason), actor,
                                    refused=True)
            try:
                return self._deploy(pipeline, stage, run, stage_run, actor, run_log, token,
                                    checks)
            finally:
                for lock in locks.values():
                    lock.release()
                with self._tokens_guard:
                    self._tokens.pop(stage_run.id, None)

    def _deploy(
        self, pipeline: Pipeline, stage: Stage, run: RunRecord, stage_run: StageRunRecord,
        actor: str, run_log: RunLog, token: CancelToken, checks: list[Check],
    ) -> PromotionResult:
        self.store.update_stage_run(stage_run.id, state="running", started_at=now())
        deployments = [
            self.store.add_deployment(name, run.id, stage_run.id, "deploy",
                                      stage_run.requested_by)
            for name in stage.environments
        ]
        context = RunContext(
            run_id=run.id, branch=run.branch, commit=run.commit_id, reason=run.reason,
            requested_by=run.requested_by, variables=dict(run.variables),
            output_variables=self._earlier_outputs(run.id),
        )
        try:
            outcome = self.workspace.backend.run_stage(pipeline, stage, context, run_log,
                                                       token)
        except Exception as error:  # a backend fault must still end in a recorded state
            run_log.write(f"##[error]{type(error).__name__}: {error}")
            outcome = StageOutcome("Failed", f"the backend failed: {error}")
        if outcome.result in ("Succeeded", "SucceededWithIssues"):
            outcome = self._health_checks(checks, outcome, run_log, run.id)
        return self._finish(stage_run, deployments, outcome, actor)

    def _health_checks(self, checks: list[Check], outcome: StageOutcome,
                       run_log: RunLog, run_id: int) -> StageOutcome:
        """Each checked environment must serve build `run_id`, the one just deployed."""
        for check in checks:
            if check.kind != "health_check":
                continue
            name = check.environment
            healthy, seen = self.workspace.backend.health_check(name, check.url, run_id)
            run_log.write(f"##[section]Health check of {name}: {seen}")
            if not healthy:
                return StageOutcome("Failed", f"the health check of {name} failed: {seen}",
                                    outcome.steps, outcome.outputs, outcome.release_path)
        return outcome

    def _finish(
        self, stage_run: StageRunRecord, deployments: list, outcome: StageOutcome,
        actor: str, refused: bool = False,
    ) -> PromotionResult:
        state = RESULT_STATES.get(outcome.result, "failed")
        record = self.store.update_stage_run(
            stage_run.id, state=state, result=outcome.result, message=outcome.message,
            outputs=outcome.outputs, finished_at=now(),
        )
        for deployment in deployments:
            self.store.finish_deployment(deployment.id, state, outcome.message)
        self.store.audit(actor, "finished", f"build {stage_run.run_id} → {stage_run.stage}",
                         result=outcome.result)
        message = outcome.message or f"{stage_run.stage}: {outcome.result}"
        return PromotionResult("refused" if refused else state, message, record)

    def cancel(self, stage_run_id: int, actor: str) -> bool:
        """Ask a running stage to stop; False when it is not running in this process."""
        with self._tokens_guard:
            token = self._tokens.get(stage_run_id)
        if token is None:
            return False
        self.store.audit(actor, "cancel", f"stage run {stage_run_id}")
        token.cancel()
        return True

    # ----------------------------------------------------------------- rollback

    def rollback_target(self, environment: str) -> tuple[int | None, str]:
        """Where a rollback of `environment` goes, and why: the newest build older than
        the one it runs that was deployed there successfully and is still installed. So
        rolling back twice goes back twice, never back and forth. (None, the reason)
        when there is nowhere to go."""
        installed = self.workspace.backend.releases(environment)
        current = next((r.run_id for r in installed if r.current), None)
        if current is None:
            return None, f"nothing was deployed to {environment} yet"
        kept = {r.run_id for r in installed}
        good = [d.run_id for d in self.store.deployments(environment)
                if d.state == "succeeded" and d.run_id < current and d.run_id in kept]
        if not good:
            return None, (f"{environment} runs build {current}, and no older build was "
                          "deployed there successfully")
        target = max(good)
        return target, (f"{environment} runs build {current}; build {target} is the newest "
                        "good release older than it")

    def rollback(self, environment: str, actor: str, log: LogWriter | None = None,
                 cancel: CancelToken | None = None) -> PromotionResult:
        """Switch `environment` back to its rollback target (`rollback_target`), holding
        the environment's lock: a rollback asked for during a deployment waits for it to
        end, then goes back from what that deployment left in service."""
        lock = EnvironmentLock(self.workspace.locks_dir, environment)
        waiting = (f"##[section]Waiting for the deployment to {environment} in progress to "
                   "end before rolling back")
        if not lock.acquire(wait=True, cancel=cancel,
                            on_wait=lambda: log.write(waiting) if log else None):
            return PromotionResult("canceled", f"the rollback of {environment} was cancelled "
                                   "while waiting for the deployment in progress")
        try:
            return self._rollback_locked(environment, actor, log)
        finally:
            lock.release()

    def _rollback_locked(self, environment: str, actor: str,
                         log: LogWriter | None) -> PromotionResult:
        current = self.current_build(environment)
        target, reason = self.rollback_target(environment)
        if current is None or target is None:
            return PromotionResult(
                "refused", f"{environment} has no earlier good release to roll back to: "
                f"{reason}")
        deployment = self.store.add_deployment(environment, target, None, "rollback", actor)
        self.store.audit(actor, "rollback", environment, to_build=target, from_build=current)
        log_path = self.workspace.logs_dir / "rollbacks" / f"{environment}.{deployment.id}.log"
        with RunLog(log_path, log) as run_log:
            try:
                self.workspace.backend.activate(environment, target, run_log)
            except Exception as error:  # recorded, then reported
                self.store.finish_deployment(deployment.id, "failed", str(error))
                return PromotionResult("failed", f"rollback of {environment} failed: {error}")
        message = f"{environment} rolled back from build {current} to build {target}"
        self.store.finish_deployment(deployment.id, "succeeded", message)
        return PromotionResult("succeeded", message)

    # ----------------------------------------------------------------- reading

    def current_build(self, environment: str) -> int | None:
        release = next((r for r in self.workspace.backend.releases(environment) if r.current),
                       None)
        return release.run_id if release else None

    def plan(self, run_id: int, stage_name: str) -> PromotionPlan:
        pipeline = self.workspace.load_pipeline()
        stage = pipeline.stage(stage_name)
        run = self.store.run(run_id)
        environments = stage.environments
        current = {name: self.current_build(name) for name in environments}
        approvals = []
        for name in environments:
            environment = pipeline.environments.get(name)
            if environment and environment.approval and environment.approval.approvers:
                policy = environment.approval
                approvals.append(
                    f"{name}: approval by {', '.join(policy.approvers)} "
                    f"({policy.minimum_approvers} needed"
                    + (", not by the requester" if policy.requester_cannot_approve else "")
                    + ")"
                )
        checks = stage_checks(pipeline, stage)
        blocker = self._blocker(pipeline, stage, run)
        met, explanation = (None, "") if blocker else self._evaluate_condition(
            pipeline, stage, run)
        if not blocker and met and not approvals:
            blocker = self._closed_hours(checks)
        previous = [self.store.run(b).commit_id for b in current.values() if b is not None]
        return PromotionPlan(
            run=run, stage=stage_name, environments=environments, current_builds=current,
            commits=self._commits_between(previous[0] if previous else "", run.commit_id),
            approvals=approvals, checks=checks, condition=stage.condition or "succeeded()",
            condition_met=met, explanation=explanation,
            blockers=[blocker] if blocker else [],
        )

    def _commits_between(self, old: str, new: str) -> list[str]:
        if not new or old == new:
            return []
        span = f"{old}..{new}" if old else new
        result = subprocess.run(
            ["git", "log", "--format=%h %s (%an)", "-n", "50", span],
            cwd=self.workspace.root, capture_output=True, text=True,
        )
        return result.stdout.splitlines() if result.returncode == 0 else []

    def _earlier_outputs(self, run_id: int) -> dict[str, str]:
        outputs = {}
        for record in self.store.stage_runs(run_id):
            for name, value in record.outputs.items():
                outputs[f"{record.stage}.{name}"] = value
        return outputs

    # ----------------------------------------------------------------- recovery

    def recover_interrupted(self) -> list[StageRunRecord]:
        """Mark as interrupted the stage runs whose process is gone (the app was closed or
        crashed mid-deployment). Waiting approvals have no process and stay waiting."""
        interrupted = []
        for record in self.store.active_stage_runs():
            if record.state == "waiting" or (record.pid and _process_alive(record.pid)):
                continue
            message = (f"interrupted: the process running {record.stage} for build "
                       f"{record.run_id} ended before it finished; the environment keeps "
                       "its last complete release")
            if not self.store.move_stage_run(  # it may have just finished: keep its result
                    record.id, record.state, state="interrupted", result="Canceled",
                    message=message, finished_at=now()):
                continue
            interrupted.append(self.store.stage_run(record.id))
            for deployment in self.store.deployments():
                if deployment.stage_run_id == record.id and deployment.state == "running":
                    self.store.finish_deployment(deployment.id, "interrupted", message)
        return interrupted


def _taken_message(record: StageRunRecord) -> str:
    """What a request that lost the race to `record` is told: who got there first."""
    if record.finished:
        return (f"the request to deploy build {record.run_id} to {record.stage} is already "
                f"{record.state}" + (f": {record.message}" if record.message else ""))
    if record.state == "waiting":
        return (f"build {record.run_id} is already waiting for approval to {record.stage}, "
                f"requested by {record.requested_by}")
    if record.started_by and record.started_by != record.requested_by:
        return (f"{record.started_by}'s approval already started the deployment of build "
                f"{record.run_id} to {record.stage}; it is {record.state}")
    doing = "deployed to" if record.kind == "deploy" else "running in"
    return (f"build {record.run_id} is already being {doing} {record.stage}, requested by "
            f"{record.requested_by}; it is {record.state}")


def condition_variables(pipeline: Pipeline, run: RunRecord) -> dict[str, str]:
    """The variables a stage condition sees: the pipeline's, the run's, and Azure's
    predefined build variables."""
    variables = {v.name: v.value for v in pipeline.variables if isinstance(v, Variable)}
    variables.update(run.variables)
    variables.update({
        "Build.BuildId": str(run.id),
        "Build.BuildNumber": str(run.id),
        "Build.SourceBranch": run.branch,
        "Build.SourceBranchName": run.branch.rsplit("/", 1)[-1],
        "Build.SourceVersion": run.commit_id,
        "Build.Reason": run.reason,
        "Build.RequestedFor": run.requested_by,
    })
    return variables


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
