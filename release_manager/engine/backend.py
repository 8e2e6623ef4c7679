"""The contract every release target implements: the embedded local backend now, Azure
DevOps + App Service later. `engine.promotion` drives a Backend; it never knows which one.

A backend runs the jobs of one stage of one run and keeps environments' releases; the
store (`engine.store`) is the record of what happened, written by promotion, not here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
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

    def cancel(self) -> None:
        self._event.set()

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
    release_path: Path | None = None
    """For a deployment: the folder of the release it installed."""
    secret_outputs: frozenset[str] = frozenset()
    """Which of `outputs` are secret: never stored, masked wherever they surface."""


@dataclass
class Release:
    """One release installed in an environment."""

    environment: str
    run_id: int
    path: Path
    current: bool


class Backend(Protocol):
    name: str

    def source_info(self, branch: str | None) -> tuple[str, str]:
        """(full branch ref, commit id) for a run to be queued on `branch` (None: the
        default branch)."""
        ...

    def run_stage(
        self,
        pipeline: Pipeline,
        stage: Stage,
        run: RunContext,
        log: LogWriter,
        cancel: CancelToken,
    ) -> StageOutcome:
        """Run every job of `stage` for `run`, blocking until done or cancelled. Deployment
        jobs install the run's artifact into their environment; a cancelled or failed
        deployment leaves the environment on its previous release."""
        ...

    def releases(self, environment: str) -> list[Release]:
        """The releases installed in `environment`, newest first."""
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
