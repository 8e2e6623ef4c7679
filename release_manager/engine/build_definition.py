"""The definition a build runs: the pipeline text kept when it was queued (as Azure fixes
a run's YAML when it is queued), so a promotion, an approval or a redeploy of that build
runs what was built and approved, not the file as it is on disk later. Runs queued
before definitions were kept fall back to the file on disk, and say so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from release_manager.core.model import Pipeline
from release_manager.core.pipeline_yaml import PipelineLoadError
from release_manager.core.stage_changes import stage_changes
from release_manager.engine.store import RunRecord
from release_manager.engine.workspace import Workspace


@dataclass(frozen=True)
class BuildDefinition:
    run: RunRecord
    pipeline: Pipeline
    kept: bool
    """False: the build was queued before definitions were kept; this is the file on
    disk."""


def build_definition(workspace: Workspace, run: RunRecord) -> BuildDefinition:
    """The pipeline build `run` runs; raises PipelineLoadError when it falls back to a
    file on disk that cannot be read."""
    text = workspace.store.definition(run)
    if text is None:
        return BuildDefinition(run, workspace.load_pipeline(), kept=False)
    return BuildDefinition(run, workspace.load_definition(text), kept=True)


@dataclass(frozen=True)
class DefinitionNote:
    """What will run, in words: `text` in full, `short` for a table cell; `differs` when
    the file on disk would run something else in the stage (or stands in for a build
    that kept no definition), which deserves the user's attention."""

    text: str
    short: str
    differs: bool

    def __str__(self) -> str:
        return self.text


def definition_note(workspace: Workspace, definition: BuildDefinition, stage: str,
                    read_disk: Callable[[], Pipeline] | None = None) -> DefinitionNote:
    """What an approver or a promoter is told of what will run in `stage`: the build's
    own definition, and how the file on disk (read by `read_disk`, default: the
    workspace's loader) differs from it there."""
    run_id, file = definition.run.id, workspace.pipeline_path.name
    if not definition.kept:
        return DefinitionNote(
            f"build {run_id} was queued before definitions were kept: it runs {file} as it "
            "is on disk now", f"{file} on disk (older build)", True)
    own = f"build {run_id} runs its own definition (kept when it was queued)"
    try:
        disk = (read_disk or workspace.load_pipeline)()
    except PipelineLoadError as error:
        return DefinitionNote(f"{own}; {file} on disk cannot be read now: {error}",
                              "its own definition", False)
    changes = stage_changes(definition.pipeline, disk, stage, kept_as=f"build {run_id}")
    if not changes:
        return DefinitionNote(f"{own}; {file} on disk runs the same in {stage}",
                              "its own definition", False)
    return DefinitionNote(f"{own}; {file} on disk changed {stage} since: "
                          + "; ".join(str(change) for change in changes),
                          f"its own definition ({file} changed since)", True)
