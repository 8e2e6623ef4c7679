"""Azure DevOps behind the engine's Backend protocol: runs are queued on the service and
its agents run the stages; this side observes them. Approvals, exclusive locks,
conditions and business hours are the service's checks (Capabilities say so), so the
engine never redoes them.

A run's id is Azure's run (build) id. A stage reference is `<run id>:<stage>:<attempt>`:
the stage's YAML name and the attempt it refers to. A stage is observed through its
run's build timeline, read incrementally (`changeId`): one timeline request per
observation, plus the log list while the stage has a log that may grow. Completed
attempts never change, so they are kept once seen (a retried stage's earlier attempt
is still answered). Every failure is a typed error of engine/backend_errors.py.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from release_manager.core.model import Pipeline, Stage
from release_manager.engine.azure.approvals import (
    DECISIONS,
    decision_body,
    pending_approvals,
)
from release_manager.engine.azure.binding import AzureBinding
from release_manager.engine.azure.builds import RemoteBuild, remote_build
from release_manager.engine.azure.connection import AzureConnection
from release_manager.engine.azure.deployments import environment_history
from release_manager.engine.azure.environments import find_environment, remote_environments
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.timeline import (
    NOT_REACHED,
    StageState,
    change_id,
    find_stage,
    merge_timeline,
    records_of,
    stage_states,
)
from release_manager.engine.azure.wire import get, values
from release_manager.engine.backend import (
    COMPLETED,
    QUEUED,
    RUNNING,
    ApprovalRequest,
    CancelToken,
    Capabilities,
    LogWriter,
    QueuedRun,
    Release,
    RunContext,
    StageOutcome,
    StageRef,
    StageStatus,
)
from release_manager.engine.backend_errors import BackendError, NotFound
from release_manager.engine.local import git_history

API_VERSION = "7.1"
BUILD_LIMIT = 20
"""The builds `status` lists."""
BUILDS_PAGE = 50
"""Builds asked for per page."""
ACTIVATE_CHECK = 5.0
"""Seconds a rollback waits on its stage before it looks whether it waits on an approval."""
POLL = 0.25
"""Seconds between observations while something changes."""
MAX_POLL = 2.0
"""The longest wait between observations while nothing changes (back-off doubles)."""
_RESULTS = {"succeeded": "Succeeded", "succeededWithIssues": "SucceededWithIssues",
            "failed": "Failed", "canceled": "Canceled", "skipped": "Skipped",
            "abandoned": "Canceled"}
ACTIVE_STATUSES = "inProgress,notStarted,cancelling,postponed"
"""A build's statuses before `completed` (BuildStatus is a set of flags: a list asks
for any of them)."""
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z ?")
_ERROR = "##[error]"


@dataclass
class _Run:
    """What was last read of one run: its merged timeline and its logs' lengths."""

    timeline: dict[str, Any] | None = None
    line_counts: dict[int, int] = field(default_factory=dict)


def stage_ref(run_id: int, remote_id: int, state: StageState) -> StageRef:
    return StageRef(f"{remote_id}:{state.identifier}:{state.attempt}", run_id, state.identifier)


def _parse(ref: StageRef) -> tuple[int, str, int]:
    parts = ref.id.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        raise NotFound(f"no stage run {ref.id!r} on Azure DevOps", "stage", ref.id)
    return int(parts[0]), parts[1], int(parts[2])


class AzureBackend:
    """One connected pipeline (`binding`) over `connection`; `source` is the workspace's
    clone of the pipeline's repository: branches and commit lists are read there."""

    name = "azure"
    capabilities = Capabilities(approvals=True, exclusive_locks=True, conditions=True,
                                business_hours=True)

    def __init__(self, connection: AzureConnection, binding: AzureBinding,
                 source: Path | None = None, *, poll: float = POLL,
                 max_poll: float = MAX_POLL) -> None:
        self.connection = connection
        self.binding = binding
        self.source = Path(source) if source else None
        self.poll = poll
        self.max_poll = max_poll
        self.project = f"/{quote(binding.project, safe='')}/_apis"
        self._runs: dict[int, _Run] = {}
        self._finished: dict[str, tuple[StageStatus, StageOutcome]] = {}
        self._lock = threading.RLock()
        self._closed = threading.Event()

    # ----------------------------------------------------------------- runs

    def queue_run(self, branch: str | None, variables: dict[str, str], *,
                  secrets: frozenset[str] = frozenset(),
                  parameters: dict[str, str] | None = None,
                  skip: tuple[str, ...] = ()) -> QueuedRun:
        """Queue the pipeline on `branch` (None: the workspace's checked-out branch) with
        its variables (those named in `secrets` sent as secret), template `parameters`
        and the stages to `skip`; the service resolves the commit."""
        ref = self._branch_ref(branch)
        body: dict[str, Any] = {
            "resources": {"repositories": {"self": {"refName": ref}}},
            "variables": {name: {"value": value, "isSecret": name in secrets}
                          for name, value in variables.items()}}
        if parameters:
            body["templateParameters"] = dict(parameters)
        if skip:
            body["stagesToSkip"] = list(skip)
        answer = self.connection.rest(
            "POST", f"{self.project}/pipelines/{self.binding.pipeline_id}/runs", API_VERSION,
            body=body, lookup=Lookup("pipeline", self.binding.pipeline_name)) or {}
        repository = get(get(get(answer, "resources", {}), "repositories", {}), "self", {})
        return QueuedRun(str(get(repository, "refName", ref)), str(get(repository, "version", "")),
                         str(get(answer, "id", "")))

    def _branch_ref(self, branch: str | None) -> str:
        if branch is None:
            names = self.branches()
            if not names:
                raise BackendError("no branch given and the workspace has no checked-out "
                                   "branch: pass --branch")
            branch = names[0]
        return branch if branch.startswith("refs/") else f"refs/heads/{branch}"

    def start_stage(self, pipeline: Pipeline, stage: Stage, run: RunContext) -> StageRef:
        """The service runs a run's stages itself, as their dependencies and checks allow:
        the stage's latest attempt is observed as it is, finished or not. Running it again
        is asked for only through `retry` (Azure's "Rerun stage")."""
        remote = int(run.remote_id or run.run_id)
        state = find_stage(self.stages(remote), stage.name)
        return stage_ref(run.run_id, remote, state)

    def stages(self, remote_id: int) -> list[StageState]:
        """The run's stages now, from its timeline read since the last change."""
        return stage_states(self.timeline(remote_id))

    def timeline(self, remote_id: int) -> dict[str, Any]:
        """The run's whole timeline, after one request for what changed since last time."""
        with self._lock:
            known = self._runs.setdefault(remote_id, _Run())
            previous = known.timeline
        query = {"changeId": str(change_id(previous))} if previous is not None else None
        update = self.connection.rest(
            "GET", f"{self.project}/build/builds/{remote_id}/timeline", API_VERSION,
            query=query, lookup=Lookup("run", str(remote_id))) or {}
        with self._lock:
            known.timeline = merge_timeline(known.timeline, update) \
                if get(update, "records") or previous is None else {
                    **previous, "changeId": get(update, "changeId", change_id(previous))}
            return known.timeline

    def observe(self, ref: StageRef) -> StageStatus:
        return self._observe(ref)[0]

    def _observe(self, ref: StageRef) -> tuple[StageStatus, StageOutcome]:
        remote, identifier, attempt = _parse(ref)
        with self._lock:
            if ref.id in self._finished:
                return self._finished[ref.id]
        try:
            timeline = self.timeline(remote)
        except NotFound as missing:
            raise NotFound(f"no stage run {ref.id!r}: {missing}", "stage", ref.id) from None
        state = self._state(ref, stage_states(timeline), identifier, attempt)
        logs = self._log_ids(timeline, state.record_id)
        lines = self._line_count(remote, logs) if logs and state.state != NOT_REACHED else 0
        status = _status(state, lines)
        if status.finished and status.result == "Failed" and not status.message:
            errors = [line for line in self.read_log(ref) if line.startswith(_ERROR)]
            message = errors[0][len(_ERROR):].strip() if errors else "the stage failed"
            status = StageStatus(status.state, status.result, message, status.lines)
        outcome = StageOutcome(status.result, status.message)
        if status.finished:
            with self._lock:
                self._finished[ref.id] = (status, outcome)
        return status, outcome

    def _state(self, ref: StageRef, states: list[StageState], identifier: str,
               attempt: int) -> StageState:
        try:
            state = find_stage(states, identifier)
        except NotFound:
            raise NotFound(f"no stage run {ref.id!r}", "stage", ref.id) from None
        if state.attempt != attempt:
            raise NotFound(f"attempt {attempt} of stage {identifier} in run {ref.run_id} is no "
                           f"longer on the timeline (attempt {state.attempt} is)",
                           "stage", ref.id)
        return state

    def wait(self, ref: StageRef, timeout: float, after_line: int | None = None) -> StageStatus:
        """Observe with back-off (POLL, doubling to MAX_POLL while nothing changes)."""
        deadline = _Deadline(timeout)
        pause = self.poll
        last = None
        while True:
            status = self.observe(ref)
            if status.finished or (after_line is not None and status.lines > after_line):
                return status
            pause = self.poll if status != last else min(pause * 2, self.max_poll)
            last = status
            left = deadline.left()
            if left <= 0 or self._closed.wait(min(pause, left)):
                return status

    def outcome(self, ref: StageRef) -> StageOutcome:
        status, outcome = self._observe(ref)
        if not status.finished:
            raise BackendError(f"stage {ref.stage} of run {ref.run_id} has not finished")
        return outcome

    def read_log(self, ref: StageRef, start: int = 0) -> list[str]:
        """The stage's jobs' logs from line `start` on, without the agent's timestamps."""
        remote, identifier, attempt = _parse(ref)
        with self._lock:
            timeline = (self._runs.get(remote) or _Run()).timeline
        if timeline is None:
            timeline = self.timeline(remote)
        state = self._state(ref, stage_states(timeline), identifier, attempt)
        lines: list[str] = []
        for log_id in self._log_ids(timeline, state.record_id):
            lines += self.log_lines(remote, log_id)
        return [_STAMP.sub("", line) for line in lines[start:]]

    def log_lines(self, remote_id: int, log_id: int, start: int = 0) -> list[str]:
        """Lines of one log from line `start` (0-based) on, as the agent wrote them."""
        answer = self.connection.rest(
            "GET", f"{self.project}/build/builds/{remote_id}/logs/{log_id}", API_VERSION,
            query={"startLine": str(start + 1)}, lookup=Lookup("log", str(log_id))) or {}
        return [str(line) for line in get(answer, "value", [])]

    def _log_ids(self, timeline: dict[str, Any], stage_record: str) -> list[int]:
        """The logs of the stage's jobs, in order (a job's log holds its tasks' lines)."""
        records = records_of(timeline)
        phases = {get(r, "id") for r in records
                  if get(r, "parentId") == stage_record and get(r, "type") == "Phase"}
        jobs = sorted((r for r in records if get(r, "parentId") in phases
                       and get(r, "type") == "Job" and get(r, "log")),
                      key=lambda r: get(r, "order", 0))
        return [int(get(get(job, "log"), "id")) for job in jobs]

    def _line_count(self, remote_id: int, log_ids: list[int]) -> int:
        answer = self.connection.rest(
            "GET", f"{self.project}/build/builds/{remote_id}/logs", API_VERSION,
            lookup=Lookup("run", str(remote_id))) or {}
        counts = {int(get(log, "id")): int(get(log, "lineCount", 0))
                  for log in get(answer, "value", [])}
        return sum(counts.get(log_id, 0) for log_id in log_ids)

    def cancel(self, ref: StageRef) -> None:
        """PATCH the stage to `cancel` (a finished stage is left as it is)."""
        status = self.observe(ref)
        if status.finished:
            return
        remote, identifier, _ = _parse(ref)
        self._update_stage(remote, identifier, {"state": "cancel"})

    def retry(self, ref: StageRef) -> StageRef:
        remote, identifier, attempt = _parse(ref)
        status = self.observe(ref)
        if not status.finished:
            raise BackendError(f"stage {identifier} of run {ref.run_id} has not finished: "
                               "only a finished stage runs again")
        state = find_stage(self.stages(remote), identifier)
        return self._retry(ref.run_id, remote, state)

    def _retry(self, run_id: int, remote: int, state: StageState) -> StageRef:
        self._update_stage(remote, state.identifier,
                           {"state": "retry", "forceRetryAllJobs": False})
        return StageRef(f"{remote}:{state.identifier}:{state.attempt + 1}", run_id,
                        state.identifier)

    def _update_stage(self, remote: int, identifier: str, body: dict[str, Any]) -> None:
        self.connection.rest(
            "PATCH", f"{self.project}/build/builds/{remote}/stages/{quote(identifier, safe='')}",
            API_VERSION, body=body, lookup=Lookup("stage", identifier))

    def cancel_run(self, remote_id: int) -> None:
        """Cancel the whole run (PATCH the build to `cancelling`)."""
        self.connection.rest("PATCH", f"{self.project}/build/builds/{remote_id}", API_VERSION,
                             body={"status": "cancelling"}, lookup=Lookup("run", str(remote_id)))

    # ----------------------------------------------------------------- releases

    def deployment_history(self, environment: str):
        """The environment's history (engine/azure/deployments.py) for this pipeline."""
        found = find_environment(remote_environments(list(self.connection.pages(
            f"{self.project}/distributedtask/environments", API_VERSION,
            lookup=Lookup("project", self.binding.project)))), environment)
        records = list(self.connection.pages(
            f"{self.project}/distributedtask/environments/{found.id}"
            "/environmentdeploymentrecords", API_VERSION,
            lookup=Lookup("environment", environment)))
        return found, environment_history(found.name, records, self.binding.pipeline_id)

    def releases(self, environment: str) -> list[Release]:
        """One release per build deployed there successfully, newest build first; the
        current one is the build of the newest successful deployment. Its location is
        the run's page on Azure DevOps."""
        try:
            _, history = self.deployment_history(environment)
        except NotFound as missing:
            if missing.kind == "environment":
                return []  # nothing deployed there yet: the service creates it then
            raise
        current = history.current_build
        builds = sorted({d.run_id for d in history.deployments if d.state == "succeeded"},
                        reverse=True)
        return [Release(environment, run_id, self.run_url(run_id), run_id == current)
                for run_id in builds]

    def run_url(self, remote_id: int) -> str:
        return (f"{self.connection.organization.url}/{quote(self.binding.project, safe='')}"
                f"/_build/results?buildId={remote_id}")

    def activate(self, environment: str, run_id: int, log: LogWriter) -> Release:
        """Azure's rollback: the stage that deployed build `run_id` there runs again, and
        this waits until it ends (one that waits on an approval is refused: `redeploy`
        says so instead)."""
        release, ref = self.redeploy(environment, run_id, log)
        if release is None:
            raise BackendError(f"stage {ref.stage} of build {run_id} waits for approval "
                               f"before it deploys to {environment}")
        return release

    def redeploy(self, environment: str, run_id: int, log: LogWriter,
                 cancel: CancelToken | None = None) -> tuple[Release | None, StageRef]:
        """Run again the stage that deployed build `run_id` to `environment` and follow it
        to its end: the release it made current, or None when the stage waits on the
        environment's approval (its reference then, to decide it). Once `cancel` is set,
        the stage is cancelled on the service (from this thread) and followed to its end."""
        _, history = self.deployment_history(environment)
        deployment = next((d for d in history.deployments
                           if d.run_id == run_id and d.state == "succeeded"), None)
        if deployment is None:
            raise NotFound(f"build {run_id} was never deployed to {environment} successfully",
                           "release", str(run_id))
        state = find_stage(self.stages(run_id), deployment.stage)
        log.write(f"running stage {state.identifier} of build {run_id} again to deploy it to "
                  f"{environment}")
        ref = self._retry(run_id, run_id, state)
        stopping = False
        while True:
            if cancel is not None and cancel.cancelled and not stopping:
                log.write(f"cancelling stage {state.identifier} of build {run_id}")
                self.cancel(ref)
                stopping = True
            status = self.wait(ref, ACTIVATE_CHECK if cancel is None else self.max_poll)
            if status.finished:
                break
            if find_stage(self.stages(run_id), state.identifier).state == "waiting":
                return None, ref
            if self._closed.is_set():
                raise BackendError("stopped before the rollback ended")
        log.write(f"stage {state.identifier} of build {run_id}: {status.result}")
        if status.result not in ("Succeeded", "SucceededWithIssues"):
            raise BackendError(f"redeploying build {run_id} to {environment} ended "
                               f"{status.result}: {status.message}".rstrip(": "))
        return Release(environment, run_id, self.run_url(run_id), True), ref

    def deactivate(self, environment: str, log: LogWriter) -> None:
        """Azure DevOps has no "out of service": an environment runs what was deployed
        last. Refused rather than pretended."""
        raise BackendError(f"Azure DevOps cannot take {environment}'s release out of service; "
                           "deploy another build there instead")

    def end_orphans(self) -> list[int]:
        """Nothing runs on this machine: Azure's agents end their own jobs."""
        return []

    def health_check(self, environment: str, url: str = "",
                     run_id: int | None = None) -> tuple[bool, str]:
        """With `url`: it must answer 200. Otherwise the deployment records must say the
        environment's current build is `run_id` (or that it has one)."""
        if url:
            import requests

            try:
                answer = requests.get(url, timeout=self.connection.timeout)
            except requests.RequestException as error:
                return False, f"{url} did not answer ({type(error).__name__})"
            return answer.status_code == 200, f"{url} answered HTTP {answer.status_code}"
        _, history = self.deployment_history(environment)
        current = history.current_build
        if current is None:
            return False, f"nothing was deployed to {environment} successfully"
        if run_id is not None and current != run_id:
            return False, f"{environment} runs build {current}, not {run_id}"
        return True, f"{environment} runs build {current}"

    # ----------------------------------------------------------------- sources

    def branches(self) -> list[str]:
        return git_history.branches(self.source) if self.source else []

    def commits_between(self, old: str, new: str) -> list[str]:
        return git_history.commits_between(self.source, old, new) if self.source else []

    def changes(self) -> str:
        """One request: this pipeline's runs not completed, each with when it last
        changed. A run queued, moving on (a stage, an approval, a log) or ending changes
        it; a completed run no longer changes (a retried stage makes it active again),
        and environments' deployment records only change when one of its runs deploys."""
        answer = self.connection.rest(
            "GET", f"{self.project}/build/builds", API_VERSION,
            query={"definitions": str(self.binding.pipeline_id),
                   "statusFilter": ACTIVE_STATUSES, "queryOrder": "queueTimeDescending"},
            lookup=Lookup("pipeline", self.binding.pipeline_name)) or {}
        return "|".join(f"{get(build, 'id')}:{get(build, 'status')}:"
                        f"{get(build, 'lastChangedDate')}" for build in get(answer, "value", []))

    # ----------------------------------------------------------------- approvals

    def builds(self, limit: int | None = BUILD_LIMIT, *,
               unfinished: bool = False) -> list[RemoteBuild]:
        """The pipeline's newest builds (`limit` None: all; `unfinished`: only those not
        completed), read page after page (continuation tokens)."""
        query = {"definitions": str(self.binding.pipeline_id),
                 "queryOrder": "queueTimeDescending",
                 "$top": str(min(limit, BUILDS_PAGE) if limit else BUILDS_PAGE)}
        if unfinished:
            query["statusFilter"] = "inProgress,notStarted,cancelling"
        found = []
        for item in self.connection.pages(f"{self.project}/build/builds", API_VERSION,
                                          query=query,
                                          lookup=Lookup("pipeline", self.binding.pipeline_name)):
            found.append(remote_build(item))
            if limit is not None and len(found) >= limit:
                break
        return found

    def pending_approvals(self, runs: Iterable[tuple[RemoteBuild, list[StageState]]] | None
                          = None) -> list[ApprovalRequest]:
        """The approvals waiting in the pipeline's builds: one request when none waits;
        else the unfinished builds' timelines tie each to its run and stage (`runs`:
        builds with their stages already read, to ask nothing twice)."""
        if runs is not None:
            runs = list(runs)
            if not any(state.state == "waiting" for _, states in runs for state in states):
                return []
        answer = self.connection.rest(
            "GET", f"{self.project}/pipelines/approvals", API_VERSION,
            query={"state": "pending", "$expand": "steps"},
            lookup=Lookup("project", self.binding.project)) or {}
        if not values(answer):
            return []
        if runs is None:
            runs = [(build, self.stages(build.id))
                    for build in self.builds(None, unfinished=True)]
        return [ApprovalRequest(a.id, a.run_id, a.stage, a.requested_by, tuple(a.approvers),
                                a.required, tuple(a.waiting_for), a.instructions,
                                tuple((step.decided_by or step.approver.name, step.status)
                                      for step in a.steps if step.status in DECISIONS))
                for a in pending_approvals(answer, runs)]

    def decide(self, stages: Sequence[tuple[int, str]], decision: str,
               comment: str = "") -> None:
        """One PATCH deciding these stages' pending approvals alike, as the signed-in user;
        the service applies each check's rules (a refusal comes back as a typed error with
        its reason). A stage that is not waiting is refused before anything is sent."""
        approvals = []
        for run_id, stage in stages:
            state = find_stage(self.stages(run_id), stage)
            if state.state != "waiting" or not state.approval_id:
                raise BackendError(
                    f"build {run_id}: {state.identifier} is not waiting for an approval "
                    f"({state.state.replace(NOT_REACHED, 'not reached')})")
            approvals.append(state.approval_id)
        self.connection.rest("PATCH", f"{self.project}/pipelines/approvals", API_VERSION,
                             body=decision_body(approvals, decision, comment),
                             lookup=Lookup("approval", ", ".join(approvals)))

    def close(self) -> None:
        """Stop waits in progress; the connection holds no server of its own."""
        self._closed.set()


def _status(state: StageState, lines: int) -> StageStatus:
    if state.state in (NOT_REACHED, "queued", "waiting"):
        return StageStatus(QUEUED, "", state.message, lines)
    if state.state == "running":
        return StageStatus(RUNNING, "", state.message, lines)
    if state.state == "rejected":
        return StageStatus(COMPLETED, "Failed", state.message, lines)
    return StageStatus(COMPLETED, _RESULTS.get(state.result or "", "Failed"), state.message,
                       lines)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return self._end - time.monotonic()
