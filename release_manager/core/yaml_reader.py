"""Building the pipeline model from a parsed azure-pipelines.yml (ruamel round-trip tree).

Every scalar arrives as a string (see `yaml_guard`); booleans and numbers are converted
here only where the model wants them. `${{ }}` items and keys are kept verbatim as
`kind="expression"` stages/jobs/steps, never evaluated or flattened.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from release_manager.core.model import (
    Filter,
    Job,
    Parameter,
    Pipeline,
    Pos,
    Schedule,
    SourceRef,
    Stage,
    Step,
    Strategy,
    Trigger,
    Variable,
    VariableEntry,
    VariableGroup,
    VariableTemplate,
)
from release_manager.core.yaml_guard import PipelineLoadError, parse, read_file, split_lines

IMPLICIT_STAGE = "__default"
MAX_TEMPLATE_DEPTH = 8
STEP_KINDS = (
    "script", "bash", "pwsh", "powershell", "task", "checkout", "download", "publish",
    "template", "getPackage", "reviewApp",
)
HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")
STEP_FIELDS = {
    "displayName", "name", "condition", "continueOnError", "enabled", "timeoutInMinutes",
    "workingDirectory", "env", "inputs",
}


def is_expression(key: Any) -> bool:
    return isinstance(key, str) and key.strip().startswith("${{")


def stages_node(root: Any) -> Any:
    """The `stages:` sequence: at the top, or passed to an `extends:` template."""
    if "stages" in root:
        return root["stages"]
    extends = root.get("extends")
    if hasattr(extends, "get") and hasattr(extends.get("parameters"), "get"):
        return extends["parameters"].get("stages")
    return None


def jobs_owner(root: Any) -> Any:
    """The mapping holding the `jobs:`/`steps:`/`phases:` of a pipeline without stages."""
    for owner in (root, _extends_parameters(root)):
        if owner is not None and any(key in owner for key in ("jobs", "steps", "phases")):
            return owner
    return None


def _extends_parameters(root: Any) -> Any:
    extends = root.get("extends")
    if hasattr(extends, "get") and hasattr(extends.get("parameters"), "get"):
        return extends["parameters"]
    return None


def pos_of_key(mapping: Any, key: Any) -> Pos:
    line, column = mapping.lc.key(key)
    return Pos(line + 1, column + 1)


def pos_of_node(node: Any) -> Pos | None:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    return Pos(lc.line + 1, lc.col + 1)


def plain(value: Any) -> Any:
    """Builtin dicts, lists and strings from ruamel's round-trip types."""
    if hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return None if value is None else str(value)


def text(value: Any, default: str = "") -> str:
    if value is None or hasattr(value, "items") or isinstance(value, list):
        return default
    return str(value)


def flag(value: Any, default: bool = False) -> bool:
    if value is None or hasattr(value, "items") or isinstance(value, list):
        return default
    lowered = str(value).strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return default


def number(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def names(value: Any) -> list[str]:
    """A name or list of names (`dependsOn`, branch lists); a `${{ }}` value, or item of
    the list, is kept as its text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [
            next((str(k) for k in item if is_expression(k)), "") if hasattr(item, "items")
            else text(item)
            for item in value
            if not hasattr(item, "items") or any(is_expression(k) for k in item)
        ]
    return [text(value)] if text(value) != "" else []


def depends_on(mapping: Any) -> list[str] | None:
    return names(mapping["dependsOn"]) if "dependsOn" in mapping else None


def condition(mapping: Any) -> str | None:
    value = mapping.get("condition")
    return None if value is None or text(value) == "" else text(value)


def filter_of(value: Any) -> Filter:
    if isinstance(value, list):
        return Filter(include=names(value))
    if hasattr(value, "get"):
        return Filter(names(value.get("include")), names(value.get("exclude")))
    return Filter()


def read_trigger(root: Any, key: str) -> Trigger:
    if key not in root:
        return Trigger()
    value = root[key]
    if isinstance(value, list):
        return Trigger("list", branches=Filter(include=names(value)))
    if hasattr(value, "get"):
        return Trigger(
            "full",
            branches=filter_of(value.get("branches")),
            paths=filter_of(value.get("paths")),
            tags=filter_of(value.get("tags")),
            batch=flag(value.get("batch")),
            auto_cancel=flag(value["autoCancel"]) if "autoCancel" in value else None,
            drafts=flag(value["drafts"]) if "drafts" in value else None,
        )
    scalar = text(value).strip()
    if is_expression(scalar):
        return Trigger("full", expression=scalar)
    if scalar.lower() in ("none", "false", ""):
        return Trigger("none")
    return Trigger("list", branches=Filter(include=[scalar]))


def read_schedules(root: Any) -> list[Schedule]:
    value = root.get("schedules")
    if not isinstance(value, list):
        return []
    return [read_schedule(item) for item in value if hasattr(item, "get")]


def read_schedule(item: Any) -> Schedule:
    return Schedule(
        cron=text(item.get("cron")),
        display_name=text(item.get("displayName")),
        branches=filter_of(item.get("branches")),
        always=flag(item.get("always")),
        batch=flag(item.get("batch")),
        pos=pos_of_node(item),
    )


def read_variables(value: Any) -> list[VariableEntry]:
    if hasattr(value, "items"):
        return [
            Variable(str(name), text(plain(v)) if not hasattr(v, "items") else str(plain(v)))
            for name, v in value.items()
            if not is_expression(name)
        ]
    entries: list[VariableEntry] = []
    for item in value if isinstance(value, list) else []:
        if not hasattr(item, "get"):
            continue
        if "name" in item:
            entries.append(Variable(text(item["name"]), text(item.get("value")),
                                    flag(item.get("readonly"))))
        elif "group" in item:
            entries.append(VariableGroup(text(item["group"])))
        elif "template" in item:
            parameters = plain(item.get("parameters"))
            entries.append(VariableTemplate(text(item["template"]),
                                            parameters if isinstance(parameters, dict) else {}))
    return entries


def read_parameters(value: Any) -> list[Parameter]:
    if hasattr(value, "items"):
        return [Parameter(str(name), default=plain(v)) for name, v in value.items()]
    parameters = []
    for item in value if isinstance(value, list) else []:
        if hasattr(item, "get") and "name" in item:
            parameters.append(Parameter(
                name=text(item["name"]),
                type=text(item.get("type"), "string") or "string",
                default=_typed_default(text(item.get("type"), "string"), item.get("default")),
                display_name=text(item.get("displayName")),
                values=plain(item.get("values")) if isinstance(item.get("values"), list) else [],
            ))
    return parameters


def _typed_default(kind: str, value: Any) -> Any:
    if kind == "boolean" and isinstance(value, str):
        return flag(value, default=False) if value.strip() else None
    if kind == "number" and isinstance(value, str):
        for convert in (int, float):
            try:
                return convert(value)
            except ValueError:
                continue
    return plain(value)


def read_step(item: Any) -> Step:
    if not hasattr(item, "get"):
        return Step("unknown", value=text(item), pos=pos_of_node(item))
    keys = [key for key in item if isinstance(key, str)]
    kind = next((key for key in keys if key in STEP_KINDS), None)
    if kind is None:
        expression = next((key for key in keys if is_expression(key)), None)
        if expression is not None:
            return Step("expression", value=expression, pos=pos_of_node(item))
        return Step("unknown", value=keys[0] if keys else "", pos=pos_of_node(item))
    env = item.get("env")
    if kind == "task":
        inputs = plain(item.get("inputs")) if hasattr(item.get("inputs"), "items") else {}
    else:
        inputs = {str(k): plain(v) for k, v in item.items() if k != kind and k not in STEP_FIELDS}
    return Step(
        kind=kind,
        value=text(item[kind]),
        display_name=text(item.get("displayName")),
        name=text(item.get("name")),
        condition=condition(item),
        continue_on_error=flag(item.get("continueOnError")),
        enabled=flag(item.get("enabled"), default=True),
        timeout_in_minutes=number(item.get("timeoutInMinutes")),
        working_directory=text(item.get("workingDirectory")),
        env={str(k): text(plain(v)) for k, v in env.items()} if hasattr(env, "items") else {},
        inputs=inputs,
        pos=pos_of_node(item),
    )


def read_steps(value: Any) -> list[Step]:
    return [read_step(item) for item in value] if isinstance(value, list) else []


def read_strategy(value: Any) -> Strategy | None:
    if not hasattr(value, "get"):
        return None
    kind = next((k for k in ("runOnce", "rolling", "canary") if k in value), None)
    if kind is None:
        return None
    body = value[kind] if hasattr(value[kind], "get") else {}
    hooks: dict[str, list[Step]] = {}
    for hook in HOOKS:
        if hasattr(body.get(hook), "get"):
            hooks[hook] = read_steps(body[hook].get("steps"))
    on = body.get("on")
    if hasattr(on, "get"):
        for outcome in ("failure", "success"):
            if hasattr(on.get(outcome), "get"):
                hooks[f"on.{outcome}"] = read_steps(on[outcome].get("steps"))
    increments = body.get("increments")
    return Strategy(
        kind=kind,
        hooks=hooks,
        max_parallel=text(body.get("maxParallel")),
        increments=names(increments) if isinstance(increments, list) else [],
    )


def read_environment(value: Any) -> tuple[str | None, str | None]:
    """(environment, resource) of `environment: env`, `env.resource` or `name:` mapping."""
    if hasattr(value, "get"):
        resource = text(value.get("resourceName")) or None
        return text(value.get("name")) or None, resource
    name = text(value).strip()
    if not name:
        return None, None
    if "." in name and "$(" not in name and "${{" not in name:
        environment, resource = name.split(".", 1)
        return environment, resource
    return name, None


def read_job(item: Any, used: set[str]) -> Job:
    if not hasattr(item, "get"):
        return Job(unique(text(item) or "job", used), kind="expression", pos=pos_of_node(item))
    if "template" in item and "job" not in item and "deployment" not in item:
        parameters = plain(item.get("parameters"))
        return Job(
            unique(template_stem(text(item["template"])), used),
            kind="template",
            template=text(item["template"]),
            parameters=parameters if isinstance(parameters, dict) else {},
            pos=pos_of_node(item),
        )
    expression = next((key for key in item if is_expression(key)), None)
    if expression is not None and "job" not in item and "deployment" not in item:
        return Job(unique(str(expression), used), kind="expression", pos=pos_of_node(item))
    kind = "deployment" if "deployment" in item else "job"
    name_key = kind if kind in item else "phase"
    environment, resource = read_environment(item.get("environment"))
    return Job(
        name=unique(text(item.get(name_key)) or ("Deploy" if kind == "deployment" else "Job"),
                    used),
        kind=kind,
        display_name=text(item.get("displayName")),
        depends_on=depends_on(item),
        condition=condition(item),
        environment=environment if kind == "deployment" else None,
        environment_resource=resource if kind == "deployment" else None,
        strategy=read_strategy(item.get("strategy")) if kind == "deployment" else None,
        steps=read_steps(item.get("steps")),
        pool=plain(item.get("pool")),
        variables=read_variables(item.get("variables")),
        timeout_in_minutes=number(item.get("timeoutInMinutes")),
        continue_on_error=flag(item.get("continueOnError")),
        pos=pos_of_node(item),
    )


def read_jobs(value: Any) -> list[Job]:
    used: set[str] = set()
    return [read_job(item, used) for item in value] if isinstance(value, list) else []


def template_stem(path: str) -> str:
    """`terraform-stages` for `templates/terraform-stages.yml@self`."""
    return PurePosixPath(path.split("@", 1)[0].strip()).stem or "template"


def unique(name: str, used: set[str]) -> str:
    candidate, count = name, 1
    while candidate in used:
        count += 1
        candidate = f"{name}-{count}"
    used.add(candidate)
    return candidate


class StageReader:
    """Reads a `stages:` list; stage templates are resolved from local files read-only."""

    def __init__(self, base_dir: Path | None, lines: list[str],
                 resolving: frozenset[Path] = frozenset()) -> None:
        self.base_dir = base_dir
        self.lines = lines
        self.resolving = resolving

    def read(self, items: Any, used: set[str]) -> list[Stage]:
        if not isinstance(items, list):
            return []
        return [self.read_stage(item, used) for item in items]

    def read_stage(self, item: Any, used: set[str]) -> Stage:
        if not hasattr(item, "get"):
            return Stage(unique(text(item) or "stage", used), kind="expression",
                         pos=pos_of_node(item), source=SourceRef(item))
        key_pos = {str(key): pos_of_key(item, key) for key in item}
        stage_pos = key_pos.get("stage") or pos_of_node(item)
        if "stage" not in item and "template" in item:
            template = text(item["template"])
            parameters = plain(item.get("parameters"))
            name = unique(template_stem(template), used)
            return Stage(name, kind="template", template=template,
                         parameters=parameters if isinstance(parameters, dict) else {},
                         resolved=self.resolve(template, name), pos=stage_pos,
                         key_pos=key_pos, source=SourceRef(item))
        if "stage" not in item:
            expression = next((key for key in item if is_expression(key)), None)
            if expression is not None:
                inner_used: set[str] = set()
                inner = [s.name for s in self.read(item[expression], inner_used)] \
                    if isinstance(item[expression], list) else []
                return Stage(unique(str(expression), used), kind="expression", inner=inner,
                             pos=stage_pos, key_pos=key_pos, source=SourceRef(item))
        stage = Stage(
            name=unique(text(item.get("stage")) or "stage", used),
            display_name=text(item.get("displayName")),
            depends_on=depends_on(item),
            condition=condition(item),
            variables=read_variables(item.get("variables")),
            lock_behavior=_lock_behavior(item.get("lockBehavior")),
            is_skippable=flag(item["isSkippable"]) if "isSkippable" in item else None,
            jobs=read_jobs(item.get("jobs")),
            pool=plain(item.get("pool")),
            pos=stage_pos,
            key_pos=key_pos,
            source=SourceRef(item),
        )
        if "condition" in item:
            stage.key_pos["condition.value"] = self.value_text_pos(item, "condition")
        return stage

    def value_text_pos(self, mapping: Any, key: str) -> Pos:
        """Where the text of a value begins: after a quote, or on the first line of a
        block scalar (`condition: |`)."""
        line, column = mapping.lc.value(key)
        source = self.lines[line] if line < len(self.lines) else ""
        if source[column:column + 1] in ("'", '"'):
            return Pos(line + 1, column + 2)
        if source[column:column + 1] in ("|", ">"):
            for number_, following in enumerate(self.lines[line + 1:], start=line + 2):
                if following.strip():
                    return Pos(number_, len(following) - len(following.lstrip(" ")) + 1)
        return Pos(line + 1, column + 1)

    def resolve(self, template: str, name: str) -> Stage | None:
        """The template's stages summarised as one read-only stage, or None when the file
        is elsewhere (another repository), missing, unreadable or recursive."""
        path_text, _, repo = template.partition("@")
        if self.base_dir is None or (repo and repo != "self") or "${{" in path_text:
            return None
        base = _repo_root(self.base_dir) if path_text.startswith("/") else self.base_dir
        path = (base / path_text.lstrip("/")).resolve()
        if path in self.resolving or len(self.resolving) >= MAX_TEMPLATE_DEPTH:
            return None
        try:
            text_, _ = read_file(path)
            root = parse(text_, path).root
        except PipelineLoadError:
            return None
        reader = StageReader(path.parent, split_lines(text_), self.resolving | {path})
        stages = reader.read(stages_node(root), set())
        jobs = [job for stage in stages for job in stage.jobs]
        jobs += [job for stage in stages if stage.resolved for job in stage.resolved.jobs]
        return Stage(name, jobs=jobs, template=template)


def _lock_behavior(value: Any) -> Any:
    lowered = text(value)
    return lowered if lowered in ("sequential", "runLatest") else ""


def _repo_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def read_pipeline(root: Any, lines: list[str], base_dir: Path | None) -> Pipeline:
    """The model of a parsed file; `lines` are its lines as `split_lines` gives them."""
    reader = StageReader(base_dir.resolve() if base_dir else None, lines)
    pipeline = Pipeline(
        name=text(root.get("name")),
        trigger=read_trigger(root, "trigger"),
        pr=read_trigger(root, "pr"),
        schedules=read_schedules(root),
        variables=read_variables(root.get("variables")),
        parameters=read_parameters(root.get("parameters")),
        resources=plain(root["resources"]) if hasattr(root.get("resources"), "items") else {},
    )
    items = stages_node(root)
    if items is not None:
        pipeline.stages = reader.read(items, set())
        return pipeline
    owner = jobs_owner(root)
    if owner is None:
        return pipeline
    key = next(key for key in ("jobs", "phases", "steps") if key in owner)
    if key == "steps":
        jobs = [Job(IMPLICIT_STAGE, steps=read_steps(owner["steps"]), pool=plain(owner.get("pool")),
                    pos=pos_of_key(owner, "steps"))]
    else:
        jobs = read_jobs(owner[key])
    pipeline.stages = [Stage(IMPLICIT_STAGE, jobs=jobs, pos=pos_of_key(owner, key),
                             key_pos={key: pos_of_key(owner, key)}, source=SourceRef(owner))]
    pipeline.implicit_stage = True
    return pipeline
