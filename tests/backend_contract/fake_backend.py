"""A backend held in memory for tests: no processes, no threads, no network. A test says
how each stage behaves (its log lines, its result, whether it holds until cancelled); a
stage is queued when started and runs when it is first observed, as a remote one is
picked up by an agent. Deployments install releases in memory."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from release_manager.core.model import Pipeline, Stage
from release_manager.engine.backend import (
    COMPLETED,
    QUEUED,
    RUNNING,
    ApprovalRequest,
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


@dataclass(frozen=True)
class Behaviour:
    """What a stage does: writes `lines`, then ends with `result` and `message`; with
    `holds`, it keeps running (after its lines) until cancelled."""

    lines: tuple[str, ...] = ()
    result: str = "Succeeded"
    message: str = ""
    holds: bool = False


@dataclass(frozen=True)
class Commit:
    id: str
    subject: str
    author: str


@dataclass
class _Stage:
    ref: StageRef
    stage: Stage
    run: RunContext
    behaviour: Behaviour
    state: str = QUEUED
    lines: list[str] = field(default_factory=list)
    outcome: StageOutcome | None = None


class FakeBackend:
    name = "fake"

    def __init__(self, capabilities: Capabilities | None = None,
                 branches: dict[str, list[Commit]] | None = None) -> None:
        """`branches`: each branch's commits, oldest first; the first branch is the
        default (checked-out) one."""
        self.capabilities = capabilities or Capabilities()
        self.history = branches or {"main": [Commit("0" * 40, "Initial commit", "lead")]}
        self.behaviours: dict[str, Behaviour] = {}
        self._changed = threading.Condition()
        self._stages: dict[str, _Stage] = {}
        self._releases: dict[str, list[int]] = {}
        self._current: dict[str, int | None] = {}
        self.runs = 0
        self.started: list[RunContext] = []
        """The run of each stage started, in order."""

    def behave(self, stage: str, behaviour: Behaviour) -> None:
        """How stage `stage` behaves from its next start on (default: succeeds)."""
        self.behaviours[stage.lower()] = behaviour

    # ----------------------------------------------------------------- runs

    def queue_run(self, branch: str | None, variables: dict[str, str], *,
                  secrets: frozenset[str] = frozenset(),
                  parameters: dict[str, str] | None = None,
                  skip: tuple[str, ...] = ()) -> QueuedRun:
        name = (branch or next(iter(self.history))).removeprefix("refs/heads/")
        if name not in self.history:
            raise NotFound(f"there is no branch {name}", "branch", name)
        self.runs += 1
        return QueuedRun(f"refs/heads/{name}", self.history[name][-1].id,
                         f"fake-run-{self.runs}")

    def start_stage(self, pipeline: Pipeline, stage: Stage, run: RunContext) -> StageRef:
        with self._changed:
            self.started.append(run)
            ref = StageRef(f"fake-{len(self._stages) + 1}", run.run_id, stage.name)
            self._stages[ref.id] = _Stage(ref, stage, run,
                                          self.behaviours.get(stage.name.lower(), Behaviour()))
        return ref

    def _get(self, ref: StageRef) -> _Stage:
        found = self._stages.get(ref.id)
        if found is None:
            raise NotFound(f"there is no stage run {ref.id!r}", "stage", ref.id)
        return found

    def _advance(self, staged: _Stage) -> None:
        """A queued stage runs: its lines, then its end (unless it holds)."""
        if staged.state != QUEUED:
            return
        staged.state = RUNNING
        staged.lines += staged.behaviour.lines
        if not staged.behaviour.holds:
            self._end(staged, staged.behaviour.result, staged.behaviour.message)

    def _end(self, staged: _Stage, result: str, message: str) -> None:
        release = ""
        if result in ("Succeeded", "SucceededWithIssues"):
            for environment in staged.stage.environments:
                installed = self._releases.setdefault(environment, [])
                if staged.run.run_id not in installed:
                    installed.append(staged.run.run_id)
                self._current[environment] = staged.run.run_id
                release = f"fake://{environment}/{staged.run.run_id}"
        staged.outcome = StageOutcome(result, message, release=release)
        staged.lines.append(f"Stage {staged.stage.name}: {result}")
        staged.state = COMPLETED
        self._changed.notify_all()

    def _status(self, staged: _Stage) -> StageStatus:
        outcome = staged.outcome
        return StageStatus(staged.state, outcome.result if outcome else "",
                           outcome.message if outcome else "", len(staged.lines))

    def observe(self, ref: StageRef) -> StageStatus:
        with self._changed:
            staged = self._get(ref)
            self._advance(staged)
            return self._status(staged)

    def wait(self, ref: StageRef, timeout: float, after_line: int | None = None) -> StageStatus:
        with self._changed:
            staged = self._get(ref)
            self._advance(staged)
            self._changed.wait_for(
                lambda: staged.state == COMPLETED
                or (after_line is not None and len(staged.lines) > after_line), timeout)
            return self._status(staged)

    def outcome(self, ref: StageRef) -> StageOutcome:
        with self._changed:
            staged = self._get(ref)
            if staged.outcome is None:
                raise BackendError(f"{ref.stage} has not finished")
            return staged.outcome

    def read_log(self, ref: StageRef, start: int = 0) -> list[str]:
        with self._changed:
            return self._get(ref).lines[max(start, 0):]

    def cancel(self, ref: StageRef) -> None:
        with self._changed:
            staged = self._get(ref)
            if staged.state != COMPLETED:
                self._end(staged, "Canceled", "canceled")

    def retry(self, ref: StageRef) -> StageRef:
        with self._changed:
            staged = self._get(ref)
            if staged.state != COMPLETED:
                raise BackendError(f"{ref.stage} is still running")
            again = StageRef(f"fake-{len(self._stages) + 1}", ref.run_id, ref.stage)
            self._stages[again.id] = replace(staged, ref=again, state=QUEUED, lines=[],
                                             outcome=None,
                                             behaviour=self.behaviours.get(
                                                 ref.stage.lower(), Behaviour()))
            return again

    # ----------------------------------------------------------------- releases

    def releases(self, environment: str) -> list[Release]:
        with self._changed:
            current = self._current.get(environment)
            return [Release(environment, run_id, f"fake://{environment}/{run_id}",
                            run_id == current)
                    for run_id in sorted(self._releases.get(environment, []), reverse=True)]

    def activate(self, environment: str, run_id: int, log: LogWriter) -> Release:
        with self._changed:
            if run_id not in self._releases.get(environment, []):
                raise NotFound(f"release {run_id} of {environment} is not installed",
                               "release", str(run_id))
            self._current[environment] = run_id
        log.write(f"Release {run_id} is now current in {environment}.")
        return Release(environment, run_id, f"fake://{environment}/{run_id}", True)

    def deactivate(self, environment: str, log: LogWriter) -> None:
        with self._changed:
            self._current[environment] = None

    def end_orphans(self) -> list[int]:
        return []

    def health_check(self, environment: str, url: str = "",
                     run_id: int | None = None) -> tuple[bool, str]:
        current = self._current.get(environment)
        if current is None:
            return False, f"{environment} has no release in service"
        if run_id is not None and current != run_id:
            return False, f"{environment} serves release {current}, not {run_id}"
        return True, f"{environment} serves release {current}"

    # ----------------------------------------------------------------- sources

    def branches(self) -> list[str]:
        return list(self.history)

    def commits_between(self, old: str, new: str) -> list[str]:
        commits = {c.id: c for history in self.history.values() for c in history}
        line = next((history for history in self.history.values()
                     if any(c.id == new for c in history)), [])
        ids = [c.id for c in line]
        if not new or old == new or new not in ids:
            return []
        since = ids.index(old) + 1 if old in ids else 0
        return [f"{commits[i].id[:7]} {commits[i].subject} ({commits[i].author})"
                for i in reversed(ids[since:ids.index(new) + 1])][:50]

    def changes(self) -> str:
        return ""

    def pending_approvals(self) -> list[ApprovalRequest]:
        """None: the engine asks for and keeps this backend's approvals (in its store)."""
        return []

    def decide(self, stages: Sequence[tuple[int, str]], decision: str,
               comment: str = "") -> None:
        raise BackendError(f"the {self.name} backend holds no approvals: the engine "
                           "decides them (Promoter.approve / reject)")

    def close(self) -> None:
        pass
