"""Whether the window can draw a pipeline in seconds, decided before the file is read as
YAML: a file with more stages than the window draws is refused up front with the count,
not opened for minutes. The stages are counted in the text (`- stage:` items), a scan of
milliseconds even at the 2 MB input cap."""

from __future__ import annotations

import re
from pathlib import Path

from release_manager.core.yaml_guard import PipelineLoadError, Problem

MAX_DRAWN_STAGES = 1000
"""The most stages the window opens. Measured on a shared 2-core machine
(benchmarks/scale.py, libyaml reader): 1 000 stages (90 KB) are drawn and validated in
~1.9 s; drawing 5 000 takes ~3 s of the GUI thread's time on its own, 21 795 ~12 s. The
drawing, not the reader, is what this limit waits for."""

_STAGE_ITEM = re.compile(rb"^[ \t]*-[ \t]+stage[ \t]*:", re.MULTILINE)


def stage_count(data: bytes) -> int:
    """The `- stage:` list items of a pipeline file's bytes."""
    return len(_STAGE_ITEM.findall(data))


def check_drawable(path: Path, data: bytes | None) -> None:
    """Refuse a pipeline with more stages than the window draws, saying how many."""
    count = stage_count(data or b"")
    if count > MAX_DRAWN_STAGES:
        raise PipelineLoadError([Problem(
            f"the pipeline has {count:,} stages, too many to draw: the window draws at most "
            f"{MAX_DRAWN_STAGES:,}. Check it with `release-manager validate {path}` and "
            f"list its stages with `release-manager graph {path}`.")], path)
