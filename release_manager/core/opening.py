"""Reading a pipeline for the window: each of its files read once, the stage count
checked before the YAML is read, and the YAML read from the very bytes the window
remembers (so a change made on disk meanwhile is seen as a change, never half-read).
Runs on a worker; nothing here touches the window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from release_manager.core.disk_changes import read_files
from release_manager.core.drawable import check_drawable
from release_manager.core.pipeline_yaml import PipelineDocument, load, load_data


@dataclass(frozen=True)
class OpenedPipeline:
    """A pipeline read for the window, and the bytes of its files as they were read."""

    path: Path
    read: dict[Path, bytes | None]
    document: PipelineDocument


def open_pipeline(path: Path) -> OpenedPipeline:
    """Read `path`; raises `PipelineLoadError` (a file too large to draw, bad YAML, …)."""
    path = Path(path).resolve()
    read = read_files(path)
    data = read.get(path)
    check_drawable(path, data)
    document = load(path) if data is None else load_data(data, path)  # None: say why
    return OpenedPipeline(path, read, document)
