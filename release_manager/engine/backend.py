"""The contract every release target implements: the embedded local backend now, Azure
DevOps + App Service later. `engine.promotion` drives a Backend; it never knows which one.

A backend is spoken to as a remote service is: submit, then observe. Queueing a run and
starting a stage return at once with a reference; the stage's state, result and log are
read through it; it is cancelled or retried through it. A backend keeps environments'
releases, each at an opaque location. It raises the typed errors of
`engine.backend_errors` (an unknown reference: NotFound). The store (`engine.store`) is the
record of what happened, written by promotion, not here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from release_manager.core.model import Pipeline, Stage

RESULTS = ("Succeeded", "SucceededWithIssues", "Failed", "Canceled", "Skipped")
"""Azure's stage/job/step results, as conditions see them."""


class LogWriter(Protocol):
    """Where a running stage sends its log, one line at a time (thread-safe)."""

    def write(self, line: str) -> None: ...


class CancelToken:
    """Set by whoever wants a running stage to stop; backends poll it and kill their
    process groups when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._guard = threading.RLock()  # a signal handler may cancel in the same thread
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._guard:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when the token is cancelled (at once if it already is), e.g.
        to cancel a stage a backend runs; returns what unregisters it."""
        with self._guard:
            cancelled = self._event.is_set()
            if not cancelled:
                self._callbacks.append(callback)
        if cancelled:
            callback()

        def unregister() -> None:
            with self._guard:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)
        return unregister

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True if cancelled meanwhile."""
        return self._event.wait(timeout)


@dataclass
class RunContext:
    """What a stage needs to know about the run (build) it belongs to."""

    run_id: int
    """The build id, also the build number users see (`Build.BuildId`)."""
    branch: str
    """Full ref, e.g. `refs/heads/release`."""
    commit: str
    reason: str
    """Azure's `Build.Reason`: Manual, IndividualCI, Schedule, PullRequest, …"""
    requested_by: str
    variables: dict[str, str] = field(default_factory=dict)
    """Variables given when the run was queued (they override the pipeline's)."""
    secrets: frozenset[str] = frozenset()
    """Names of variables whose values are masked (***) in every log line."""
    output_variables: dict[str, str] = field(default_factory=dict)
    """Output variables set by earlier stages (`Stage.Job.Step.var` → value)."""
    secret_outputs: frozenset[str] = frozenset()
    """Names of the output variables that are secret (masked like secret variables)."""
    created: str = ""
    """When the run was queued (the store's time): with `run_id` and `commit` it tells
    this build from another that was given the same number."""
    remote_id: str = ""
    """The backend's own id of the run ("" for the local backend; Azure's run id)."""


@dataclass
class StepOutcome:
    job: str
    step: str
    result: str
    message: str = ""


@dataclass
class StageOutcome:
    """How a stage's run ended. `result` is one of RESULTS; `message` says why in a
    sentence a release manager understands (first error, timeout, cancelled, …)."""

    result: str
    message: str = ""
    steps: list[StepOutcome] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    """Output variables this stage set, as `Job.Step.var` → value."""
    release: str = ""
    """For a deployment: the location of the release it installed ("" for none)."""
    secret_outputs: frozenset[str] = frozenset()
    """Which of `outputs` are secret: never stored, masked wherever they surface."""


@dataclass
class Release:
    """One release installed in an environment."""

    environment: str
    run_id: int
    location: str
    """Where the release is, as the backend names it (a folder here, a deployment
    record or a slot on Azure): shown, never opened by the engine."""
    current: bool


@dataclass(frozen=True)
class Capabilities:
    """What a backend enforces itself, on its side. `Promoter` does what the backend does
    not and never duplicates (or contradicts) what it does: the local backend enforces
    none of these, so the engine does them all; Azure DevOps enforces them on its
    servers."""

    approvals: bool = False
    """Environments' approval checks (who, how many, order, timeout)."""
    exclusive_locks: bool = False
    """One deployment at a time per environment (exclusive lock check)."""
    conditions: bool = False
    """Stage conditions and dependencies are evaluated by the backend."""
    business_hours: bool = False
    """The Business Hours check."""


@dataclass(frozen=True)
class ApprovalRequest:
    """An approval a backend that enforces approvals holds: a run's stage waiting on its
    environment's approval check."""

    id: str
    run_id: int
    stage: str
    requested_by: str
    approvers: tuple[str, ...]
    required: int
    """How many approvals complete it."""
    waiting_for: tuple[str, ...]
    """Who can decide now (in a sequential order, the first still pending)."""
    instructions: str = ""
    decided: tuple[tuple[str, str], ...] = ()
    """Who decided so far, and how (approved or rejected), one pair per decision."""


APPROVED, REJECTED = "approved", "rejected"


@dataclass(frozen=True)
class QueuedRun:
    """A run the backend accepted: its source and the backend's own id of it."""

    branch: str
    """Full ref, e.g. `refs/heads/release`."""
    commit: str
    remote_id: str = ""
    """The backend's id of the run ("" when the backend keeps no run of its own)."""


@dataclass(frozen=True)
class StageRef:
    """A stage the backend was asked to run: `id` is the backend's reference (kept in
    the store as the stage run's remote reference; a timeline record id on Azure)."""

    id: str
    run_id: int
    stage: str


QUEUED, RUNNING, COMPLETED = "queued", "running", "completed"
"""A stage's states, as Azure's timeline says them (pending, inProgress, completed)."""


@dataclass(frozen=True)
class StageStatus:
    """What a stage is doing now: `state` one of QUEUED, RUNNING, COMPLETED; `result`
    (one of RESULTS) and `message` once completed; `lines` is how long its log is."""

    state: str
    result: str = ""
    message: str = ""
    lines: int = 0

    @property
    def finished(self) -> bool:
        return self.state == COMPLETED


class Backend(Protocol):
    name: str
    capabilities: Capabilities

    # ----------------------------------------------------------------- runs

    def queue_run(self, branch: str | None, variables: dict[str, str], *,
                  secrets: frozenset[str] = frozenset(),
                  parameters: dict[str, str] | None = None,
                  skip: tuple[str, ...] = ()) -> QueuedRun:
        """Queue a run on `branch` (None: the default branch) with its queue-time
        `variables` (those named in `secrets` are secret), template `parameters` and the
        stages to `skip`; returns at once. A backend that runs stages only when asked (the
        local one) only says which commit the branch is at, and refuses `parameters` and
        `skip` (BackendError) rather than ignore them."""
        ...

    def start_stage(self, pipeline: Pipeline, stage: Stage, run: RunContext) -> StageRef:
        """Start every job of `stage` for `run` and return at once. Deployment jobs
        install the run's artifact into their environment; a cancelled or failed
        deployment leaves the environment on its previous release."""
        ...

    def observe(self, ref: StageRef) -> StageStatus:
        """The stage's state now."""
        ...

    def wait(self, ref: StageRef, timeout: float, after_line: int | None = None) -> StageStatus:
        """Block until the stage has completed, or (with `after_line`) its log holds
        more than `after_line` lines, or `timeout` seconds have passed; the state then."""
        ...

    def outcome(self, ref: StageRef) -> StageOutcome:
        """How a completed stage ended (its steps and outputs too); raises the fault
        that stopped the backend from running it, if one did."""
        ...

    def read_log(self, ref: StageRef, start: int = 0) -> list[str]:
        """The stage's log lines from line `start` on (0: all), masked."""
        ...

    def cancel(self, ref: StageRef) -> None:
        """Ask the stage to stop; it ends Canceled (a completed stage is left as it is)."""
        ...

    def retry(self, ref: StageRef) -> StageRef:
        """Run a completed stage again (a new attempt) and return at once."""
        ...

    # ----------------------------------------------------------------- releases

    def releases(self, environment: str) -> list[Release]:
        """The releases installed in `environment`, newest first; one at most is current."""
        ...

    def activate(self, environment: str, run_id: int, log: LogWriter) -> Release:
        """Make an installed release current again (rollback / redeploy)."""
        ...

    def deactivate(self, environment: str, log: LogWriter) -> None:
        """Take the release in service out of service (a first deployment that was not
        verified has no earlier release to go back to)."""
        ...

    def end_orphans(self) -> list[int]:
        """End what the steps of a killed deployment left running (process groups, or
        the target's equivalent); returns what was ended."""
        ...

    def health_check(self, environment: str, url: str = "",
                     run_id: int | None = None) -> tuple[bool, str]:
        """Check the environment serves its current release: (healthy, what was seen).
        With `run_id`, that release must be build `run_id` (the one just deployed).
        With `url`, the environment must answer there instead (HTTP 200)."""
        ...

    # ----------------------------------------------------------------- sources

    def branches(self) -> list[str]:
        """The branches a run can be queued on, the default (checked-out) one first."""
        ...

    def commits_between(self, old: str, new: str) -> list[str]:
        """One line per commit in `new` and not in `old` ("" : all of `new`'s), newest
        first, at most 50: `<short id> <subject> (<author>)`."""
        ...

    def changes(self) -> str:
        """A marker that differs whenever something this backend holds and the status
        reads (runs, stages, approvals, environments' releases) moved on its side, read
        in one cheap call (one request to a remote service): the status is read again
        only when it differs. "" when everything it holds is recorded in the store as it
        changes (the local backend)."""
        ...

    # ----------------------------------------------------------------- approvals

    def pending_approvals(self) -> list[ApprovalRequest]:
        """The approvals the backend holds that wait for a decision, by run and stage. A
        backend that does not enforce approvals (`capabilities.approvals` False) holds
        none: the engine keeps those in its store."""
        ...

    def decide(self, stages: Sequence[tuple[int, str]], decision: str,
               comment: str = "") -> None:
        """Approve (APPROVED) or reject (REJECTED) alike the pending approvals of these
        (run id, stage) pairs as the signed-in user, under the backend's rules (a refusal
        is a typed error with its reason). A backend that holds no approvals refuses."""
        ...

    def close(self) -> None:
        """Let go of what the backend holds (servers, connections)."""
        ...
