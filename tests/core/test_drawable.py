"""The window's up-front refusal of a pipeline with more stages than it draws."""

from __future__ import annotations

from pathlib import Path

import pytest
from scale_pipeline import CAP_STAGES, scale_pipeline

from release_manager.core.drawable import MAX_DRAWN_STAGES, check_drawable, stage_count
from release_manager.core.pipeline_yaml import PipelineLoadError, loads


def test_the_stages_are_counted_in_the_text_as_the_model_reads_them() -> None:
    text = scale_pipeline(300)
    assert stage_count(text.encode()) == len(loads(text).pipeline.stages) == 300
    indented = "stages:\n  -   stage: A\n    jobs: []\n  - stage : B\n    jobs: []\n"
    assert stage_count(indented.encode()) == 2
    assert stage_count(b"steps:\n- script: echo '- stage: not one'\n") == 0


def test_the_window_limit_is_inclusive_and_the_refusal_says_the_count(tmp_path: Path) -> None:
    path = tmp_path / "azure-pipelines.yml"
    check_drawable(path, scale_pipeline(MAX_DRAWN_STAGES).encode())
    with pytest.raises(PipelineLoadError) as refused:
        check_drawable(path, scale_pipeline(CAP_STAGES).encode())
    [problem] = refused.value.problems
    assert problem.message.startswith(
        f"the pipeline has {CAP_STAGES:,} stages, too many to draw")
    assert refused.value.path == path
