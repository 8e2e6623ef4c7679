"""Every runtime condition written in the real pipelines of the corpus parses and evaluates.

Conditions still holding `${{ }}` or `$( )` are left out: Azure expands those before the
condition reaches the runtime parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS
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


def _corpus_conditions() -> list[tuple[str, str]]:
    yaml = YAML(typ="safe")
    found: list[tuple[str, str]] = []
    for folder in ("pipelines", "azure-examples"):
        for path in sorted(Path(CORPUS, folder).rglob("*.y*ml")):
            try:
                document = yaml.load(path.read_text(encoding="utf-8"))
            except Exception:  # malformed on purpose: the YAML tests cover those files
                continue
            for condition in _conditions(document):
                if "${{" not in condition and "$(" not in condition:
                    found.append((f"{path.name}:{len(found)}", condition))
    return found


CONDITIONS = _corpus_conditions()


def test_the_corpus_has_conditions_of_every_shape() -> None:
    texts = [text for _, text in CONDITIONS]
    assert len(texts) > 100
    assert any("\n" in text for text in texts)
    assert any("dependencies." in text for text in texts)
    assert any(referenced_stages(text) for text in texts)


@pytest.mark.parametrize(("where", "text"), CONDITIONS, ids=[where for where, _ in CONDITIONS])
def test_corpus_condition_parses_and_evaluates(where: str, text: str) -> None:
    parse(text)
    try:
        runs = evaluate_condition(text, {}, {"Build": {"result": "Succeeded", "outputs": {}}})
    except EvaluationError as error:  # a real condition may need data this test lacks
        assert error.kind in {"TypeCast", "Format", "NotSupported"}
    else:
        assert isinstance(runs, bool)
