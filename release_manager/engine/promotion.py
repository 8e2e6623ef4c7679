"""Moving a build from stage to stage: dependencies → condition → approvals → business
hours → exclusive lock → deploy → health check → record. Every transition is committed to
the store before the next begins; the backend does the work.

The same `Promoter` serves the CLI (one call, blocking) and the window (each call inside
a worker thread, with a log sink and a cancel token).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from release_manager.core import expressions
from release_manager.core.environment_names import environment_name_problem
from release_manager.core.model import ModelError, Pipeline, Stage, Variable
from release_manager.crash_report import scrub
from release_manager.engine import approval_policy
from release_manager.engine.approval_policy import ApprovalRefused
from release_manager.engine.backend import (
    CancelToken,
    LogWriter,
    RunContext,
    StageOutcome,
)
from release_manager.engine.backend_errors import BackendError
from release_manager.engine.build_definition import (
    BuildDefinition,
    DefinitionNote,
    build_definition,
    definition_note,
)
from release_manager.engine.business_hours import closed_reason
from release_manager.engine.checks import Check, has_check, stage_checks
from release_manager.engine.deployment_journal import JOURNAL_DIR, DeploymentJournal
from release_manager.engine.liveness import process_alive
from release_manager.engine.locks import EnvironmentBusy, EnvironmentLock
from release_manager.engine.run_log import RunLog
from release_manager.engine.run_secrets import QUEUE_TIME, RunSecrets, stage_secrets
from release_manager.engine.store import (
    ApprovalRecord,
    DecisionRecord,
    DefinitionAltered,
    DeploymentRecord,
    RunRecord,
    StageRunRecord,
    StageTaken,
    now,
    with_secret_names,
)
from release_manager.engine.swap import (
    SWAP_BACK,
    ActionResult,
    SwapPlan,
    TargetActions,
    environment_target,
)
from release_manager.engine.workspace import Workspace

if TYPE_CHECKING:
    from release_manager.engine.app_targets import AppTargets
    from release_manager.engine.release_status import WorkspaceStatus

FOLLOW_SECONDS = 1.0
"""The longest a running stage is waited on before looking again (a new log line or
its end wakes the wait at once)."""

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
    swaps_waiting: tuple[str, ...] = ()
    """Environments whose swap step waits for its own consent after this deployment."""

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
    definition: DefinitionNote | None = None
    """What the deployment would run: the build's own definition, and how the file on
    disk differs from it in this stage."""

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
    definition: DefinitionNote | None = None
    """What runs: the build's own definition, and how the file on disk differs from it
    in this stage (or that the build predates kept definitions)."""
    swaps: list[SwapPlan] = field(default_factory=list)
    """The swap step after the deployment, per environment that carries one: what is
    live now, what will be live, the rollback. It runs only with its own consent."""


Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Promoter:
    def __init__(self, workspace: Workspace, clock: Clock = wall_clock,
                 targets: AppTargets | None = None) -> None:
        self.workspace = workspace
        self._targets = targets
        """The environments' App Service targets (default: the workspace's)."""
        self.store = workspace.store
        self.clock = clock
        """What time it is for the rules (business hours, approval timeouts)."""
        self.journal = DeploymentJournal(workspace.state_dir / JOURNAL_DIR)
        self._tokens: dict[int, CancelToken] = {}
        self._tokens_guard = threading.Lock()
        self.secrets = RunSecrets(workspace.root)
        """Values of the runs' secrets, which the store never holds."""
        self._unkept: dict[int, list[str]] = {}
        """Per build: why secrets learnt here could not be put in a secure keyring."""
        self.recover_interrupted()

    @functools.cached_property
    def target_actions(self) -> TargetActions:
        """The environments' App Service targets: swap, swap back, restart, stop,
        start, audited in this workspace's store."""
        return TargetActions(self.workspace, self._targets or self.workspace.targets,
                             self.store)

    # ----------------------------------------------------------------- runs

    def queue_run(
        self, actor: str, branch: str | None = None, variables: dict[str, str] | None = None,
        reason: str = "Manual", definition: str | None = None,
        secrets: dict[str, str] | None = None,
    ) -> RunRecord:
        """A new build; it keeps `definition` (default: the pipeline file's text now) and
        runs it in every stage, whatever the file becomes. `secrets`: secret queue-time
        variables, never written to the store (their names are; their values go to the
        keyring for the run's later stages)."""
        if definition is None:
            definition = self.workspace.read_definition()[0]
        secrets = dict(secrets or {})
        plain = {k: v for k, v in (variables or {}).items() if k not in secrets}
        backend = self.workspace.backend
        queued = backend.queue_run(branch, {**plain, **secrets}, secrets=frozenset(secrets))
        run = self.store.add_run(queued.branch, queued.commit, reason, actor, plain,
                                 definition, secrets, backend.name,
                                 queued.remote_id)  # audited with it
        for name, value in secrets.items():
            if problem := self._keep(run.id, QUEUE_TIME, name, value, f"Secret variable {name}"):
                self._unkept.setdefault(run.id, []).append(problem)
        return run

    def definition(self, run: RunRecord) -> BuildDefinition:
        """The pipeline build `run` runs (see engine.build_definition)."""
        return build_definition(self.workspace, run)

    def _keep(self, run_id: int, stage: str, name: str, value: str, what: str) -> str:
        """Keep a secret for the run's later stages; "" when it is in the keyring, else
        what the run's log says about it."""
        problem = self.secrets.keep(run_id, stage, name, value)
        return problem and (
            f"{what} is known to this process only, so a stage of build {run_id} promoted "
            f"from another process (another command, the window) cannot read it: {problem}")

    def run_pipeline(
        self, actor: str, branch: str | None = None, variables: dict[str, str] | None = None,
        reason: str = "Manual", log: LogWriter | None = None,
        cancel: CancelToken | None = None, secrets: dict[str, str] | None = None,
    ) -> tuple[RunRecord, list[PromotionResult]]:
        """Queue a run and run the stages that depend on nothing (the build). Later stages
        are promoted to, one click each."""
        text, pipeline = self.workspace.read_definition()
        run = self.queue_run(actor, branch, variables, reason, text, secrets)
        results = []
        dependencies = pipeline.dependency_map()
        for stage in pipeline.stages:
            if stage.kind == "stage" and not dependencies[stage.name]:
                results.append(self.promote(run.id, stage.name, actor, log=log, cancel=cancel))
        return run, results

    # ----------------------------------------------------------------- promotion

    def promote(
        self, run_id: int, stage_name: str, actor: str, *, log: LogWriter | None = None,
        cancel: CancelToken | None = None, wait_for_lock: bool = True, swap: bool = False,
    ) -> PromotionResult:
        """Promote build `run_id` to `stage_name`. An environment whose App Service
        target swaps after a deployment gets its swap step only with `swap` (its own
        consent); without, the result names the command that would follow."""
        try:
            run = self.store.run(run_id)
            pipeline = self.definition(run).pipeline
            stage = pipeline.stage(stage_name)
        except (ModelError, KeyError, DefinitionAltered) as missing:
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
        result = self._execute(pipeline, stage, run, stage_run, actor, log, cancel,
                               wait_for_lock)
        return self._swap_step(pipeline, stage, run, result, actor, swap, log, cancel)

    def _swap_step(self, pipeline: Pipeline, stage: Stage, run: RunRecord,
                   result: PromotionResult, actor: str, swap: bool, log: LogWriter | None,
                   cancel: CancelToken | None) -> PromotionResult:
        """After a verified deployment, the swap step of each environment carrying one
        (`swap_environments`): run with its consent, else named as waiting for it."""
        swapping = swap_environments(pipeline, stage)
        if result.state != "succeeded" or not swapping:
            return result
        messages = [result.message]
        if not swap:
            messages += [f"the swap step of {name} needs its own consent" for name in swapping]
            return replace(result, message="; ".join(messages), swaps_waiting=tuple(swapping))
        for name in swapping:
            try:
                plan = self.target_actions.swap_plan(name, build=run.id)
                done = self.target_actions.swap(plan, actor, log, cancel)
            except BackendError as error:
                done = ActionResult("failed", f"the swap of {name} failed: {error}")
            messages.append(done.message)
            if done.state != "succeeded":
                return replace(result, state=done.state, message="; ".join(messages))
        return replace(result, message="; ".join(messages))

    def _blocker(self, pipeline: Pipeline, stage: Stage, run: RunRecord) -> str:
        """Why build `run` cannot be promoted to `stage` now ("" when it can)."""
        if stage.kind != "stage":
            return f"{stage.name} is a template or an expression block; it cannot run here"
        named = next(filter(None, map(environment_name_problem, stage.environments)), "")
        if named:  # before anything is written: its folder and lock are named after it
            return f"{stage.name} cannot deploy: {named}"
        latest = self.store.latest_stage_run(run.id, stage.name)
        if latest is not None and latest.state == "waiting":
            return f"build {run.id} is already waiting for approval to {stage.name}"
        if latest is not None and latest.state in ("queued", "running"):
            return f"build {run.id} is already running in {stage.name}"
        if self.workspace.backend.capabilities.conditions:
            return ""  # the backend runs the stage once its dependencies are done
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
        `moment` (default: now); "" when the backend enforces business hours itself."""
        if self.workspace.backend.capabilities.business_hours:
            return ""
        moment = moment or self.clock()
        return "; ".join(filter(None, (
            closed_reason(c.environment, c.hours, moment)
            for c in checks if c.kind == "business_hours" and c.hours is not None)))

    def _needs_approval(self, pipeline: Pipeline, environments: list[str]) -> bool:
        """Whether the engine asks for approvals first (not when the backend does)."""
        if self.workspace.backend.capabilities.approvals:
            return False
        return any(
            (environment := pipeline.environments.get(name)) is not None
            and environment.approval is not None and environment.approval.approvers
            for name in environments
        )

    def _evaluate_condition(
        self, pipeline: Pipeline, stage: Stage, run: RunRecord
    ) -> tuple[bool, str]:
        if self.workspace.backend.capabilities.conditions:
            return True, f"{self.workspace.backend.name} evaluates the condition itself"
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
        records: list[ApprovalRecord] = []
        if not self._needs_approval(pipeline, environments):
            return records
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
        definitions: dict[int, BuildDefinition] = {}
        disk = functools.cache(self.workspace.load_pipeline)  # read once for all of them
        for approval in self.store.approvals("pending"):
            if approval_policy.is_expired(approval.timeout_at, moment):
                self._time_out(approval)
                continue
            try:
                if approval.run_id not in definitions:
                    definitions[approval.run_id] = self.definition(
                        self.store.run(approval.run_id))
                definition = definitions[approval.run_id]
                closed = self._closed_for_approval(definition.pipeline, approval.stage,
                                                   moment)
                note = definition_note(self.workspace, definition, approval.stage, disk)
            except DefinitionAltered as altered:  # an approval would be refused: say why
                closed = str(altered)
                note = DefinitionNote(closed, "its definition was altered", True)
            pending.append(PendingApproval(
                approval, self.store.decisions(approval.id),
                approval_policy.required_approvals(approval.policy), closed, note))
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
        try:  # what an approval completing the request runs (a rejection runs nothing)
            pipeline = self.definition(self.store.run(run_id)).pipeline \
                if decision == "approved" else None
        except DefinitionAltered as altered:
            return PromotionResult("refused", str(altered), stage_run)
        if pipeline is not None and self._would_complete(stage_run, actor):
            closed = self._closed_for_approval(pipeline, stage_name)
            if closed:
                self.store.audit(actor, "approve refused", f"build {run_id} → {stage_name}",
                                 reasons=[closed])
                return PromotionResult("refused", closed, stage_run)
        refusals = []
        decided = lost = 0
        for approval in open_approvals:
            outcome = self._decide_one(approval, actor, decision, comment)
            if outcome is None:
                lost += 1
            elif isinstance(outcome, ApprovalRefused):
                refusals.append(str(outcome))
            else:
                decided += 1
        if not decided and lost:
            return self._closed_by_other(stage_run)
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
        run = self.store.run(run_id)
        pipeline = pipeline or self.definition(run).pipeline  # read above for an approval
        stage = pipeline.stage(stage_name)
        result = self._execute(pipeline, stage, run, self.store.stage_run(stage_run.id),
                               actor, log, cancel, True)
        return self._swap_step(pipeline, stage, run, result, actor, False, log, cancel)

    def _decide_one(self, approval: ApprovalRecord, actor: str, decision: str,
                    comment: str) -> DecisionRecord | ApprovalRefused | None:
        """`actor`'s decision on one approval, judged by the decisions recorded so far and
        recorded only if none came in meanwhile (else judged again); None when another
        decision closed the approval first."""
        while True:
            if self.store.approval(approval.id).status != "pending":
                return None
            earlier = [(d.approver, d.decision) for d in self.store.decisions(approval.id)]
            try:
                approval_policy.check_decision(
                    approval.policy, approval.environment, approval.requested_by, earlier, actor
                )
            except ApprovalRefused as refusal:
                return refusal
            status = approval_policy.outcome(approval.policy, [*earlier, (actor, decision)])
            recorded = self.store.add_decision(approval.id, actor, decision, comment,
                                               seen=len(earlier), status=status)
            if recorded is not None:
                return recorded

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
        locks = {} if self.workspace.backend.capabilities.exclusive_locks else {
            name: EnvironmentLock(self.workspace.locks_dir, name) for name in stage.environments}
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
        deployments = []
        for name in stage.environments:
            deployment = self.store.add_deployment(name, run.id, stage_run.id, "deploy",
                                                   stage_run.requested_by)
            self.journal.begin(deployment.id, name, self.current_build(name))
            deployments.append(deployment)
        earlier = self.store.stage_runs(run.id)
        secrets = stage_secrets(self.secrets, run, earlier)
        for warning in [*self._unkept.get(run.id, []), *secrets.warnings(run.id)]:
            run_log.write(f"##[warning]{warning}")
        outputs = self._earlier_outputs(earlier)
        outputs.update(secrets.outputs)
        context = RunContext(
            run_id=run.id, branch=run.branch, commit=run.commit_id, reason=run.reason,
            requested_by=run.requested_by, variables={**run.variables, **secrets.variables},
            secrets=frozenset(secrets.variables), output_variables=outputs,
            secret_outputs=frozenset(secrets.outputs), created=run.created_at,
            remote_id=run.remote_id,
        )
        try:
            outcome = self._run_stage(pipeline, stage, context, stage_run, run_log, token)
        except Exception as error:  # a backend fault must still end in a recorded state
            run_log.write(scrub(f"##[error]{type(error).__name__}: {error}"))
            outcome = StageOutcome("Failed", scrub(f"the backend failed: {error}"))
        for name in outcome.secret_outputs:
            if problem := self._keep(run.id, stage.name, name, outcome.outputs[name],
                                     f"Secret output {stage.name}.{name}"):
                run_log.write(f"##[warning]{problem}")
        if outcome.result in ("Succeeded", "SucceededWithIssues"):
            outcome = self._health_checks(checks, outcome, run_log, run.id)
            if token.cancelled and outcome.result != "Failed":
                outcome = replace(outcome, result="Canceled", message="canceled after the "
                                  "switch, before the deployment was verified")
        if outcome.result not in ("Succeeded", "SucceededWithIssues") and deployments:
            for deployment in deployments:  # a release not verified does not stay live
                self._put_back(deployment, outcome.message, run_log)
            serving = "; ".join(self._serving(d.environment) for d in deployments)
            outcome = replace(outcome, message=f"{outcome.message}; {serving}"
                              if outcome.message else serving)
        return self._finish(stage_run, deployments, outcome, actor)

    def _run_stage(self, pipeline: Pipeline, stage: Stage, context: RunContext,
                   stage_run: StageRunRecord, log: LogWriter,
                   token: CancelToken) -> StageOutcome:
        """Start `stage` on the backend and follow it to its end: its log lines go to
        `log` as they come, and cancelling `token` cancels it there."""
        backend = self.workspace.backend
        ref = backend.start_stage(pipeline, stage, context)
        self.store.update_stage_run(stage_run.id, remote_ref=ref.id)
        unlink = token.on_cancel(lambda: backend.cancel(ref))
        try:
            seen = 0
            while True:
                status = backend.wait(ref, FOLLOW_SECONDS, after_line=seen)
                lines = backend.read_log(ref, seen)
                for line in lines:
                    log.write(line)
                seen += len(lines)
                if status.finished:
                    return backend.outcome(ref)
        finally:
            unlink()

    def _put_back(self, deployment: DeploymentRecord, why: str, log: LogWriter) -> None:
        """Switch `deployment`'s environment back from its build, not verified, to the one
        it served before (out of service when it served none), recorded as a rollback by
        "system" and in the audit trail. Nothing changes when the environment does not
        serve that build (it never switched, or switched back itself). The caller holds
        the environment's lock."""
        environment, build = deployment.environment, deployment.run_id
        if self.current_build(environment) != build:
            return
        entry = self.journal.entry(deployment.id)
        previous = entry.previous if entry is not None else self._served_before(deployment)
        if previous == build:
            return
        if previous is None:
            self.workspace.backend.deactivate(environment, log)
            self.store.audit("system", "out of service", environment, build=build, reason=why)
            log.write(f"##[warning]{environment} is out of service: build {build} was not "
                      "verified and no earlier release was in service")
            return
        switch = self.store.add_deployment(environment, previous, None, "rollback", "system")
        try:
            self.workspace.backend.activate(environment, previous, log)
        except Exception as error:  # recorded, and the environment's state said after
            self.store.finish_deployment(switch.id, "failed", f"could not switch "
                                         f"{environment} back to build {previous}: {error}")
            return
        self.store.finish_deployment(
            switch.id, "succeeded", f"{environment} switched back from build {build} to "
            f"build {previous}: build {build} was not verified ({why})")
        self.store.audit("system", "switch back", environment, from_build=build,
                         to_build=previous, reason=why)
        log.write(f"##[warning]{environment} is back on build {previous}: build {build} "
                  "was not verified")

    def _served_before(self, deployment: DeploymentRecord) -> int | None:
        """The build the store last put in service in `deployment`'s environment before
        it (for a deployment whose journal entry was never written)."""
        return next((d.run_id for d in self.store.deployments(deployment.environment)
                     if d.id < deployment.id and d.state == "succeeded"), None)

    def _serving(self, environment: str) -> str:
        """What `environment` serves now, in words."""
        build = self.current_build(environment)
        return f"{environment} serves build {build}" if build is not None else \
            f"{environment} has no release in service"

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
                return replace(outcome, result="Failed",
                               message=f"the health check of {name} failed: {seen}")
        return outcome

    def _finish(
        self, stage_run: StageRunRecord, deployments: list, outcome: StageOutcome,
        actor: str, refused: bool = False,
    ) -> PromotionResult:
        state = RESULT_STATES.get(outcome.result, "failed")
        record = self.store.update_stage_run(
            stage_run.id, state=state, result=outcome.result, message=outcome.message,
            outputs=with_secret_names(outcome.outputs, outcome.secret_outputs),
            finished_at=now(),
        )
        for deployment in deployments:
            self.store.finish_deployment(deployment.id, state, outcome.message)
            self.journal.end(deployment.id)
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
        when there is nowhere to go. An environment whose target swaps after a
        deployment rolls back by swapping back (`TargetActions.swap_back_plan`)."""
        if self._swapped(environment):
            try:
                plan = self.target_actions.swap_back_plan(environment, health=False)
            except BackendError as error:
                return None, f"{environment}'s slots cannot be read: {error}"
            if plan.refused:
                return None, plan.refused
            return plan.next_build, (f"{environment} serves build {plan.live_build} in "
                                     f"{plan.with_slot} since its last swap; build "
                                     f"{plan.next_build}, live before it, is still in slot "
                                     f"{plan.slot}: a rollback swaps them back")
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
        end, then goes back from what that deployment left in service. A swapped
        environment is swapped back (holding the same lock)."""
        if self._swapped(environment):
            actions = self.target_actions
            try:
                plan = actions.swap_back_plan(environment)
                if plan.refused:
                    return PromotionResult("refused", f"{plan.environment} cannot be "
                                           f"rolled back: {plan.refused}")
                done = actions.swap(plan, actor, log, cancel, action=SWAP_BACK)
            except BackendError as error:
                return PromotionResult("failed", f"the swap back of {environment} failed: "
                                       f"{error}")
            return PromotionResult(done.state, done.message)
        lock = EnvironmentLock(self.workspace.locks_dir, environment)
        waiting = (f"##[section]Waiting for the deployment to {environment} in progress to "
                   "end before rolling back")
        if not lock.acquire(wait=True, cancel=cancel,
                            on_wait=lambda: log.write(waiting) if log else None):
            return PromotionResult("canceled", f"the rollback of {environment} was cancelled "
                                   "while waiting for the deployment in progress")
        try:
            return self._rollback_locked(environment, actor, log, cancel)
        finally:
            lock.release()

    def _rollback_locked(self, environment: str, actor: str, log: LogWriter | None,
                         cancel: CancelToken | None) -> PromotionResult:
        current = self.current_build(environment)
        target, reason = self.rollback_target(environment)
        if current is None or target is None:
            return PromotionResult(
                "refused", f"{environment} has no earlier good release to roll back to: "
                f"{reason}")
        if cancel is not None and cancel.cancelled:
            return PromotionResult("canceled", f"the rollback of {environment} was cancelled "
                                   f"before it switched; {self._serving(environment)}")
        deployment = self.store.add_deployment(environment, target, None, "rollback", actor)
        self.journal.begin(deployment.id, environment, current)
        self.store.audit(actor, "rollback", environment, to_build=target, from_build=current)
        log_path = self.workspace.logs_dir / "rollbacks" / f"{environment}.{deployment.id}.log"
        with RunLog(log_path, log) as run_log:
            try:
                self.workspace.backend.activate(environment, target, run_log)
            except Exception as error:  # recorded, then reported
                self.store.finish_deployment(deployment.id, "failed", str(error))
                self.journal.end(deployment.id)
                return PromotionResult("failed", f"rollback of {environment} failed: {error}")
        message = f"{environment} rolled back from build {current} to build {target}"
        self.store.finish_deployment(deployment.id, "succeeded", message)
        self.journal.end(deployment.id)
        return PromotionResult("succeeded", message)

    def _swapped(self, environment: str) -> bool:
        """Whether `environment`'s target swaps after a deployment (its rollback is a
        swap back)."""
        target = environment_target(self.workspace.root, environment)[1]
        return target is not None and bool(target.swap_with)

    # ----------------------------------------------------------------- reading

    def current_build(self, environment: str) -> int | None:
        release = next((r for r in self.workspace.backend.releases(environment) if r.current),
                       None)
        return release.run_id if release else None

    def status(self, build_limit: int = 20) -> WorkspaceStatus:
        """What is deployed where, from the store and the backend (the dashboard)."""
        from release_manager.engine.release_status import workspace_status  # reads Promoter

        return workspace_status(self.workspace, self, build_limit)

    def plan(self, run_id: int, stage_name: str) -> PromotionPlan:
        run = self.store.run(run_id)
        definition = self.definition(run)
        pipeline = definition.pipeline
        stage = pipeline.stage(stage_name)
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
            commits=self.workspace.backend.commits_between(previous[0] if previous else "",
                                                           run.commit_id),
            approvals=approvals, checks=checks, condition=stage.condition or "succeeded()",
            condition_met=met, explanation=explanation,
            blockers=[blocker] if blocker else [],
            definition=definition_note(self.workspace, definition, stage_name),
            swaps=[self._step_plan(name, run.id) for name in swap_environments(pipeline,
                                                                              stage)],
        )

    def _step_plan(self, environment: str, build: int) -> SwapPlan:
        try:
            return self.target_actions.step_plan(environment, build)
        except BackendError as error:
            return SwapPlan(environment, refused=f"its slots cannot be read: {error}")

    @staticmethod
    def _earlier_outputs(records: list[StageRunRecord]) -> dict[str, str]:
        """The outputs of the run's stages so far (secret ones are not in the store)."""
        outputs = {}
        for record in records:
            for name, value in record.outputs.items():
                if name not in record.secret_outputs:
                    outputs[f"{record.stage}.{name}"] = value
        return outputs

    # ----------------------------------------------------------------- recovery

    def recover_interrupted(self) -> list[StageRunRecord]:
        """Close what a process that is gone left open (the app was closed, crashed or was
        killed mid-deployment), so the store tells the truth: the processes its steps left
        running are ended; its stage runs and deployments are closed as interrupted, and
        an environment left on a build that was not verified is switched back to the one
        it served before (recorded); a rollback left open is closed saying what the
        environment serves. Waiting approvals have no process and stay waiting."""
        self.workspace.backend.end_orphans()
        interrupted = []
        for record in self.store.active_stage_runs():
            if record.state == "waiting" or (record.pid and process_alive(record.pid)):
                continue
            message = (f"interrupted: the process running {record.stage} for build "
                       f"{record.run_id} ended before it finished")
            if not self.store.move_stage_run(  # it may have just finished: keep its result
                    record.id, record.state, state="interrupted", result="Canceled",
                    message=message, finished_at=now()):
                continue
            deployments = [d for d in self.store.running_deployments()
                           if d.stage_run_id == record.id]
            serving = [self._close_interrupted(d, message, record.log_path)
                       for d in deployments]
            if serving:
                self.store.update_stage_run(record.id,
                                            message="; ".join([message, *serving]))
            interrupted.append(self.store.stage_run(record.id))
        self._close_abandoned()
        return interrupted

    def _close_interrupted(self, deployment: DeploymentRecord, message: str,
                           log_path: str | None) -> str:
        """Close the deployment of an interrupted stage run, its environment switched back
        if it was left on the unverified build; returns what the environment serves."""
        environment = deployment.environment
        lock = EnvironmentLock(self.workspace.locks_dir, environment)
        try:
            lock.acquire(wait=False)
        except EnvironmentBusy:  # another process changes it now and records what it does
            serving = f"another change of {environment} is in progress"
        else:
            try:
                with RunLog(Path(log_path), None) if log_path else _NoLog() as log:
                    self._put_back(deployment, "the process deploying it ended before it "
                                   "was verified", log)
                serving = self._serving(environment)
            finally:
                lock.release()
        self.store.finish_deployment(deployment.id, "interrupted", f"{message}; {serving}")
        self.journal.end(deployment.id)
        return serving

    def _close_abandoned(self) -> None:
        """Close the deployment rows still running whose writer is gone: rollbacks (they
        have no stage run), and deployments whose stage run was closed just before its
        process died. The writer is gone when the journal's process has ended, or, with
        no journal entry, when nobody holds the environment's lock."""
        for deployment in self.store.running_deployments():
            record = self.store.stage_run(deployment.stage_run_id) \
                if deployment.stage_run_id is not None else None
            if record is not None and not record.finished:
                continue  # closed with its stage run
            entry = self.journal.entry(deployment.id)
            if entry is not None and process_alive(entry.pid):
                continue
            lock = EnvironmentLock(self.workspace.locks_dir, deployment.environment)
            try:
                lock.acquire(wait=False)
            except EnvironmentBusy:
                continue  # its writer still holds it
            try:
                if self.store.deployment(deployment.id).state != "running":
                    continue  # it finished meanwhile
                if record is not None:
                    self.store.finish_deployment(deployment.id, record.state, record.message)
                else:
                    self.store.finish_deployment(
                        deployment.id, "interrupted",
                        f"interrupted: the process rolling back {deployment.environment} to "
                        f"build {deployment.run_id} ended before it finished; "
                        f"{self._serving(deployment.environment)}")
                self.journal.end(deployment.id)
            finally:
                lock.release()
        listed = self.journal.deployment_ids()  # before the rows: each entry's row exists
        live = {d.id for d in self.store.running_deployments()}
        for deployment_id in listed:
            if deployment_id not in live:  # its row was closed just before its writer died
                self.journal.end(deployment_id)


class _NoLog:
    """Where the lines of a recovery go when the interrupted stage run has no log."""

    def __enter__(self) -> _NoLog:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def write(self, line: str) -> None:
        pass


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


def swap_environments(pipeline: Pipeline, stage: Stage) -> list[str]:
    """The environments of `stage` whose App Service target swaps after a deployment."""
    return [name for name in stage.environments
            if (environment := pipeline.environments.get(name)) is not None
            and environment.app_service is not None and environment.app_service.swap_with]
