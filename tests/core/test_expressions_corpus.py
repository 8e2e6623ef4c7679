"""Every runtime condition written in the pipelines of the tests, and in the real pipelines
of the corpus where it is, parses and evaluates.

Conditions still holding `${{ }}` or `$( )` are left out: Azure expands those before the
condition reaches the runtime parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, DATA
from ruamel.yaml import YAML

from release_manager.core.expressions import (
    EvaluationError,
    evaluate_condition,
    parse,
    referenced_stages,
)


def _conditions(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "condition" and isinstance(value, (str, bool)):
                yield str(value)
            yield from _conditions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _conditions(item)


def _conditions_in(*folders: Path) -> list[tuple[str, str]]:
    yaml = YAML(typ="safe")
    found: list[tuple[str, str]] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.y*ml")) if folder.is_dir() else []:
            try:
                document = yaml.load(path.read_text(encoding="utf-8"))
            except Exception:  # malformed on purpose: the YAML tests cover those files
                continue
            for condition in _conditions(document):
                if "${{" not in condition and "$(" not in condition:
                    found.append((f"{path.name}:{len(found)}", condition))
    return found


WRITTEN = _conditions_in(DATA / "pipelines")
CONDITIONS = _conditions_in(CORPUS / "pipelines", CORPUS / "azure-examples")


def assert_every_shape(conditions: list[tuple[str, str]]) -> None:
    texts = [text for _, text in conditions]
    assert any("\n" in text for text in texts)
    assert any("dependencies." in text for text in texts)
    assert any(referenced_stages(text) for text in texts)


def test_the_written_pipelines_have_conditions_of_every_shape() -> None:
    assert_every_shape(WRITTEN)


@pytest.mark.corpus
def test_the_corpus_has_conditions_of_every_shape() -> None:
    assert len(CONDITIONS) > 100
    assert_every_shape(CONDITIONS)


@pytest.mark.parametrize(("where", "text"), [
    *(pytest.param(where, text, id=where) for where, text in WRITTEN),
    *(pytest.param(where, text, id=where, marks=pytest.mark.corpus)
      for where, text in CONDITIONS),
])
def test_corpus_condition_parses_and_evaluates(where: str, text: str) -> None:
    parse(text)
    try:
        runs = evaluate_condition(text, {}, {"Build": {"result": "Succeeded", "outputs": {}}})
    except EvaluationError as error:  # a real condition may need data this test lacks
        assert error.kind in {"TypeCast", "Format", "NotSupported"}
    else:
        assert isinstance(runs, bool)
