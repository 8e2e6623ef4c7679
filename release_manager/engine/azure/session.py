"""The window's releases on a workspace connected to Azure DevOps: the calls the releases
controller makes of a `Promoter` (status, run, promote, approve, reject, roll back, plan),
done Azure's way through `AzureReleases` as the CLI does them. The service keeps the
runs, approvals and deployments: nothing is written to the store, and the approvals'
rules are the service's (Capabilities.approvals)."""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from release_manager.core.model import Pipeline
from release_manager.engine.azure.backend import AzureBackend, stage_ref
from release_manager.engine.azure.builds import RemoteBuild, build_status
from release_manager.engine.azure.connection_check import signed_in_name
from release_manager.engine.azure.releases import AzureReleases
from release_manager.engine.azure.timeline import StageState, find_stage
from release_manager.engine.backend import ApprovalRequest, CancelToken, LogWriter, StageRef
from release_manager.engine.backend_errors import BackendError, NotFound
from release_manager.engine.log_follow import follow_stage
from release_manager.engine.promotion import PendingApproval, PromotionPlan, PromotionResult
from release_manager.engine.release_status import (
    EnvironmentStatus,
    WorkspaceStatus,
    read_slots,
)
from release_manager.engine.store import ApprovalRecord, DecisionRecord, RunRecord
from release_manager.engine.swap import SWAP_BACK, TargetActions, environment_target
from release_manager.engine.workspace import Workspace

_RESULTS = {"Succeeded": "succeeded", "SucceededWithIssues": "succeeded",
            "Failed": "failed", "Canceled": "canceled", "Skipped": "skipped"}
WAIT_SECONDS = 0.5
"""How often a queued run is looked at until its first stages start."""


@dataclass
class _Run:
    build: RemoteBuild
    stages: list[StageState]


class AzureSession:
    """One connected workspace's releases, for the window's workers."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        backend = workspace.backend
        assert isinstance(backend, AzureBackend)
        self.backend: AzureBackend = backend
        self.store = workspace.store  # the audit of a cancel; Azure's runs are not in it
        self._user: str | None = None

    def _releases(self) -> tuple[Pipeline, AzureReleases]:
        pipeline = self.workspace.load_pipeline()
        return pipeline, AzureReleases(self.backend, pipeline)

    # ----------------------------------------------------------------- reading

    def status(self) -> WorkspaceStatus:
        """The newest builds with their stages (timelines, read incrementally), each
        environment's current build (deployment records) and the pending approvals."""
        pipeline = self.workspace.load_pipeline()
        runs = [_Run(build, self.backend.stages(build.id)) for build in self.backend.builds()]
        environments = self._environments(pipeline, {run.build.id: run.build for run in runs})
        for env in environments:
            self._read_slots(env)
        builds = []
        for run in runs:
            status = build_status(run.build, run.stages)
            status.backend, status.remote_id = "azure", str(run.build.id)
            builds.append(status)
        pending = self.backend.pending_approvals([(run.build, run.stages) for run in runs])
        queued = {run.build.id: run.build.created_at for run in runs}
        return WorkspaceStatus(
            stages=[s.name for s in pipeline.stages if s.kind == "stage"],
            environments=environments, builds=builds,
            approvals=[_pending(approval, pipeline, queued.get(approval.run_id, ""))
                       for approval in pending])

    def _environments(self, pipeline: Pipeline,
                      builds: dict[int, RemoteBuild]) -> list[EnvironmentStatus]:
        """Each environment's current build; its commit and who queued it when it is
        among the builds read."""
        env_of_stage = {stage.name: stage.environments for stage in pipeline.stages}
        environments = []
        for stage in pipeline.stages:
            upstream = [env for name in pipeline.ancestors(stage.name)
                        for env in env_of_stage.get(name, [])] if stage.environments else []
            for name in stage.environments:
                status = EnvironmentStatus(name=name, stage=stage.name, upstream=upstream,
                                           rollback_reason=f"nothing was deployed to {name} yet")
                try:
                    _, history = self.backend.deployment_history(name)
                except NotFound as missing:
                    if missing.kind != "environment":
                        raise
                    environments.append(status)
                    continue
                status.current_build = history.current_build
                status.last_state = history.last_state
                if history.current is not None:
                    status.deployed_at = history.current.finished_at or \
                        history.current.started_at
                    build = builds.get(history.current.run_id)
                    if build is not None:
                        status.commit, status.deployed_by = build.commit, build.requested_by
                status.rollback_to = history.rollback.run_id if history.rollback else None
                status.rollback_reason = history.rollback_reason
                environments.append(status)
        by_name = {env.name: env for env in environments}
        for env in environments:
            nearest = next((by_name[u] for u in env.upstream if u in by_name), None)
            env.behind = bool(nearest and nearest.current_build and (
                env.current_build is None or nearest.current_build > env.current_build))
        return environments

    @functools.cached_property
    def target_actions(self) -> TargetActions:
        """The environments' App Service slots (Azure's), with no store: Azure's activity
        log records what is done to them."""
        return TargetActions(self.workspace, self.workspace.targets, None)

    def _read_slots(self, env: EnvironmentStatus) -> None:
        """`env`'s slots, as `status` shows them on a connected workspace; a swapped
        environment's rollback is a swap back, judged by what the slots serve."""
        env.slots, env.slots_error = read_slots(self.workspace, lambda: self.target_actions,
                                                env.name)
        if len(env.slots) < 2:  # no swap partner: Azure DevOps' rollback
            return
        try:
            plan = self.target_actions.swap_back_plan(env.name, health=False)
        except BackendError as error:
            env.rollback_to, env.rollback_reason = None, f"its slots cannot be read: {error}"
            return
        env.rollback_to = None if plan.refused else plan.next_build
        env.rollback_reason = plan.refused or (
            f"build {plan.next_build}, older than build {plan.live_build} live in "
            f"{plan.with_slot}, is in slot {plan.slot}: a rollback swaps them back")

    def plan(self, run_id: int, stage_name: str) -> PromotionPlan:
        """What promoting does on Azure DevOps, for the confirmation sheet: the service
        decides approvals, checks and conditions; the commits since each environment's
        build come from the workspace's clone."""
        pipeline, releases = self._releases()
        build = releases.build(run_id)
        state = find_stage(self.backend.stages(run_id), stage_name)
        stage = next((s for s in pipeline.stages
                      if s.name.casefold() == state.identifier.casefold()), None)
        environments = stage.environments if stage else []
        current: dict[str, int | None] = {}
        for name in environments:
            try:
                current[name] = self.backend.deployment_history(name)[1].current_build
            except NotFound:
                current[name] = None
        commits = self.backend.commits_between("", build.commit) if build.commit else []
        foreseen = releases.foresee(run_id, stage_name, self.signed_in_as())
        return PromotionPlan(
            run=_record(build), stage=state.identifier, environments=environments,
            current_builds=current, commits=commits,
            approvals=[f"Azure DevOps: {foreseen.does}"], checks=[],
            condition=(stage.condition if stage else None) or "",
            condition_met=False if foreseen.state.state == "skipped" else None,
            explanation=foreseen.explanation or "Azure DevOps evaluates the stage's condition.",
            blockers=[foreseen.blocker] if foreseen.blocker else [])

    def signed_in_as(self) -> str:
        """Who the service acts and decides as: the signed-in user (asked once)."""
        if self._user is None:
            self._user = signed_in_name(self.backend.connection)
        return self._user

    def stage_ref(self, run_id: int, stage: str) -> StageRef:
        """The reference of the stage's latest attempt, to read its log."""
        state = find_stage(self.backend.stages(run_id), stage)
        return stage_ref(run_id, run_id, state)

    # ----------------------------------------------------------------- acting

    def run_pipeline(self, actor: str, branch: str | None = None,
                     variables: dict[str, str] | None = None, reason: str = "Manual",
                     log: LogWriter | None = None, cancel: CancelToken | None = None,
                     secrets: dict[str, str] | None = None
                     ) -> tuple[RunRecord, list[PromotionResult]]:
        """Queue a run (secret variables sent as secret) and follow the stages that
        depend on nothing until they end: their log lines go to `log` as they come."""
        pipeline = self.workspace.load_pipeline()
        values = dict(variables or {}) | dict(secrets or {})
        queued = self.backend.queue_run(branch, values, secrets=frozenset(secrets or {}))
        run_id = int(queued.remote_id)
        token = cancel or CancelToken()
        sink = log or _Nowhere()
        dependencies = pipeline.dependency_map()
        first = [s.name for s in pipeline.stages
                 if s.kind == "stage" and not dependencies[s.name]]
        results = [self._follow(run_id, name, sink, token) for name in first]
        run = RunRecord(run_id, queued.branch, queued.commit, reason, actor,
                        dict(variables or {}), datetime.now(UTC).isoformat(timespec="seconds"))
        return run, [r for r in results if r is not None]

    def _follow(self, run_id: int, stage: str, log: LogWriter,
                token: CancelToken) -> PromotionResult | None:
        deadline = datetime.now(UTC) + timedelta(minutes=30)
        while not token.cancelled:
            state = find_stage(self.backend.stages(run_id), stage)
            if state.reached and state.state not in ("queued",):
                ref = stage_ref(run_id, run_id, state)
                follow_stage(self.backend, ref, log, token)
                if token.cancelled:
                    return None
                status = self.backend.observe(ref)
                return PromotionResult(_RESULTS.get(status.result, "failed"),
                                       f"{state.identifier}: {status.result}"
                                       + (f" — {status.message}" if status.message else ""))
            if datetime.now(UTC) > deadline or token.wait(WAIT_SECONDS):
                return None
        return None

    def promote(self, run_id: int, stage: str, actor: str, *, log: LogWriter | None = None,
                cancel: CancelToken | None = None, wait_for_lock: bool = True,
                swap: bool = False) -> PromotionResult:
        """`swap`: refused; its plan carries no swap step (swap the slots on their own)."""
        if swap:
            return PromotionResult("refused", "on a workspace connected to Azure DevOps a "
                                   "promotion carries no swap step: swap the slots on "
                                   "their own once the deployment is done")
        return self._releases()[1].promote(run_id, stage)

    def approve(self, run_id: int, stage: str, actor: str, comment: str = "", *,
                log: LogWriter | None = None, cancel: CancelToken | None = None
                ) -> PromotionResult:
        return self._releases()[1].decide([run_id], stage, "approved", comment)[0]

    def reject(self, run_id: int, stage: str, actor: str, comment: str = "") -> PromotionResult:
        return self._releases()[1].decide([run_id], stage, "rejected", comment)[0]

    def rollback(self, environment: str, actor: str, *, log: LogWriter | None = None,
                 cancel: CancelToken | None = None) -> PromotionResult:
        """Azure DevOps' rollback; an environment whose slot swaps with another is
        swapped back (as `rollback` does on a connected workspace)."""
        target = environment_target(self.workspace.root, environment)[1]
        if target is not None and target.swap_with:
            actions = self.target_actions
            plan = actions.swap_back_plan(environment)
            if plan.refused:
                return PromotionResult("refused", f"{plan.environment} cannot be rolled "
                                       f"back: {plan.refused}")
            done = actions.swap(plan, actor, log, cancel, action=SWAP_BACK)
            return PromotionResult(done.state, done.message)
        return self._releases()[1].rollback(environment, log or _Nowhere(), cancel)

    def cancel(self, stage_run_id: int, actor: str) -> None:
        """Nothing of Azure's runs is in the store: a stopped operation stops following."""


class _Nowhere:
    def write(self, line: str) -> None:
        pass


def _record(build: RemoteBuild) -> RunRecord:
    return RunRecord(build.id, build.branch, build.commit, build.reason, build.requested_by,
                     {}, build.created_at)


def _pending(approval: ApprovalRequest, pipeline: Pipeline, queued: str) -> PendingApproval:
    """An approval waiting on Azure DevOps as the approvals inbox shows it, with the
    decisions its steps hold so far."""
    stage = next((s for s in pipeline.stages
                  if s.name.casefold() == approval.stage.casefold()), None)
    environment = ", ".join(stage.environments) if stage else ""
    policy = {"approvers": list(approval.approvers), "instructions": approval.instructions,
              "requester_cannot_approve": False, "min_approvers": approval.required}
    created = queued or datetime.now(UTC).isoformat()
    record = ApprovalRecord(zlib.crc32(approval.id.encode()), 0, approval.run_id,
                            approval.stage, environment, approval.requested_by, created,
                            _timeout(created), "pending", policy)
    decisions = [DecisionRecord(0, record.id, who, decision, "", "")
                 for who, decision in approval.decided]
    return PendingApproval(record, decisions, approval.required)


def _timeout(created: str) -> str:
    """The Approval check's default timeout (30 days) after the run was queued: the
    approvals list does not say the check's own."""
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.now(UTC)
    return (moment + timedelta(days=30)).isoformat()
