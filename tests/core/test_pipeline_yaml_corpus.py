"""Every pipeline (those written for the tests, and the real corpus where it is) loads,
round-trips byte for byte, and renames touch only its lines."""

from __future__ import annotations

import difflib
import re
from pathlib import PurePosixPath

import pytest
from conftest import DATA, DATA_PIPELINES, corpus, corpus_files
from ruamel.yaml import YAML

from release_manager.core.model import NAME_PATTERN
from release_manager.core.pipeline_yaml import PipelineLoadError, load, loads

CORPUS_PIPELINES = corpus_files("pipelines")
PIPELINES = [*DATA_PIPELINES, *corpus(CORPUS_PIPELINES)]
EXAMPLES = corpus_files("azure-examples", (".yml",))
INVALID = DATA / "invalid" / "duplicate-top-level-keys.yml"


def _plain_stage_items(path) -> list | None:
    """The `stages:` list as a plain ruamel load sees it (top level or under extends)."""
    root = YAML(typ="rt").load(path.read_text(encoding="utf-8-sig"))
    if "stages" in root:
        return list(root["stages"] or [])
    parameters = (root.get("extends") or {}).get("parameters") or {}
    return list(parameters.get("stages") or []) if "stages" in parameters else None


def _expected_name(item) -> str:
    if "stage" in item:
        return str(item["stage"])
    if "template" in item:
        return PurePosixPath(str(item["template"]).split("@")[0]).stem
    return str(next(iter(item)))


def test_the_written_pipelines_have_what_the_tests_rely_on():
    """The features the suite reads from these files: a BOM, CR LF, text beyond ASCII,
    comments, stage templates with their files, `${{ }}` blocks, a jobs-only file, an
    `extends` template, the three deployment strategies."""
    texts = {path.name: path.read_bytes() for path in DATA_PIPELINES}
    assert any(text.startswith(b"\xef\xbb\xbf") for text in texts.values())
    assert any(b"\r\n" in text for text in texts.values())
    assert any(not text.isascii() for text in texts.values())
    assert any(re.search(rb"\n +#", text) for text in texts.values())  # indented comments
    stages = [stage for path in DATA_PIPELINES for stage in load(path).pipeline.stages]
    assert any(s.kind == "template" and s.resolved is not None for s in stages)
    assert any(s.kind == "expression" for s in stages)
    assert any(load(path).pipeline.implicit_stage for path in DATA_PIPELINES)
    assert any(b"\nextends:" in text for text in texts.values())
    for strategy in (b"runOnce:", b"rolling:", b"canary:"):
        assert any(strategy in text for text in texts.values()), strategy


@pytest.mark.corpus
def test_the_corpus_is_there():
    assert len(CORPUS_PIPELINES) >= 60
    assert len(EXAMPLES) >= 150


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_corpus_pipeline_loads_with_its_stages_and_round_trips(path):
    document = load(path)
    pipeline = document.pipeline
    items = _plain_stage_items(path)
    if items is None:
        root = YAML(typ="rt").load(path.read_text(encoding="utf-8-sig"))
        has_jobs = any(k in root for k in ("jobs", "steps")) or any(
            k in ((root.get("extends") or {}).get("parameters") or {}) for k in ("jobs", "steps"))
        assert pipeline.implicit_stage is has_jobs
        assert pipeline.stage_names == (["__default"] if has_jobs else [])
    else:
        assert len(pipeline.stages) == len(items)
        names = [_expected_name(item) for item in items]
        for stage, expected, item in zip(pipeline.stages, names, items, strict=True):
            assert stage.name.startswith(expected)
            kind = "stage" if "stage" in item else "template" if "template" in item \
                else "expression"
            assert stage.kind == kind
    assert document.dumps() == document.text
    assert document.encoding.bom + document.dumps().encode() == path.read_bytes()
    assert document.changed_lines() == set()
    assert not document.is_modified()


def _renamable(path) -> bool:
    pipeline = load(path).pipeline
    return not pipeline.implicit_stage and any(
        s.kind == "stage" and NAME_PATTERN.match(s.name) for s in pipeline.stages)


RENAMABLE = [path for path in DATA_PIPELINES if _renamable(path)] + corpus(
    [path for path in CORPUS_PIPELINES if _renamable(path)])


@pytest.mark.parametrize("path", RENAMABLE, ids=lambda p: p.name)
def test_renaming_a_stage_changes_only_the_lines_that_name_it(path):
    document = load(path)
    pipeline = document.pipeline
    old = next(s.name for s in pipeline.stages
               if s.kind == "stage" and NAME_PATTERN.match(s.name))
    new = old + "Renamed"
    pipeline.rename_stage(old, new)
    before = document.text.splitlines()
    after = document.dumps().splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    assert changed, "the stage: line must change"
    for tag, i1, i2, j1, j2 in changed:
        assert tag == "replace" and i2 - i1 == j2 - j1
        for line_before, line_after in zip(before[i1:i2], after[j1:j2], strict=True):
            assert old in line_before
            assert line_after == line_before.replace(old, new) or new in line_after
    reloaded = load_text(document.dumps(), path)
    assert new in reloaded.stage_names and old not in reloaded.stage_names
    assert document.changed_lines() == {j + 1 for _, _, _, j1, j2 in changed
                                        for j in range(j1, j2)}


def load_text(text, path):
    return loads(text, path).pipeline


@pytest.mark.corpus
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_azure_parser_example_loads_or_is_reported_with_a_position(path):
    try:
        document = load(path)
    except PipelineLoadError as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)
        return
    assert document.dumps() == document.text


def test_the_pasted_twice_pipeline_is_rejected_naming_each_duplicated_key():
    with pytest.raises(PipelineLoadError) as caught:
        load(INVALID)
    problems = caught.value.problems
    assert [(p.line, p.column) for p in problems] == [(26, 1), (29, 1), (32, 1)]
    assert [p.message for p in problems] == [
        "duplicate key 'trigger': first on line 2, again on line 26",
        "duplicate key 'variables': first on line 5, again on line 29",
        "duplicate key 'stages': first on line 8, again on line 32",
    ]
    assert str(caught.value).splitlines()[0] == (
        f"{INVALID}:26:1: duplicate key 'trigger': first on line 2, again on line 26")
