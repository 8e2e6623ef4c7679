"""Reading a pipeline for the window: each of its files read once, the stage count
checked before the YAML is read, and the YAML read from the very bytes the window
remembers (so a change made on disk meanwhile is seen as a change, never half-read).
What the window then shows first is worked out here too, while the document is not
shared yet: the environments' file read into it, the model's rules (`validate_edited`)
and the stage graph's cards and layout. Runs on a worker; nothing here touches the
window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from release_manager.core.collector_pause import collector_paused
from release_manager.core.disk_changes import read_files
from release_manager.core.drawable import check_drawable
from release_manager.core.environments_file import load_environments
from release_manager.core.layout import Spacing
from release_manager.core.pipeline_yaml import PipelineDocument, load, load_data
from release_manager.core.stage_graph import StageGraph, plan_stage_graph
from release_manager.core.validation import Diagnostic, validate_edited


@dataclass(frozen=True)
class OpenedPipeline:
    """A pipeline read for the window, and the bytes of its files as they were read."""

    path: Path
    read: dict[Path, bytes | None]
    document: PipelineDocument
    """With its workspace's environments read into its pipeline."""
    diagnostics: list[Diagnostic]
    """`validate_edited(document)`."""
    graph: StageGraph


def open_pipeline(path: Path, spacing: Spacing) -> OpenedPipeline:
    """Read `path` and its environments; lay its graph out with `spacing`. Raises
    `PipelineLoadError` (a file too large to draw, bad YAML, a bad environments file…)."""
    path = Path(path).resolve()
    read = read_files(path)
    data = read.get(path)
    check_drawable(path, data)
    with collector_paused():  # it halves the window's longest wait at 500 stages
        document = load(path) if data is None else load_data(data, path)  # None: say why
        document.pipeline.environments = load_environments(path.parent)
        diagnostics = validate_edited(document)
        graph = plan_stage_graph(document.pipeline, diagnostics, spacing)
    return OpenedPipeline(path, read, document, diagnostics, graph)
