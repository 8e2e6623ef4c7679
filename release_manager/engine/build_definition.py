"""The definition a build runs: the pipeline text kept when it was queued (as Azure fixes
a run's YAML when it is queued), so a promotion, an approval or a redeploy of that build
runs what was built and approved, not the file as it is on disk later. Runs queued
before definitions were kept fall back to the file on disk, and say so."""

from __future__ import annotations

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


def definition_note(workspace: Workspace, definition: BuildDefinition, stage: str) -> str:
    """What an approver or a promoter is told of what will run in `stage`: the build's
    own definition, and how the file on disk differs from it there."""
    run_id, file = definition.run.id, workspace.pipeline_path.name
    if not definition.kept:
        return (f"build {run_id} was queued before definitions were kept: it runs {file} "
                "as it is on disk now")
    own = f"build {run_id} runs its own definition (kept when it was queued)"
    try:
        disk = workspace.load_pipeline()
    except PipelineLoadError as error:
        return f"{own}; {file} on disk cannot be read now: {error}"
    changes = stage_changes(definition.pipeline, disk, stage, kept_as=f"build {run_id}")
    if not changes:
        return f"{own}; {file} on disk runs the same in {stage}"
    return (f"{own}; {file} on disk changed {stage} since: "
            + "; ".join(str(change) for change in changes))
