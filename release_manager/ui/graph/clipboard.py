"""Copy and paste of stages: the clipboard holds the stages as JSON (their data, with
explicit dependencies), so they can be pasted into this or another pipeline."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from release_manager.core import model
from release_manager.core.model import NAME_PATTERN, Pipeline, Stage

MIME_TYPE = "application/x-release-manager-stages+json"
_TYPES = {
    cls.__name__: cls
    for cls in (
        model.Stage, model.Job, model.Step, model.Strategy, model.Variable,
        model.VariableGroup, model.VariableTemplate, model.Filter,
    )
}
_SKIPPED = {"pos", "key_pos", "uid", "source"}
"""Where a stage was in its file means nothing in the file it is pasted into."""


class ClipboardError(ValueError):
    """The clipboard text is not a list of stages."""


def stages_to_json(pipeline: Pipeline, names: list[str]) -> str:
    stages = []
    for name in names:
        stage = pipeline.stage(name)
        if not stage.editable:
            continue
        copy = dataclasses.replace(stage, depends_on=pipeline.dependencies(name))
        stages.append(_encode(copy))
    return json.dumps({"stages": stages}, indent=1, default=str)


def stages_from_json(text: str) -> list[Stage]:
    try:
        data = json.loads(text)
        stages = [_decode(item) for item in data["stages"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ClipboardError(f"the clipboard does not hold stages ({error})") from None
    if not all(isinstance(stage, Stage) and NAME_PATTERN.match(stage.name) for stage in stages):
        raise ClipboardError("the clipboard does not hold stages")
    return stages


def prepare_paste(pipeline: Pipeline, stages: list[Stage]) -> list[Stage]:
    """The stages renamed to unused names (`Dev_copy`, `Dev_copy2`, …); a dependency on a
    pasted stage follows it to its copy, one on an existing stage is kept, others dropped."""
    taken = set(pipeline.stage_names)
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
        result.append(dataclasses.replace(stage, name=renamed[stage.name], depends_on=depends_on))
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
