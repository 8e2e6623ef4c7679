"""What every step of a job shares while it runs on this machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_manager.core.model import PRODUCTION_SLOT, Job, Pipeline, Stage, Step
from release_manager.engine.backend import CancelToken, RunContext
from release_manager.engine.local.artifacts import ArtifactStore
from release_manager.engine.local.deploy import EnvironmentFolders
from release_manager.engine.local.masking import MaskedLog
from release_manager.engine.local.process_groups import ProcessGroups
from release_manager.engine.local.variables import Variables
from release_manager.engine.local.workdir import RunFolders

SUCCEEDED = "Succeeded"
WITH_ISSUES = "SucceededWithIssues"
FAILED = "Failed"
CANCELED = "Canceled"
SKIPPED = "Skipped"

_SEVERITY = {SKIPPED: 0, SUCCEEDED: 1, WITH_ISSUES: 2, FAILED: 3, CANCELED: 4}


def worst(*results: str) -> str:
    """The result that decides: Canceled > Failed > SucceededWithIssues > Succeeded."""
    return max(results, key=_SEVERITY.__getitem__)


@dataclass
class StepResult:
    result: str
    message: str = ""


@dataclass
class Deployed:
    """A release this job put in service, and what was in service before it."""

    environment: str
    run_id: int
    previous: int | None
    path: Path
    slot: str = PRODUCTION_SLOT


@dataclass
class JobContext:
    pipeline: Pipeline
    stage: Stage
    job: Job
    run: RunContext
    folders: RunFolders
    variables: Variables
    log: MaskedLog
    cancel: CancelToken
    artifacts: ArtifactStore
    environments: EnvironmentFolders
    environment: str | None
    minute: float
    """Seconds in one minute of `timeoutInMinutes` (60; tests shorten it)."""
    kill_grace: float
    outputs: dict[str, str] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    """Which of `outputs` are secret."""
    path_prepend: list[str] = field(default_factory=list)
    deployed: list[Deployed] = field(default_factory=list)
    deadline: float | None = None
    """monotonic time at which the job's own `timeoutInMinutes` runs out"""
    process_groups: ProcessGroups | None = None
    """Where the steps' process groups are recorded while they run."""

    def expand(self, text: str) -> str:
        return self.variables.expand(text)

    def input(self, step: Step, *names: str, default: str = "") -> str:
        """A task input by any of its names (inputs are case-insensitive, most have
        aliases), macros expanded."""
        lowered: dict[str, Any] = {key.lower(): value for key, value in step.inputs.items()}
        for name in names:
            value = lowered.get(name.lower())
            if value is not None:
                if isinstance(value, bool):
                    return "true" if value else "false"
                return self.expand(str(value))
        return self.expand(default)

    def flag(self, step: Step, *names: str, default: bool) -> bool:
        value = self.input(step, *names, default="true" if default else "false")
        return value.strip().lower() == "true"

    def path(self, text: str, base: Path | None = None) -> Path:
        """A path from an input: relative paths are relative to the sources folder."""
        path = Path(text).expanduser()
        return path if path.is_absolute() else (base or self.folders.sources) / path

    def process_env(self, step: Step) -> dict[str, str]:
        """The environment a step's process gets: this machine's, the job's variables
        (secrets excluded, as Azure does), PATH additions, then the step's `env:`."""
        env = dict(os.environ)
        env.update(self.variables.environment())
        if self.path_prepend:
            env["PATH"] = os.pathsep.join([*reversed(self.path_prepend), env.get("PATH", "")])
        env.update({name: self.expand(str(value)) for name, value in step.env.items()})
        return env
