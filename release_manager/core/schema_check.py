"""Checking a pipeline against the official azure-pipelines.yml JSON schema.

The schema (draft-07, from Microsoft's editor tooling) describes the YAML as the editor
sees it, not as Azure's parser accepts it, so a plain check flags valid pipelines. The
schema is adapted once when it is loaded:

- every scalar is checked as the string Azure's parser reads, so `boolean` and `integer`
  become string patterns (`true`/`yes`/`on`…, digits);
- the editor's case-insensitive matching (`ignoreCase`, a keyword jsonschema does not
  know) becomes case-insensitive patterns;
- template files and path filters are accepted (see `_widen`);
- task steps keep their common keys but not the per-task `inputs` schemas (hundreds of
  alternatives that are slow to try and reject real inputs such as `$(variable)` values)
  nor the closed list of task names (extension tasks are not in it).

The data is copied with every scalar as a string and without the subtrees keyed by `${{ }}`
template expressions (they are expanded before Azure reads the file). Each error is traced
through `anyOf` alternatives to the one the author evidently meant, and reported with the
position of the offending node in the source.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = (
    Path(__file__).resolve().parent.parent / "resources" / "schema" / "azure-pipelines.schema.json"
)
"""The official schema shipped with the app; RELEASE_MANAGER_SCHEMA points at another."""

_BOOLEAN = {"type": "string", "pattern": "(?i)^(true|y|yes|on|false|n|no|off)$"}
_INTEGER = {"type": "string", "pattern": r"^\s*[-+]?\d+\s*$"}
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a single value"}
_SECTION_WORDS = {
    "stages": "stage", "jobs": "job", "steps": "step", "schedules": "schedule",
    "variables": "variable", "parameters": "parameter", "pipelines": "pipeline resource",
    "repositories": "repository", "containers": "container", "builds": "build resource",
    "packages": "package resource", "webhooks": "webhook", "services": "service",
}
_RUNNABLE = ("stages", "jobs", "steps", "extends", "phases")
_NOTHING_TO_RUN = "nothing to run: the file has no 'stages', 'jobs', 'steps' or 'extends'"


@dataclass(frozen=True)
class SchemaFinding:
    """One place where the file departs from the schema; `line`/`column` are 1-based."""

    message: str
    line: int
    column: int
    path: tuple[str | int, ...]

    @property
    def is_error(self) -> bool:
        """Azure's parser refuses outright what the legacy `resources:` list form does
        not take (only `- repo: self` with scalar settings); elsewhere the schema is
        advice, since it lags behind what Azure accepts."""
        return len(self.path) >= 2 and self.path[0] == "resources" and isinstance(
            self.path[1], int
        )


class SchemaUnavailable(Exception):
    """The schema file is missing or unreadable; the message says which and why."""


def schema_path() -> Path:
    return Path(os.environ.get("RELEASE_MANAGER_SCHEMA", SCHEMA_PATH))


@cache
def validator() -> Draft7Validator:
    """The adapted schema's validator, built once per process (~0.1 s)."""
    path = schema_path()
    try:
        with path.open(encoding="utf-8") as handle:
            schema = json.load(handle)
        return Draft7Validator(_inline_leaves(_adapt(_widen(schema))))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SchemaUnavailable(f"the pipeline schema {path} cannot be used: {error}") from None


def _widen(schema: dict[str, Any]) -> dict[str, Any]:
    """Accept what the editor schema misses and Azure's parser takes: template files
    (`parameters:` as a mapping, only `stages:`/`jobs:`/`phases:`/`steps:`), path filters
    such as `docs/` (the branch-name pattern is shared with paths), the job settings of a
    steps-only pipeline's implied job, and repository aliases with dots."""
    definitions = schema["definitions"]
    pipeline = definitions["pipeline"]["anyOf"]
    pipeline += [
        {"$ref": "#/definitions/parametersTemplate"},
        {"$ref": "#/definitions/jobsTemplate"},
    ]
    job = definitions["job"]["anyOf"][0]["properties"]
    for form in pipeline:
        if form.get("required") == ["steps"]:
            for key in ("timeoutInMinutes", "cancelTimeoutInMinutes"):
                form["properties"].setdefault(key, job[key])
    definitions["branchFilter"] = {"type": "string", "minLength": 1}
    definitions["boolean"] = dict(_BOOLEAN)
    definitions["repositoryResource"]["properties"]["repository"] = {"type": "string"}
    return schema


def _inline_leaves(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace each `$ref` to a definition without references of its own by a copy of it
    (in draft-07 a `$ref` ignores its sibling keywords): resolving references is most of
    the checking time."""
    definitions = schema["definitions"]
    leaves = {
        name: body for name, body in definitions.items() if '"$ref"' not in json.dumps(body)
    }

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        target = node.get("$ref", "")
        name = target.removeprefix("#/definitions/")
        if target.startswith("#/definitions/") and name in leaves:
            return leaves[name]
        return {key: inline(value) for key, value in node.items()}

    return inline(schema)


def _adapt(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_adapt(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("firstProperty") == ["task"]:
        schema = {key: value for key, value in schema.items() if key != "anyOf"}
        schema["properties"] = {**schema["properties"], "task": {"type": "string"}}
    node = {key: _adapt(value) for key, value in schema.items()}
    if node.get("type") == "boolean":
        node.pop("type")
        node.update(_BOOLEAN)
    elif node.get("type") in ("integer", "number"):
        node.pop("type")
        node.update(_INTEGER)
    if node.get("ignoreCase") in ("value", "all"):
        if "pattern" in node:
            node["pattern"] = "(?i)" + node["pattern"]
        values = node.get("enum")
        if values and all(isinstance(value, str) for value in values):
            node.pop("enum")
            node["type"] = "string"
            node["pattern"] = "(?i)^(?:" + "|".join(re.escape(v) for v in values) + ")$"
    return node


# ---------------------------------------------------------------- data as Azure reads it


def _is_template_key(key: Any) -> bool:
    return isinstance(key, str) and key.lstrip().startswith("${{")


class _Copy:
    """The document as plain strings, lists and dicts, without `${{ }}`-keyed subtrees;
    remembers which original index each kept list item had."""

    def __init__(self, root: Any) -> None:
        self.kept: dict[int, list[int]] = {}
        self.data = self._copy(root)

    def _copy(self, node: Any) -> Any:
        if isinstance(node, Mapping):
            return {
                _scalar(key): self._copy(value)
                for key, value in node.items()
                if not _is_template_key(key)
            }
        if isinstance(node, Sequence) and not isinstance(node, str):
            items, kept = [], []
            for index, item in enumerate(node):
                if isinstance(item, Mapping) and item and all(map(_is_template_key, item)):
                    continue
                items.append(self._copy(item))
                kept.append(index)
            self.kept[id(items)] = kept
            return items
        return _scalar(node)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- checking


def check(root: Any) -> list[SchemaFinding]:
    """The schema findings for a loaded document (its ruamel tree, positions in `.lc`)."""
    copy = _Copy(root)
    findings: dict[tuple[int, int, str], SchemaFinding] = {}
    data = copy.data
    if isinstance(data, dict) and not any(key in data for key in _RUNNABLE):
        findings[1, 1, _NOTHING_TO_RUN] = SchemaFinding(_NOTHING_TO_RUN, 1, 1, ())
        data = {**data, "steps": []}
    for error in validator().iter_errors(data):
        for leaf in _leaves(error):
            for finding in _describe(leaf, root, copy):
                findings.setdefault((finding.line, finding.column, finding.message), finding)
    return sorted(findings.values(), key=lambda f: (f.line, f.column, f.message))


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that explain `error`: for `anyOf`/`oneOf`, those of the alternative the
    author evidently meant (the error itself when no alternative takes that kind of
    value); none where a `${{ }}` expression stands for the value."""
    if _is_expression(error.instance):
        return []
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    depth = len(error.absolute_path)
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).extend(_leaves(sub))
    best = max(branches.values(), key=lambda leaves: _branch_fit(leaves, depth))
    return [error] if _mismatched(best, depth) else best


def _is_expression(instance: Any) -> bool:
    return isinstance(instance, str) and "${{" in instance


def _at(error: ValidationError, depth: int) -> bool:
    return len(error.absolute_path) == depth


def _mismatched(leaves: list[ValidationError], depth: int) -> bool:
    """True when the alternative does not even take this kind of value."""
    return any(
        _at(e, depth) and e.validator in ("type", "pattern", "enum", "const", "anyOf", "oneOf")
        for e in leaves
    )


def _branch_fit(leaves: list[ValidationError], depth: int) -> tuple[bool, bool, int, int]:
    missing = any(_at(e, depth) and e.validator == "required" for e in leaves)
    unknown = sum(
        len(_unknown_keys(e)) for e in leaves
        if _at(e, depth) and e.validator == "additionalProperties"
    )
    return (not _mismatched(leaves, depth), not missing, -unknown, -len(leaves))


def _unknown_keys(error: ValidationError) -> list[str]:
    instance, schema = error.instance, error.schema
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return []
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [
        key for key in instance
        if key not in known and not any(p.search(key) for p in patterns)
    ]


def _describe(error: ValidationError, root: Any, copy: _Copy) -> Iterator[SchemaFinding]:
    path = tuple(error.absolute_path)
    where = _section_name(path, error.instance)
    located = _Locator(root, copy)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in _unknown_keys(error):
            message = f"unknown key {key!r} in {where}"
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            line, column = located.key(path, key)
            yield SchemaFinding(message, line, column, (*path, key))
        return
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        line, column = located.node(path)
        for key in missing:
            yield SchemaFinding(f"missing key {key!r} in {where}", line, column, path)
        return
    line, column = located.node(path)
    yield SchemaFinding(_message(error, path, where), line, column, path)


def _message(error: ValidationError, path: tuple[str | int, ...], where: str) -> str:
    label = f"{path[-1]!r}" if path and isinstance(path[-1], str) else where
    instance = error.instance
    if error.validator in ("anyOf", "oneOf") or error.validator == "type":
        kinds = _accepted_types(error)
        if kinds and not (isinstance(instance, str) and "string" in kinds):
            words = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)
            return f"{label} should be {words}, not {_kind_of(instance)}"
        return f"{_shown(instance)} is not a valid value for {label}{_expected(error)}"
    if error.validator == "pattern" and error.validator_value == _BOOLEAN["pattern"]:
        return f"{_shown(instance)} is not a valid value for {label} (expected true or false)"
    if error.validator == "pattern" and error.validator_value == _INTEGER["pattern"]:
        return f"{_shown(instance)} is not a valid value for {label} (expected a whole number)"
    if error.validator == "pattern" and (word := _WORD_PATTERN.match(error.validator_value)):
        return f"{_shown(instance)} is not a valid value for {label} (expected {word[1]!r})"
    if error.validator in ("pattern", "enum", "const"):
        return f"{_shown(instance)} is not a valid value for {label}"
    return f"{label}: {error.message}"


_WORD_PATTERN = re.compile(r"^(?:\(\?i\))?\^([\w.-]+)\$$")


def _expected(error: ValidationError) -> str:
    """` (expected one of: a, b)` when the alternatives are single words."""
    words = []
    for sub in error.context:
        match = _WORD_PATTERN.match(sub.validator_value) if sub.validator == "pattern" else None
        if sub.relative_path or match is None:
            return ""
        words.append(match[1])
    return f" (expected one of: {', '.join(words)})" if words else ""


def _accepted_types(error: ValidationError) -> list[str]:
    if error.validator == "type":
        value = error.validator_value
        return [value] if isinstance(value, str) else list(value)
    kinds: list[str] = []
    for sub in error.context:
        if not sub.relative_path:
            types = _accepted_types(sub) if sub.validator == "type" else ["string"]
            kinds += [kind for kind in types if kind not in kinds]
    return kinds


def _kind_of(instance: Any) -> str:
    if isinstance(instance, dict):
        return "a mapping"
    if isinstance(instance, list):
        return "a list"
    return f"the value {_shown(instance)}"


def _shown(instance: Any) -> str:
    if isinstance(instance, str):
        return repr(instance if len(instance) <= 40 else instance[:37] + "...")
    return _kind_of(instance)


def _section_name(path: tuple[str | int, ...], instance: Any) -> str:
    """`stage`, `job`, `step`, … for the mapping at `path`, by the list holding it."""
    if not path:
        return "the pipeline"
    keys = [element for element in path if isinstance(element, str)]
    if isinstance(path[-1], int) and keys:
        section = keys[-1]
        if section == "jobs" and isinstance(instance, dict) and "deployment" in instance:
            return "deployment job"
        return _SECTION_WORDS.get(section, f"{section} item")
    return repr(keys[-1]) if keys else "the pipeline"


class _Locator:
    """Positions (1-based) in the ruamel tree of a path into the copied data."""

    def __init__(self, root: Any, copy: _Copy) -> None:
        self.root = root
        self.copy = copy

    def _walk(self, path: tuple[str | int, ...]) -> tuple[Any, Any, Any]:
        """(parent node, key or index in it, node) of the original tree at `path`."""
        parent, step, node, data = None, None, self.root, self.copy.data
        for element in path:
            if isinstance(element, int):
                original = self.copy.kept.get(id(data), [])[element]
                parent, step, node, data = node, original, node[original], data[element]
            else:
                key = next((k for k in node if _scalar(k) == element), element)
                parent, step, node, data = node, key, node[key], data[element]
        return parent, step, node

    def node(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """Where the node at `path` starts: its key for a mapping or list value, its
        item for a list entry, the value itself for a scalar."""
        try:
            parent, step, node = self._walk(path)
            if parent is None:
                return 1, 1
            if isinstance(step, int):
                return _plus_one(parent.lc.item(step))
            if isinstance(node, Mapping | list):
                return _plus_one(parent.lc.key(step))
            return _plus_one(parent.lc.value(step))
        except (AttributeError, KeyError, IndexError, TypeError):
            return 1, 1

    def key(self, path: tuple[str | int, ...], key: str) -> tuple[int, int]:
        try:
            _, _, node = self._walk(path)
            original = next(k for k in node if _scalar(k) == key)
            return _plus_one(node.lc.key(original))
        except (AttributeError, KeyError, IndexError, TypeError, StopIteration):
            return self.node(path)


def _plus_one(position: tuple[int, int]) -> tuple[int, int]:
    return position[0] + 1, position[1] + 1
