"""The inspector on every kind of stage, in the pipelines of the tests and in the real corpus
(where it is): each opens without error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA_PIPELINES, corpus, corpus_files
from inspector_helpers import open_panel, select

from release_manager.core.pipeline_yaml import load


def representatives(paths: list[Path]) -> list[Path]:
    """The first file with each feature the inspector treats apart: template and `${{ }}`
    stages, a jobs-only file, deployments, schedules and PR triggers."""
    features = {
        "template": lambda p: any(s.kind == "template" for s in p.stages),
        "expression": lambda p: any(s.kind == "expression" for s in p.stages),
        "implicit": lambda p: p.implicit_stage,
        "deployment": lambda p: any(s.environments for s in p.stages),
        "schedules": lambda p: bool(p.schedules),
        "pr": lambda p: p.pr.mode != "default",
    }
    chosen: dict[str, Path] = {}
    for path in paths:
        pipeline = load(path).pipeline
        for feature, test in features.items():
            if feature not in chosen and test(pipeline):
                chosen[feature] = path
        if len(chosen) == len(features):
            break
    assert set(chosen) == set(features), f"no file with {set(features) - set(chosen)}"
    return sorted(set(chosen.values()))


CORPUS_PIPELINES = corpus_files("pipelines")
SOURCES = representatives(DATA_PIPELINES) + corpus(
    representatives(CORPUS_PIPELINES) if CORPUS_PIPELINES else [])


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_every_stage_opens_in_the_inspector(qtbot, tmp_path: Path, source: Path) -> None:
    panel = open_panel(qtbot, tmp_path, source)
    pipeline = panel.editor.pipeline
    assert panel.triggers is not None and panel.schedules is not None
    for stage in pipeline.stages:
        select(panel, stage.name)
        assert panel.stage_form is not None and panel.stage_form.name == stage.name
        assert (panel.condition is None) == (stage.kind != "stage" or pipeline.implicit_stage)
        if panel.condition is not None:
            assert panel.condition.field.toPlainText() == (stage.condition or "")
            assert panel.playground.verdict.text() in ("Runs", "Skipped", "—")
    assert panel.editor.undo_stack.count() == 0  # looking changes nothing
