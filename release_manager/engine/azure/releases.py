"""The release verbs on a workspace connected to Azure DevOps, Azure's way, over
AzureBackend: status from the builds list (paged), timelines and deployment records;
promote by approving, retrying or explaining; approvals decided as the signed-in user
(the service enforces who may); cancel, logs (followed with back-off) and rollback.
Results are the engine's PromotionResult, so the CLI reports them as locally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from release_manager.core.expressions import ExpressionError, explain_text
from release_manager.core.model import Pipeline, Stage
from release_manager.engine.azure.backend import (
    API_VERSION,
    BUILD_LIMIT,
    AzureBackend,
    stage_ref,
)
from release_manager.engine.azure.builds import RemoteBuild, build_status, remote_build
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.timeline import StageState, find_stage
from release_manager.engine.backend import ApprovalRequest, CancelToken, LogWriter
from release_manager.engine.backend_errors import BackendError, NotFound
from release_manager.engine.promotion import PromotionResult
from release_manager.engine.release_status import EnvironmentStatus

_RESULT_WORDS = {"succeeded": "Succeeded", "succeededWithIssues": "SucceededWithIssues",
                 "failed": "Failed", "canceled": "Canceled", "skipped": "Skipped",
                 "abandoned": "Canceled"}


_RETRIED = ("failed", "canceled", "rejected", "interrupted")
"""A stage promoting runs again (a new attempt)."""


@dataclass
class Foreseen:
    """What promoting a stage will do: `does` said to the user; `blocker` when nothing
    will be done (and why); `explanation` the condition explained for a skipped one."""

    state: StageState
    does: str
    blocker: str = ""
    explanation: str = ""


class AzureReleases:
    def __init__(self, backend: AzureBackend, pipeline: Pipeline) -> None:
        self.backend = backend
        self.pipeline = pipeline
        self.connection = backend.connection
        self.project = backend.project

    # ----------------------------------------------------------------- reading

    def build(self, build_id: int) -> RemoteBuild:
        data = self.connection.rest("GET", f"{self.project}/build/builds/{build_id}",
                                    API_VERSION, lookup=Lookup("build", str(build_id)))
        return remote_build(data or {})

    def status(self, limit: int = BUILD_LIMIT) -> dict[str, Any]:
        """The same shape as the local `status --json`."""
        runs = [(build, self.backend.stages(build.id)) for build in self.backend.builds(limit)]
        known = {build.id: build for build, _ in runs}
        env_of_stage = {stage.name: stage.environments for stage in self.pipeline.stages}
        environments = []
        for stage in self.pipeline.stages:
            upstream = [env for name in self.pipeline.ancestors(stage.name)
                        for env in env_of_stage.get(name, [])]
            for name in stage.environments:
                environments.append(self._environment(stage.name, name, upstream, known))
        by_name = {env.name: env for env in environments}
        for env in environments:
            nearest = next((by_name[u] for u in env.upstream if u in by_name), None)
            env.behind = bool(nearest and nearest.current_build and (
                env.current_build is None or nearest.current_build > env.current_build))
        builds = []
        for build, states in runs:
            status = build_status(build, states)
            status.backend, status.remote_id = "azure", str(build.id)
            builds.append(asdict(status))
        return {"stages": [s.name for s in self.pipeline.stages if s.kind == "stage"],
                "environments": [asdict(env) for env in environments], "builds": builds,
                "approvals": [self._approval_json(a)
                              for a in self.backend.pending_approvals(runs)]}

    def _approval_json(self, approval: ApprovalRequest) -> dict[str, Any]:
        stage = next((s for s in self.pipeline.stages
                      if s.name.casefold() == approval.stage.casefold()), None)
        return {"build": approval.run_id, "stage": approval.stage,
                "environment": ", ".join(stage.environments) if stage else "",
                "requestedBy": approval.requested_by, "approvers": list(approval.approvers),
                "required": approval.required}

    def _environment(self, stage: str, name: str, upstream: list[str],
                     builds: dict[int, RemoteBuild]) -> EnvironmentStatus:
        """An environment as the local status shows it, from its deployment records."""
        status = EnvironmentStatus(name=name, stage=stage, upstream=upstream,
                                   rollback_reason=f"nothing was deployed to {name} yet")
        try:
            _, history = self.backend.deployment_history(name)
        except NotFound as missing:
            if missing.kind != "environment":
                raise
            return status
        status.current_build = history.current_build
        status.last_state = history.last_state
        status.rollback_to = history.rollback.run_id if history.rollback else None
        status.rollback_reason = history.rollback_reason
        if history.current is not None:
            status.deployed_at = history.current.finished_at or history.current.started_at
            build = builds.get(history.current.run_id)
            if build is not None:
                status.commit, status.deployed_by = build.commit, build.requested_by
        return status

    def approvals(self) -> list[ApprovalRequest]:
        return self.backend.pending_approvals()

    # ----------------------------------------------------------------- acting

    def decide(self, build_ids: Sequence[int], stage: str, decision: str,
               comment: str = "") -> list[PromotionResult]:
        """Approve or reject the stage's pending approval in each build, in one request,
        as the signed-in user; the service applies the check's rules (a requester who
        may not approve is refused). One result per build."""
        states = {build_id: find_stage(self.backend.stages(build_id), stage)
                  for build_id in build_ids}
        idle = [f"build {b}: {s.identifier} is not waiting for an approval ({s.state})"
                for b, s in states.items() if s.state != "waiting"]
        if idle:
            return [_refused("; ".join(idle))]
        self.backend.decide([(b, s.identifier) for b, s in states.items()], decision, comment)
        return [self._decided(build_id, stage, decision) for build_id in build_ids]

    def _decided(self, build_id: int, stage: str, decision: str) -> PromotionResult:
        after = find_stage(self.backend.stages(build_id), stage)
        if decision == "rejected":
            return PromotionResult("rejected", f"build {build_id}: {after.identifier} "
                                   "rejected")
        if after.state == "waiting":
            return PromotionResult("waiting", f"build {build_id}: approval recorded; "
                                   f"{after.identifier} waits for more approvals")
        return PromotionResult("succeeded", f"build {build_id}: {after.identifier} approved "
                               f"and {after.state}")

    def foresee(self, build_id: int, stage: str, user: str) -> Foreseen:
        """What `promote` would do now, said before it is done (the confirmation sheet):
        `user` is who the service decides an approval as."""
        states = self.backend.stages(build_id)
        state = find_stage(states, stage)
        name = state.identifier
        if state.state == "waiting":
            return Foreseen(state, f"{name} waits for its environment's approval: it will be "
                            f"approved as {user} (the Approval check decides whether that "
                            "is enough)")
        if state.state in _RETRIED:
            return Foreseen(state, f"{name} {state.state}: it will run again (attempt "
                            f"{state.attempt + 1})")
        if state.state == "skipped":
            said = f"{name} was skipped: its condition was false"
            return Foreseen(state, said, said, self._why_skipped(states, name))
        if state.state in ("succeeded", "running", "queued"):
            said = f"{name} is {state.state} already: there is nothing to promote"
            return Foreseen(state, said, said)
        said = self._not_reached(states, state)
        return Foreseen(state, said, said)

    def promote(self, build_id: int, stage: str) -> PromotionResult:
        """Azure's way: approve a stage waiting on its environment, retry a failed or
        cancelled one, explain a skipped one, say what an unreached one waits for."""
        states = self.backend.stages(build_id)
        state = find_stage(states, stage)
        if state.state == "waiting":
            return self.decide([build_id], stage, "approved")[0]
        if state.state in _RETRIED:
            ref = self.backend.retry(stage_ref(build_id, build_id, state))
            return PromotionResult("succeeded", f"build {build_id}: {state.identifier} runs "
                                   f"again (attempt {state.attempt + 1}); follow it with "
                                   f"`release-manager logs {build_id} --stage "
                                   f"{state.identifier} --follow` ({ref.id})")
        if state.state == "succeeded":
            return PromotionResult("succeeded", f"build {build_id}: {state.identifier} "
                                   "already succeeded")
        if state.state == "skipped":
            return PromotionResult("skipped", f"build {build_id}: {state.identifier} was "
                                   "skipped: its condition was false",
                                   explanation=self._why_skipped(states, state.identifier))
        if state.state in ("running", "queued"):
            return PromotionResult("succeeded", f"build {build_id}: {state.identifier} is "
                                   f"{state.state} {state.message}".rstrip())
        return _refused(f"build {build_id}: {self._not_reached(states, state)}")

    def _not_reached(self, states: list[StageState], state: StageState) -> str:
        waits = {w.casefold() for w in self._dependencies(_named(self.pipeline, state).name)}
        ahead = [s.identifier for s in states
                 if s.identifier.casefold() in waits and s.state != "succeeded"]
        return (f"{state.identifier} has not been reached: it waits for "
                f"{', '.join(ahead) or 'the stages before it'}")

    def _dependencies(self, name: str) -> list[str]:
        try:
            return self.pipeline.dependencies(name)
        except (KeyError, ValueError):
            return []

    def _why_skipped(self, states: list[StageState], identifier: str) -> str:
        """The condition explained by the core evaluator, with its dependencies' results
        as the timeline says them (no condition: Azure's default, succeeded())."""
        stage = next((s for s in self.pipeline.stages
                      if s.name.casefold() == identifier.casefold()), None)
        condition = (stage.condition if stage else None) or "succeeded()"
        results = {s.identifier: _RESULT_WORDS.get(s.result or "", "Skipped") for s in states}
        direct = self._dependencies(stage.name) if stage else []
        dependencies = {name: {"result": results.get(name, "Skipped")} for name in direct}
        try:
            return explain_text(condition, {}, dependencies, dict(results))
        except ExpressionError as error:
            return f"its condition {condition!r} could not be evaluated here: {error}"

    def cancel(self, build_id: int) -> PromotionResult:
        build = self.build(build_id)
        if build.status == "completed":
            return _refused(f"build {build_id} has already finished ({build.result})")
        self.backend.cancel_run(build_id)
        return PromotionResult("succeeded", f"build {build_id}: cancelling")

    def rollback(self, environment: str, log: LogWriter,
                 cancel: CancelToken | None = None) -> PromotionResult:
        """Run again the deploying stage of the build before the current one; `cancel`
        cancels that stage on the service."""
        found, history = self.backend.deployment_history(environment)
        if history.rollback is None:
            return _refused(history.rollback_reason)
        target = history.rollback
        try:
            release, ref = self.backend.redeploy(found.name, target.run_id, log, cancel)
        except BackendError as error:
            if cancel is None or not cancel.cancelled:
                raise
            return PromotionResult("canceled", f"the rollback of {found.name} was canceled "
                                   f"({error}); it runs build {history.current_build} still")
        if release is None:
            return PromotionResult(
                "waiting", f"build {target.run_id}: {ref.stage} runs again and waits for "
                f"approval before it deploys to {found.name}: `release-manager approve "
                f"{target.run_id} --stage {ref.stage}`")
        return PromotionResult("succeeded", f"{found.name} runs build {release.run_id} again "
                               f"(stage {target.stage} ran again)")

    def log_lines(self, build_id: int, stage: str) -> tuple[StageState, list[str]]:
        state = find_stage(self.backend.stages(build_id), stage)
        ref = stage_ref(build_id, build_id, state)
        return state, self.backend.read_log(ref)

    def follow(self, build_id: int, stage: str, log: LogWriter,
               cancel: CancelToken | None = None) -> str:
        """Write the stage's log, then each new line until the stage ends (observed with
        back-off); the stage's result."""
        state = find_stage(self.backend.stages(build_id), stage)
        ref = stage_ref(build_id, build_id, state)
        printed = 0
        while True:
            status = self.backend.wait(ref, 30.0, after_line=printed)
            for line in self.backend.read_log(ref, printed):
                log.write(line)
                printed += 1
            if status.finished:
                return status.result
            if cancel is not None and cancel.cancelled:
                raise BackendError("stopped following the log")


def _named(pipeline: Pipeline, state: StageState) -> Stage:
    return next((s for s in pipeline.stages if s.name.casefold() == state.identifier.casefold()),
                Stage(state.identifier))


def _refused(message: str, explanation: str = "") -> PromotionResult:
    return PromotionResult("refused", message, explanation=explanation)
