"""Copy and paste of stages: the clipboard holds the stages as JSON (their data, with
explicit dependencies, and the YAML each was written as), so they can be pasted into this
or another pipeline and saved with every key they had."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from release_manager.core import model
from release_manager.core.expressions import rename_stage_references
from release_manager.core.model import NAME_PATTERN, Pipeline, Stage, StageText
from release_manager.core.pipeline_yaml import PipelineDocument

MIME_TYPE = "application/x-release-manager-stages+json"
_TYPES = {
    cls.__name__: cls
    for cls in (
        model.Stage, model.Job, model.Step, model.Strategy, model.Variable,
        model.VariableGroup, model.VariableTemplate, model.Filter,
    )
}
_SKIPPED = {"pos", "key_pos", "uid", "source", "origin"}
"""Where a stage was in its file means nothing in the file it is pasted into (its text
travels on its own, under `TEXT_KEY`)."""
TEXT_KEY = "__text__"


class ClipboardError(ValueError):
    """The clipboard text is not a list of stages."""


def stages_to_json(document: PipelineDocument, names: list[str]) -> str:
    pipeline = document.pipeline
    stages = []
    for name in names:
        stage = pipeline.stage(name)
        if stage.kind != "stage":  # a template reference or `${{ }}` block: not a copy
            continue
        item = _encode(dataclasses.replace(stage, depends_on=pipeline.dependencies(name)))
        carried = document.stage_text(name)
        if carried is not None:
            item[TEXT_KEY] = {"yaml": carried.text, "as_read": _encode(carried.as_read)}
        stages.append(item)
    return json.dumps({"stages": stages}, indent=1, default=str)


def stages_from_json(text: str) -> list[Stage]:
    try:
        data = json.loads(text)
        stages = [_decode_stage(dict(item)) for item in data["stages"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ClipboardError(f"the clipboard does not hold stages ({error})") from None
    if not all(isinstance(stage, Stage) and NAME_PATTERN.match(stage.name) for stage in stages):
        raise ClipboardError("the clipboard does not hold stages")
    return stages


def _decode_stage(item: dict[str, Any]) -> Stage:
    carried = item.pop(TEXT_KEY, None)
    stage = _decode(item)
    if carried is not None:
        as_read = _decode(carried["as_read"])
        if not isinstance(stage, Stage) or not isinstance(as_read, Stage) \
                or not isinstance(carried["yaml"], str):
            raise TypeError("a stage's text is not a stage")
        stage.origin = StageText(carried["yaml"], as_read)
    return stage


def prepare_paste(pipeline: Pipeline, stages: list[Stage]) -> list[Stage]:
    """The stages renamed to unused names (`Dev_copy`, `Dev_copy2`, …); a dependency on a
    pasted stage follows it to its copy (in `dependsOn` and in conditions), one on an
    existing stage is kept, others dropped."""
    taken = set(pipeline.stage_names) | {stage.name for stage in stages}
    renamed: dict[str, str] = {}
    for stage in stages:
        renamed[stage.name] = unique_name(taken, f"{stage.name}_copy", first_suffix=False)
        taken.add(renamed[stage.name])
    result = []
    for stage in stages:
        depends_on = [
            renamed.get(dep, dep)
            for dep in stage.depends_on or []
            if dep in renamed or pipeline.has_stage(dep)
        ]
        condition = stage.condition
        for old, new in renamed.items():
            condition = condition and rename_stage_references(condition, old, new)
        result.append(dataclasses.replace(
            stage, name=renamed[stage.name], depends_on=depends_on, condition=condition))
    return result


def unique_name(taken: set[str], base: str, *, first_suffix: bool = True) -> str:
    """`base1`, `base2`… (or `base`, `base2`… when not `first_suffix`) not in `taken`."""
    if not first_suffix and base not in taken:
        return base
    number = 1 if first_suffix else 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _SKIPPED
        }
        return {"__type__": type(value).__name__, **fields}
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        decoded = {key: _decode(item) for key, item in value.items() if key != "__type__"}
        if "__type__" not in value:
            return decoded
        cls = _TYPES.get(value["__type__"])
        if cls is None:
            raise ValueError(f"unknown type {value['__type__']!r}")
        return cls(**decoded)
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value
