"""Comparing the two readings of a pipeline's YAML: libyaml's (`yaml_tree`, what `parse`
uses) and ruamel's round-trip reading (what it falls back to, and what it used before).

They must agree on every value, every collection's kind and flow style, and every
position and end, with one allowed difference: an empty value (`key:` with nothing after
it) is placed by libyaml just after its indicator and by ruamel at the next token, past
blank lines and comments. Positions may then differ only across blank space or comments.
"""

from __future__ import annotations

import re
from typing import Any

from release_manager.core import yaml_guard
from release_manager.core.yaml_tree import Unsupported, YamlMap, YamlSeq, compose

_BREAK = re.compile("\r\n|[\r\n]")


class Reading:
    """One reader's tree, ends and duplicate keys for a text, or its problems."""

    def __init__(self, root: Any = None, ends: Any = None, problems: Any = None) -> None:
        self.root, self.ends, self.problems = root, ends, problems


def fast(text: str) -> Reading | None:
    """libyaml's reading; None where it declines (the text then goes to ruamel)."""
    try:
        root, ends, duplicates = compose(text, yaml_guard.MAX_DEPTH, yaml_guard.MAX_PROBLEMS)
    except Unsupported:
        return None
    except yaml_guard.Refused as refused:
        return Reading(problems=[yaml_guard.problem_at(refused)])
    if duplicates:
        return Reading(problems=[yaml_guard.problem_at(d) for d in duplicates])
    return Reading(root, ends)


def round_trip(text: str) -> Reading:
    try:
        root, ends, duplicates = yaml_guard._round_trip(text, None)
    except yaml_guard.PipelineLoadError as error:
        return Reading(problems=error.problems)
    if duplicates:
        return Reading(problems=[yaml_guard.problem_at(d) for d in duplicates])
    return Reading(root, ends)


def assert_same_reading(text: str, new: Reading, old: Reading) -> None:
    if old.problems is not None or new.problems is not None:
        assert new.problems is not None and old.problems is not None
        assert sorted(new.problems, key=_where) == sorted(old.problems, key=_where)
        return
    gaps = _Gaps(text)
    _same_node(old.root, new.root, "$", gaps)
    assert _moved_empty_scalars(new, old) == set(new.ends) ^ set(old.ends)
    for key, end in new.ends.items():
        if key in old.ends:
            assert gaps.near(old.ends[key], end), (key, old.ends[key], end)


def _where(problem: Any) -> tuple:
    return problem.line, problem.column, problem.message


def _moved_empty_scalars(new: Reading, old: Reading) -> set:
    """The ends keyed by an empty scalar's start that the two readers place apart."""
    return {key for key in set(new.ends) ^ set(old.ends)
            if key[2] == "scalar" and (new.ends.get(key) or old.ends.get(key)) == key[:2]}


def _same_node(old: Any, new: Any, path: str, gaps: _Gaps) -> None:
    if hasattr(old, "items"):
        assert type(new) is YamlMap, path
        assert list(new) == [str(key) for key in old], path
        _same_collection(old, new, path)
        for key in old:
            assert new.lc.key(key) == tuple(old.lc.key(key)), (path, key)
            if old[key] == "":
                assert gaps.near(old.lc.value(key), new.lc.value(key)), (path, key)
            else:
                assert new.lc.value(key) == tuple(old.lc.value(key)), (path, key)
            _same_node(old[key], new[key], f"{path}.{key}", gaps)
    elif isinstance(old, list):
        assert type(new) is YamlSeq, path
        assert len(new) == len(old), path
        _same_collection(old, new, path)
        for index, item in enumerate(old):
            if item == "":
                assert gaps.near(old.lc.item(index), new.lc.item(index)), (path, index)
            else:
                assert new.lc.item(index) == tuple(old.lc.item(index)), (path, index)
            _same_node(item, new[index], f"{path}[{index}]", gaps)
    else:
        assert type(new) is str and new == str(old), (path, new, old)


def _same_collection(old: Any, new: Any, path: str) -> None:
    assert (new.lc.line, new.lc.col) == (old.lc.line, old.lc.col), path
    assert new.fa.flow_style() == bool(old.fa.flow_style()), path


class _Gaps:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def near(self, one: Any, other: Any) -> bool:
        """The same position, or two with only blank space and comments between."""
        first, last = sorted(self.starts[line] + column for line, column in (one, other))
        return all(not line.strip() or line.strip().startswith("#")
                   for line in _BREAK.split(self.text[first:last]))
