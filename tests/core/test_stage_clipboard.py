"""Stages on the clipboard: JSON that pastes back as stages the YAML writer can save."""

from __future__ import annotations

import pytest
from conftest import DATA

from release_manager.core.pipeline_yaml import load, loads
from release_manager.core.stage_clipboard import (
    ClipboardError,
    prepare_paste,
    stages_from_json,
    stages_to_json,
)

SPACEGAME = DATA / "pipelines" / "spacegame.yml"


def test_pasted_stages_are_saved_and_read_back_with_their_jobs() -> None:
    document = load(SPACEGAME)
    pipeline = document.pipeline
    text = stages_to_json(document, ["Dev", "Test"])
    pasted = prepare_paste(pipeline, stages_from_json(text))
    for stage in pasted:
        pipeline.insert_stage(stage, len(pipeline.stages))
    again = loads(document.dumps()).pipeline
    assert again.stage_names == ["Build", "Dev", "Test", "Staging", "Dev_copy", "Test_copy"]
    assert again.dependencies("Dev_copy") == ["Build"]
    assert again.dependencies("Test_copy") == ["Dev_copy"]
    original, copy = again.stage("Dev"), again.stage("Dev_copy")
    assert copy.condition == original.condition
    assert copy.environments == ["dev"]
    assert [s.value for s in copy.jobs[0].all_steps()] == [
        s.value for s in original.jobs[0].all_steps()
    ]


def test_into_another_pipeline_only_dependencies_that_exist_there_are_kept() -> None:
    source = load(SPACEGAME)
    target = loads("stages:\n- stage: Dev\n  jobs: []\n").pipeline
    pasted = prepare_paste(target, stages_from_json(stages_to_json(source, ["Test"])))
    assert [s.name for s in pasted] == ["Test_copy"]
    assert pasted[0].depends_on == ["Dev"]
    pasted = prepare_paste(target, stages_from_json(stages_to_json(source, ["Dev"])))
    assert pasted[0].name == "Dev_copy" and pasted[0].depends_on == []


@pytest.mark.parametrize("text", ["", "[]", '{"stages": [{"__type__": "os.system"}]}',
                                  '{"stages": [{"__type__": "Job", "name": "x"}]}'])
def test_text_that_is_not_stages_is_refused(text: str) -> None:
    with pytest.raises(ClipboardError):
        stages_from_json(text)
