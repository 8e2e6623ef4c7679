"""Undo never loses text: on every pipeline (those written for the tests, and the real
corpus where it is), any sequence of edits, pastes, saves, undos and redos that undoes back
to the start saves the original bytes; and a pasted copy of any stage keeps every key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA_PIPELINES, corpus, corpus_files
from edit_steps import apply, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_manager.core.model import NAME_PATTERN, Pipeline
from release_manager.core.pipeline_yaml import PipelineWriteError, load, loads
from release_manager.core.stage_clipboard import prepare_paste, stages_from_json, stages_to_json
from release_manager.core.yaml_guard import parse
from release_manager.core.yaml_reader import stages_node
from release_manager.ui.editor import PipelineEditor

PIPELINES = [*DATA_PIPELINES, *corpus(corpus_files("pipelines"))]

action = st.one_of(
    edit,
    st.tuples(st.just("paste"), st.integers(0, 8), st.none()),
    st.tuples(st.sampled_from(["save", "undo", "redo"]), st.none(), st.none()),
)


def _copyable(pipeline: Pipeline) -> list[str]:
    """Plain stages whose name is a name (not made by a template expression)."""
    return [stage.name for stage in pipeline.stages
            if stage.kind == "stage" and NAME_PATTERN.match(stage.name)]


def _paste(editor: PipelineEditor, index: int) -> None:
    """Copy one stage and paste it, as the graph's Copy and Paste do."""
    names = _copyable(editor.pipeline)
    if not names:
        return
    text = stages_to_json(editor.document, [names[index % len(names)]])
    stages = prepare_paste(editor.pipeline, stages_from_json(text))
    editor.apply("Paste", lambda p: [p.insert_stage(s, len(p.stages)) for s in stages])


def _save(editor: PipelineEditor) -> None:
    """Save; an edit this file's layout cannot hold is refused and the file kept."""
    path = editor.document.path
    before = path.read_bytes()
    try:
        editor.save()
    except PipelineWriteError:
        assert path.read_bytes() == before
        return
    reread, edited = load(path).pipeline, editor.pipeline
    assert len(reread.stages) == len(edited.stages)
    for stage in (s for s in reread.stages if s.kind == "stage"):  # (templates: named by file)
        assert edited.has_stage(stage.name)
        assert reread.dependencies(stage.name) == edited.dependencies(stage.name)


def _run(editor: PipelineEditor, step: tuple) -> None:
    kind, first, _ = step
    stack = editor.undo_stack
    if kind == "save":
        _save(editor)
    elif kind == "undo":
        stack.undo()
    elif kind == "redo":
        stack.redo()
    elif kind == "paste":
        _paste(editor, first)
    else:
        editor.apply(kind, lambda p: apply(p, step))


@pytest.mark.parametrize("source", PIPELINES, ids=lambda path: Path(path).name)
def test_any_edits_saves_and_undos_back_to_the_start_save_the_original_bytes(
        qapp, tmp_path: Path, source: Path) -> None:
    original = source.read_bytes()

    @settings(max_examples=3, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.lists(action, min_size=1, max_size=8))
    def check(steps: list[tuple]) -> None:
        path = tmp_path / source.name
        shutil.copyfile(source, path)
        editor = PipelineEditor(load(path))
        for step in steps:
            _run(editor, step)
        while editor.undo_stack.canUndo():
            editor.undo_stack.undo()
        editor.save()
        assert path.read_bytes() == original

    check()


def _stage_items(text: str) -> list:
    """The `stages:` items as the app reads them (every scalar a string)."""
    return stages_node(parse(text).root)


@pytest.mark.parametrize("source", PIPELINES, ids=lambda path: Path(path).name)
def test_a_pasted_copy_of_any_stage_keeps_every_key_of_its_source(source: Path) -> None:
    document = load(source)
    pipeline = document.pipeline
    names = [] if pipeline.implicit_stage else _copyable(pipeline)
    for name in names:
        copied = stages_to_json(document, [name])
        for stage in prepare_paste(pipeline, stages_from_json(copied)):
            pipeline.insert_stage(stage, len(pipeline.stages))
    written = document.dumps()
    reread = loads(written).pipeline
    assert reread.stage_names == pipeline.stage_names
    items = _stage_items(written) if names else []
    by_name = {str(item.get("stage")): item for item in items if hasattr(item, "get")}
    for name in names:
        source_item, pasted = dict(by_name[name]), dict(by_name[f"{name}_copy"])
        for key in ("stage", "dependsOn", "condition"):
            source_item.pop(key, None)
            pasted.pop(key, None)
        assert pasted == source_item, name
