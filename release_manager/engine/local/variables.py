"""Pipeline variables as a job sees them: Azure's predefined variables, the pipeline's
own (pipeline → stage → job, queue-time values overriding) and `$(name)` macros."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from release_manager.core.model import Variable, VariableEntry, VariableGroup

MACRO = re.compile(r"\$\(([A-Za-z0-9_.\- ]+)\)")
"""A `$(name)` macro. Unknown names are left as written, as Azure does."""
RUNTIME = re.compile(r"\s*\$\[(.*)\]\s*", re.DOTALL)
"""A runtime expression: the whole value is `$[ … ]`."""


def agent_os() -> str:
    """`Agent.OS` as Azure spells it."""
    if sys.platform.startswith("win"):
        return "Windows_NT"
    return "Darwin" if sys.platform == "darwin" else "Linux"


def env_name(name: str) -> str:
    """The environment variable a pipeline variable becomes: `Build.BuildId` → BUILD_BUILDID."""
    return re.sub(r"[. ]", "_", name).upper()


def branch_name(ref: str) -> str:
    """`Build.SourceBranchName`: the last path segment of the ref."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Variables:
    """Case-insensitive variables (Azure's names are), remembering which are secret."""

    _values: dict[str, tuple[str, str]] = field(default_factory=dict)
    """lower-cased name → (name as first written, value)"""
    secrets: set[str] = field(default_factory=set)
    """lower-cased names of secret variables"""

    def set(self, name: str, value: str, *, secret: bool = False) -> None:
        key = name.lower()
        shown = self._values.get(key, (name, ""))[0]
        self._values[key] = (shown, value)
        if secret:
            self.secrets.add(key)

    def get(self, name: str, default: str | None = None) -> str | None:
        item = self._values.get(name.lower())
        return default if item is None else item[1]

    def secret_values(self) -> list[str]:
        return [self._values[key][1] for key in self.secrets if key in self._values]

    def as_dict(self) -> dict[str, str]:
        """Every variable by its written name (for conditions)."""
        return {shown: value for shown, value in self._values.values()}

    def expand(self, text: str) -> str:
        """Replace `$(name)` macros of known variables; unknown ones stay as written."""
        if "$(" not in text:
            return text

        def value(match: re.Match[str]) -> str:
            found = self.get(match.group(1).strip())
            return match.group(0) if found is None else found

        return MACRO.sub(value, text)

    def environment(self) -> dict[str, str]:
        """Process environment entries for every variable that is not secret: Azure maps
        secrets only through a step's `env:`."""
        return {
            env_name(shown): value
            for key, (shown, value) in self._values.items()
            if key not in self.secrets
        }

    def add_entries(
        self,
        entries: Iterable[VariableEntry],
        overridden: Mapping[str, str],
        note: Callable[[str], None],
        runtime: Callable[[str], tuple[str, bool]] | None = None,
    ) -> None:
        """Add a pipeline/stage/job `variables:` list. A value may use earlier variables'
        macros; a `$[ … ]` value is a runtime expression `runtime` evaluates (to its value
        and whether it is secret); queue-time values (`overridden`) win; groups and
        templates cannot be resolved on this machine, which `note` is told."""
        lowered = {name.lower() for name in overridden}
        for entry in entries:
            if isinstance(entry, Variable):
                if entry.name.lower() in lowered:
                    continue
                found = RUNTIME.fullmatch(entry.value)
                if found and runtime is not None:
                    value, secret = runtime(found.group(1))
                    self.set(entry.name, value, secret=secret)
                else:
                    self.set(entry.name, self.expand(entry.value))
            elif isinstance(entry, VariableGroup):
                note(f"Variable group '{entry.group}' lives in Azure DevOps; its variables "
                     "are not set on this machine")
            else:
                note(f"Variable template '{entry.template}' is not expanded locally")


def predefined(
    *,
    run_id: int,
    branch: str,
    commit: str,
    reason: str,
    requested_by: str,
    definition: str,
    pipeline_workspace: str,
    sources: str,
    staging: str,
    binaries: str,
    temp: str,
    stage: str,
    stage_display: str,
    job: str,
    job_display: str,
    environment: str | None,
) -> dict[str, str]:
    """Azure's predefined variables for one job of one run on this machine."""
    values = {
        "Build.BuildId": str(run_id),
        "Build.BuildNumber": str(run_id),
        "Build.SourceBranch": branch,
        "Build.SourceBranchName": branch_name(branch),
        "Build.SourceVersion": commit,
        "Build.Reason": reason,
        "Build.RequestedFor": requested_by,
        "Build.DefinitionName": definition,
        "Build.Repository.Name": definition,
        "Build.Repository.LocalPath": sources,
        "Build.SourcesDirectory": sources,
        "Build.ArtifactStagingDirectory": staging,
        "Build.StagingDirectory": staging,
        "Build.BinariesDirectory": binaries,
        "System.DefaultWorkingDirectory": sources,
        "System.ArtifactsDirectory": staging,
        "System.StageName": stage,
        "System.StageDisplayName": stage_display or stage,
        "System.JobName": job,
        "System.JobDisplayName": job_display or job,
        "System.DefinitionName": definition,
        "Pipeline.Workspace": pipeline_workspace,
        "Agent.BuildDirectory": pipeline_workspace,
        "Agent.TempDirectory": temp,
        "Agent.OS": agent_os(),
        "Agent.Name": "local",
        "Agent.JobStatus": "Succeeded",
        "TF_BUILD": "True",
    }
    if environment:
        values["Environment.Name"] = environment
    return values
