"""What is wrong with a pipeline, each finding with its line and column in the file.

`validate_pipeline` holds the rules of the model (stage graph, names, jobs, deployment jobs,
stage conditions): cheap enough to run after every edit; `validate_edited` runs them on a
document being edited, at the positions of the text a save would write. `validate` adds
what needs the loaded document: job and step conditions found in the YAML tree and the
official JSON schema (`core.schema_check`, compiled on first use). `validate_file` turns a
file that cannot be loaded into diagnostics too.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import AliasToken, AnchorToken

from release_manager.core import expressions, pipeline_yaml
from release_manager.core.model import NAME_PATTERN, Job, Pipeline, Pos, Stage, Strategy
from release_manager.core.pipeline_yaml import PipelineDocument, PipelineWriteError
from release_manager.core.yaml_reader import HOOKS
from release_manager.core.yaml_text import EditedText

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_NAME_RULE = "use letters, digits and underscores, not starting with a digit"


@dataclass(frozen=True)
class Diagnostic:
    """One finding. `line`/`column` are 1-based; 0 when the object is not in the file yet
    (a stage added in the editor). `stage` and `field` say what the GUI should mark."""

    severity: Severity
    message: str
    line: int
    column: int
    file: str = ""
    stage: str | None = None
    field: str | None = None
    code: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, int, str]:
    return (
        diagnostic.file,
        diagnostic.line,
        diagnostic.column,
        _SEVERITY_ORDER[diagnostic.severity],
        diagnostic.message,
    )


# ---------------------------------------------------------------- entry points


def validate_file(path: str | Path) -> list[Diagnostic]:
    """Load and validate a file; a file that cannot be loaded gives its load problems."""
    try:
        document = pipeline_yaml.load(Path(path))
    except pipeline_yaml.PipelineLoadError as error:
        found = [
            Diagnostic("error", p.message, p.line, p.column, str(path), code="load")
            for p in error.problems
        ]
        anchors = []
        if any(p.message.startswith(_ANCHOR_PROBLEMS) for p in error.problems):
            anchors = _anchors_and_aliases(Path(path))
        if anchors:
            found = [d for d in found if not d.message.startswith(_ANCHOR_PROBLEMS)] + anchors
        return sorted(set(found), key=sort_key)
    return validate(document)


_ANCHOR_PROBLEMS = ("YAML anchor", "YAML alias")


def _anchors_and_aliases(path: Path) -> list[Diagnostic]:
    """Every anchor and alias of the file (the loader stops at the first one)."""
    found = []
    try:
        for token in YAML(typ="rt").scan(path.read_text(encoding="utf-8-sig")):
            if isinstance(token, AnchorToken | AliasToken):
                what = "alias *" if isinstance(token, AliasToken) else "anchor &"
                mark = token.start_mark
                found.append(Diagnostic(
                    "error", f"YAML {what}{token.value} is not supported: Azure Pipelines "
                    "rejects anchors and aliases", mark.line + 1, mark.column + 1, str(path),
                    code="load",
                ))
    except (OSError, UnicodeDecodeError, YAMLError):
        pass
    return found


def validate(document: PipelineDocument) -> list[Diagnostic]:
    """Every rule: the model's, the conditions of jobs and steps, and the schema's."""
    # Imported here: jsonschema takes a while to import and the per-edit rules never need it.
    from release_manager.core import schema_check

    file = str(document.path) if document.path else ""
    source = Source(document.text)
    found = _pipeline_rules(document.pipeline, source, file)
    found += _nested_conditions(document.root, source, file)
    try:
        findings = schema_check.check(document.root)
    except schema_check.SchemaUnavailable as error:
        found.append(Diagnostic("info", f"schema checks skipped: {error}", 1, 1, file,
                                code="schema"))
        findings = []
    for finding in findings:
        severity: Severity = "error" if finding.is_error else "warning"
        found.append(
            Diagnostic(severity, finding.message, finding.line, finding.column, file,
                       code="schema")
        )
    return sorted(set(found), key=sort_key)


def validate_pipeline(
    pipeline: Pipeline, *, text: str | None = None, file: str = "",
    edited: EditedText | None = None,
) -> list[Diagnostic]:
    """The model's rules, fast and without the schema.

    `text` is the file the pipeline was loaded from; with it, condition errors point at
    their exact column inside the YAML scalar. The model's positions are those of `text`;
    with `edited` (that text as edited since), every finding is placed in `edited.text`.
    """
    source = Source(text) if text is not None else None
    return sorted(set(_pipeline_rules(pipeline, source, file, edited)), key=sort_key)


def validate_edited(document: PipelineDocument) -> list[Diagnostic]:
    """The model's rules on a document being edited (the GUI runs them after each edit),
    each finding at its place in `document.dumps()`, the text the YAML pane shows and the
    full validation reads: positions of the loaded text would point at lines an edit has
    moved. Costs one pass of the writer on top of the rules."""
    try:
        edited = document.edited()
    except PipelineWriteError:  # an edit the file cannot take: the loaded text's positions
        edited = None
    return validate_pipeline(document.pipeline, text=document.text,
                             file=str(document.path or ""), edited=edited)


def _pipeline_rules(
    pipeline: Pipeline, source: Source | None, file: str, edited: EditedText | None = None
) -> list[Diagnostic]:
    rules = _Rules(pipeline, source, file, edited)
    return [*rules.names(), *rules.dependencies(), *rules.cycles(), *rules.starting_jobs(),
            *rules.jobs(), *rules.conditions()]


# ---------------------------------------------------------------- source positions


class Source:
    """The file's text, to turn ruamel's 0-based (line, column) into offsets and back."""

    def __init__(self, text: str) -> None:
        self.text = text

    @functools.cached_property
    def starts(self) -> list[int]:
        """Where each line begins: worked out only when a finding needs an exact column
        (the model's rules run after every edit, mostly finding nothing)."""
        lengths = (len(line) + 1 for line in self.text.split("\n"))
        return [0, *itertools.accumulate(lengths)][:-1]

    def offset(self, line0: int, column0: int) -> int:
        return self.starts[line0] + column0

    def pos(self, offset: int) -> Pos:
        """1-based line and column of `offset`."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return Pos(line + 1, offset - self.starts[line] + 1)

    def scalar_offsets(self, line0: int, column0: int, value: str) -> list[int]:
        """The file offset of each character of the scalar `value` that starts at
        (`line0`, `column0`), through its style: plain, '' or "" quoted, | or > block."""
        text = self.text
        cursor = self.offset(line0, column0)
        style = text[cursor : cursor + 1]
        if style in ("'", '"'):
            cursor += 1
        elif style in ("|", ">"):
            newline = text.find("\n", cursor)
            cursor = len(text) if newline < 0 else newline + 1
        offsets: list[int] = []
        for char in value:
            cursor = _skip_to(text, cursor, char, style)
            offsets.append(cursor)
            cursor += _source_length(text, cursor, char, style)
        return offsets

    def expression_pos(self, line0: int, column0: int, value: str, column: int) -> Pos:
        """File position of the 1-based `column` of the expression `value` (a scalar)."""
        offsets = self.scalar_offsets(line0, column0, value)
        if not offsets:
            return self.pos(self.offset(line0, column0))
        if column - 1 < len(offsets):
            return self.pos(offsets[max(column - 1, 0)])
        return self.pos(offsets[-1] + 1)


def _skip_to(text: str, cursor: int, char: str, style: str) -> int:
    """Move past what the scalar's style drops (indentation, folded line breaks, escaped
    line breaks) until the source character that produces `char`."""
    while cursor < len(text):
        here = text[cursor]
        if style == '"' and here == "\\" and text[cursor + 1 : cursor + 2] == "\n":
            cursor += 2
            continue
        if here == char or (char in " \n" and here == "\n"):
            return cursor
        if style == '"' and here == "\\":
            return cursor
        if here in " \t\r\n":
            cursor += 1
            continue
        return cursor
    return cursor


def _source_length(text: str, cursor: int, char: str, style: str) -> int:
    """How many source characters make the value character at `cursor`."""
    if style == "'" and char == "'" and text[cursor : cursor + 2] == "''":
        return 2
    if style == '"' and text[cursor : cursor + 1] == "\\" and char != "\\":
        code = text[cursor + 1 : cursor + 2]
        return {"x": 4, "u": 6, "U": 10}.get(code, 2)
    if style == '"' and text[cursor : cursor + 2] == "\\\\":
        return 2
    return 1


def _plus_one(position: tuple[int, int]) -> Pos:
    return Pos(position[0] + 1, position[1] + 1)


def _value_pos(node: Any, key: str) -> Pos | None:
    try:
        return _plus_one(node.lc.value(key))
    except (AttributeError, KeyError, TypeError):
        return None


def _is_template(text: str) -> bool:
    return "${{" in text


# ---------------------------------------------------------------- model rules


class _Rules:
    def __init__(self, pipeline: Pipeline, source: Source | None, file: str,
                 edited: EditedText | None = None) -> None:
        self.pipeline = pipeline
        self.source = source
        self.file = file
        self.edited = edited
        self.stages = [stage for stage in pipeline.stages if stage.kind == "stage"]
        self.index_by_lower: dict[str, int] = {}
        for index, stage in enumerate(pipeline.stages):
            self.index_by_lower.setdefault(stage.name.lower(), index)
        self.inner = {name for stage in pipeline.stages for name in stage.inner}
        self.opaque = [stage for stage in pipeline.stages if stage.kind != "stage"]
        # Stage names built from `${{ parameters }}`: a template, whose stages may depend
        # on the stages of the pipeline that includes it.
        self.is_template_file = any(_is_template(stage.name) for stage in self.stages)
        self.known_lower = {name.lower() for name in [*(s.name for s in self.stages),
                                                      *self.inner]}

    def diagnostic(
        self, severity: Severity, message: str, pos: Pos | None, stage: Stage | None,
        field: str | None, code: str,
    ) -> Diagnostic:
        pos = self.place(pos) or Pos(0, 0)
        return Diagnostic(severity, message, pos.line, pos.column, self.file,
                          stage.name if stage else None, field, code)

    def place(self, pos: Pos | None) -> Pos | None:
        """Where a position of the loaded text stands in the edited text."""
        if pos is None or self.edited is None:
            return pos
        placed = self.edited.place(pos.line, pos.column)
        return Pos(*placed) if placed else None

    def dependencies(self) -> Iterator[Diagnostic]:
        """`dependsOn` entries naming no stage of the file (Azure matches names without
        regard to case)."""
        known = {*self.index_by_lower, *(name.lower() for name in self.inner)}
        for stage in self.pipeline.stages:
            for upstream in stage.depends_on or []:
                if _is_template(upstream) or "$(" in upstream or upstream.lower() in known:
                    continue
                pos = self.depends_on_pos(stage, upstream)
                if self.is_template_file:
                    yield self.diagnostic(
                        "info",
                        f"stage {stage.name!r} depends on {upstream!r}, which is not a stage "
                        "of this template: the pipeline that uses it must define it",
                        pos, stage, "dependsOn", "unknown-dependency",
                    )
                elif self.opaque:
                    origin = ", ".join(s.template or s.name for s in self.opaque)
                    yield self.diagnostic(
                        "warning",
                        f"stage {stage.name!r} depends on {upstream!r}, which is not a stage "
                        f"of this file (it may come from {origin})",
                        pos, stage, "dependsOn", "unknown-dependency",
                    )
                else:
                    yield self.diagnostic(
                        "error", f"stage {stage.name!r} depends on unknown stage {upstream!r}",
                        pos, stage, "dependsOn", "unknown-dependency",
                    )

    def depends_on_pos(self, stage: Stage, upstream: str) -> Pos | None:
        """Where the `dependsOn` entry naming `upstream` is (the key if it was edited)."""
        node = stage.source.node if stage.source else None
        value = node.get("dependsOn") if isinstance(node, Mapping) else None
        if isinstance(value, str) and value == upstream:
            return _value_pos(node, "dependsOn")
        if isinstance(value, Sequence) and not isinstance(value, str):
            for index, item in enumerate(value):
                if item == upstream:
                    try:
                        return _plus_one(value.lc.item(index))
                    except (AttributeError, KeyError):
                        break
        return stage.key_pos.get("dependsOn") or stage.pos

    def direct(self, index: int) -> list[str]:
        stage = self.pipeline.stages[index]
        if stage.depends_on is not None:
            return list(stage.depends_on)
        return [self.pipeline.stages[index - 1].name] if index > 0 else []

    def cycles(self) -> Iterator[Diagnostic]:
        """Every cycle of the stage graph, named in run order, reported at the dependency
        of its first stage in the file that closes it."""
        stages = self.pipeline.stages
        graph = {
            index: [self.index_by_lower[dep.lower()] for dep in self.direct(index)
                    if dep.lower() in self.index_by_lower]
            for index in range(len(stages))
        }
        for component in _strongly_connected(graph):
            first = min(component)
            if len(component) == 1 and first not in graph[first]:
                continue
            path = _cycle_through(first, graph, set(component))
            stage = stages[first]
            names = [stages[i].name for i in [first, *reversed(path[1:])]]
            upstream = stages[path[1]].name if len(path) > 1 else stage.name
            written = next(d for d in self.direct(first) if d.lower() == upstream.lower())
            pos = self.depends_on_pos(stage, written)
            if len(path) == 1:
                message = f"stage {stage.name!r} depends on itself"
            else:
                message = "stages " + " → ".join([*names, names[0]]) + " form a cycle"
            yield self.diagnostic("error", message, pos, stage, "dependsOn", "cycle")

    def names(self) -> Iterator[Diagnostic]:
        """Invalid stage names, and names used twice in any case (Azure refuses both)."""
        seen: dict[str, list[Stage]] = {}
        all_names = {stage.name for stage in self.stages}
        for stage in self.stages:
            name = _declared_name(stage.name, _source_name(stage, "stage"), all_names)
            seen.setdefault(name.lower(), []).append(stage)
            if not _is_template(name) and not NAME_PATTERN.match(name):
                yield self.diagnostic(
                    "error", f"invalid stage name {name!r}: {_NAME_RULE}",
                    self.name_pos(stage), stage, "stage", "invalid-name",
                )
        for same in seen.values():
            if len(same) < 2:
                continue
            for stage in same:
                others = self.also_at(stage, same, "another stage")
                name = _declared_name(stage.name, _source_name(stage, "stage"), all_names)
                yield self.diagnostic(
                    "error", f"duplicate stage name {name!r} (also at {others})",
                    self.name_pos(stage), stage, "stage", "duplicate-stage",
                )

    def also_at(self, item: Stage | Job, same: list, unplaced: str) -> str:
        """Where the other items of a duplicated name stand: "line 12, line 40"."""
        places = [self.place(other.pos) for other in same if other is not item]
        return ", ".join(f"line {pos.line}" if pos else unplaced for pos in places)

    def name_pos(self, stage: Stage) -> Pos | None:
        node = stage.source.node if stage.source else None
        if _source_name(stage, "stage") is not None:
            return _value_pos(node, "stage")
        return stage.pos

    def starting_jobs(self) -> Iterator[Diagnostic]:
        """A stage needs a job that depends on no other job of the stage, where it starts:
        Azure's graph validation refuses the pipeline otherwise, and a stage with no job at
        all fails the same way ("Stage X must contain at least one job with no
        dependencies", `GraphValidator` and `PipelineStrings.StageNotValidNoStartingPhase`
        in Microsoft.TeamFoundation.DistributedTask.Pipelines; the docs, "Specify jobs in
        your pipeline": "Pipelines must contain at least one job with no dependencies").
        Jobs a `${{ }}` expression makes are not known here, so such stages are left alone.
        """
        if self.pipeline.implicit_stage:
            return
        for stage in self.pipeline.stages:
            if stage.kind != "stage":
                continue
            if stage.jobs and not all(_waits_for_a_job(job) for job in stage.jobs):
                continue  # the usual case, decided without reading the YAML
            if _jobs_from_expression(stage):
                continue
            name = _source_name(stage, "stage") or stage.name
            if not stage.jobs:
                yield self.diagnostic(
                    "error", f"stage {name!r} has no jobs: Azure needs at least one job in "
                    "a stage", self.name_pos(stage), stage, "jobs", "empty-stage",
                )
            else:
                yield self.diagnostic(
                    "error", f"every job of stage {name!r} depends on another job: Azure needs "
                    "one job with no dependencies to start the stage",
                    self.name_pos(stage), stage, "jobs", "no-starting-job",
                )

    def jobs(self) -> Iterator[Diagnostic]:
        for stage in self.pipeline.stages:
            seen: dict[str, list[tuple[Job, str]]] = {}
            items: dict[Pos | None, Mapping[str, Any]] | None = None
            all_names = {job.name for job in stage.jobs}
            for job in stage.jobs:
                if job.kind not in ("job", "deployment"):
                    continue
                item = None
                missing_environment = job.kind == "deployment" and not (
                    job.environment or job.environment_resource
                )
                gaps = _strategy_gaps(job.strategy) if job.kind == "deployment" else []
                if missing_environment or gaps or _UNIQUE_SUFFIX.fullmatch(job.name):
                    items = _job_items(stage) if items is None else items
                    item = items.get(job.pos)
                written = item.get(job.kind) if item is not None else None
                name = _declared_name(
                    job.name, written if isinstance(written, str) else None, all_names
                )
                if missing_environment and not _has_environment(job, item):
                    unnamed = item is not None and not written
                    yield self.diagnostic(
                        "error",
                        "deployment job " + ("" if unnamed else f"{name or job.name!r} ")
                        + "has no environment",
                        job.pos, stage, "environment", "deployment-environment",
                    )
                if gaps and item is not None:  # the model keeps no expression-made parts
                    gaps = _written_strategy_gaps(item)
                for gap in gaps:
                    yield self.diagnostic(
                        "error", f"deployment job {name or job.name!r}: {gap}",
                        job.pos, stage, "jobs", "deployment-strategy",
                    )
                if not name:
                    continue
                seen.setdefault(name.lower(), []).append((job, name))
                if not _is_template(name) and not NAME_PATTERN.match(name):
                    yield self.diagnostic(
                        "error", f"invalid job name {name!r}: {_NAME_RULE}",
                        job.pos, stage, "jobs", "invalid-name",
                    )
            for named in seen.values():
                if len(named) < 2:
                    continue
                same = [job for job, _ in named]
                for job, name in named:
                    others = self.also_at(job, same, "another job")
                    yield self.diagnostic(
                        "error",
                        f"duplicate job name {name!r} in stage {stage.name!r} (also at {others})",
                        job.pos, stage, "jobs", "duplicate-job",
                    )

    def conditions(self) -> Iterator[Diagnostic]:
        for index, stage in enumerate(self.pipeline.stages):
            if stage.kind != "stage" or not stage.condition or _is_template(stage.condition):
                continue
            error, referenced = _condition_facts(stage.condition)
            if error is None and self.all_visible(index, referenced):
                continue
            locate = self.condition_locator(stage)
            error, referenced = _condition_facts(locate.text)
            if error is not None:
                yield self.diagnostic(
                    "error", _syntax_message(error) + locate.suffix(error.column),
                    locate(error.column), stage, "condition", "condition-syntax",
                )
                continue
            yield from self.condition_references(index, stage, referenced, locate)

    def visible(self, index: int) -> set[str]:
        """Lower-cased names of the stages a stage's condition can see: its direct
        dependencies (and what a `${{ }}` block among them may hold)."""
        direct = self.direct(index)
        visible = set(direct)
        for dep in direct:
            upstream = self.index_by_lower.get(dep.lower())
            if upstream is not None and self.pipeline.stages[upstream].kind != "stage":
                visible.update(self.pipeline.stages[upstream].inner)
                visible.update(self.direct(upstream))
        return {name.lower() for name in visible}

    def all_visible(self, index: int, referenced: frozenset[str]) -> bool:
        if not referenced:
            return True
        direct = {name.lower() for name in self.direct(index)}
        if all(name.lower() in direct for name in referenced):
            return True  # the usual case, and the rule runs on every stage after each edit
        visible = self.visible(index)
        return all(name.lower() in visible or _is_template(name) for name in referenced)

    def condition_references(
        self, index: int, stage: Stage, referenced: frozenset[str], locate: _ConditionLocator
    ) -> Iterator[Diagnostic]:
        """Azure's `dependencies.X` (and `succeeded('X')`, …) only see direct dependencies."""
        visible_lower = self.visible(index)
        for name in sorted(referenced):
            if name.lower() in visible_lower or _is_template(name):
                continue
            column = _reference_column(locate.text, name)
            if name.lower() in self.known_lower:
                message = (
                    f"the condition of stage {stage.name!r} refers to stage {name!r}, which "
                    "is not one of its dependencies (conditions only see the stages in "
                    "dependsOn)"
                )
            elif self.opaque:
                continue
            else:
                message = f"the condition of stage {stage.name!r} refers to unknown stage {name!r}"
            yield self.diagnostic(
                "warning", message, locate(column), stage, "condition", "condition-reference"
            )

    def condition_locator(self, stage: Stage) -> _ConditionLocator:
        node = stage.source.node if stage.source else None
        value = node.get("condition") if isinstance(node, Mapping) else None
        if (
            self.source is not None
            and isinstance(value, str)
            and value.strip() == (stage.condition or "").strip()
        ):
            try:
                line0, column0 = node.lc.value("condition")
                return _ConditionLocator(value, self.source, (line0, column0), None)
            except (AttributeError, KeyError, TypeError):
                pass
        fallback = stage.key_pos.get("condition") or stage.pos
        return _ConditionLocator(stage.condition or "", None, None, fallback)


_UNIQUE_SUFFIX = re.compile(r"(.+)-\d+")


def _source_name(stage: Stage, key: str) -> str | None:
    """The name as written in the file, when the stage still has it (not renamed since)."""
    node = stage.source.node if stage.source else None
    if not isinstance(node, Mapping) or not isinstance(node.get(key), str):
        return None
    written = str(node[key])
    unique = _UNIQUE_SUFFIX.fullmatch(stage.name)
    return written if stage.name == written or (unique and unique[1] == written) else None


def _declared_name(name: str, written: str | None, names: set[str]) -> str:
    """The name as the author wrote it. The loader gives duplicates unique names
    (`Build`, `Build-2`); the file, or failing that the suffix, tells the real one."""
    if written is not None:
        return written
    match = _UNIQUE_SUFFIX.fullmatch(name)
    return match[1] if match and match[1] in names else name


def _job_items(stage: Stage) -> dict[Pos | None, Mapping[str, Any]]:
    """The YAML mappings of the stage's jobs, by the position of each job."""
    node = stage.source.node if stage.source else None
    items = node.get("jobs") if isinstance(node, Mapping) else None
    if not isinstance(items, list):
        return {}
    found: dict[Pos | None, Mapping[str, Any]] = {}
    for item in items:
        lc = getattr(item, "lc", None)
        if isinstance(item, Mapping) and lc is not None and lc.line is not None:
            found[Pos(lc.line + 1, lc.col + 1)] = item
    return found


def _is_expression_value(value: Any) -> bool:
    """A value a template expression makes: `${{ parameters.jobs }}`, or a mapping with a
    `${{ if }}` / `${{ each }}` key."""
    if isinstance(value, str):
        return _is_template(value)
    return isinstance(value, Mapping) and any(_is_template(str(key)) for key in value)


def _jobs_from_expression(stage: Stage) -> bool:
    node = stage.source.node if stage.source else None
    return isinstance(node, Mapping) and _is_expression_value(node.get("jobs"))


def _waits_for_a_job(job: Job) -> bool:
    """Whether the job surely depends on another job (a template's jobs, or a dependency
    a template expression or macro makes, may not)."""
    return job.kind in ("job", "deployment") and bool(job.depends_on) and not any(
        _is_template(name) or "$(" in name for name in job.depends_on or []
    )


_STRATEGIES = ("runOnce", "rolling", "canary")


def _strategy_gaps(strategy: Strategy | None) -> list[str]:
    """What Azure refuses in a deployment job's strategy (`DeploymentStrategyBuilder` in
    Microsoft.TeamFoundation.DistributedTask.WebApi): a life cycle hook without steps
    ("Deployment life cycle hook of type Deploy must contain steps to be run as part of
    the hook") and a strategy without a deploy hook ("Deployment strategy should contain
    life cycle hook of type 'Deploy'"). A job without `strategy:` runs once and passes.
    The model's reading; `_written_strategy_gaps` confirms it on the file's YAML."""
    if strategy is None:
        return []
    # A strategy with no hooks is written with an empty deploy hook (`yaml_values`).
    hooks = {hook: bool(steps) for hook, steps in strategy.hooks.items()} or {"deploy": False}
    return _gaps(strategy.kind, hooks)


def _gaps(kind: str, hooks: dict[str, bool]) -> list[str]:
    gaps = [f"its {hook} hook has no steps" for hook, has_steps in hooks.items()
            if not has_steps]
    if "deploy" not in hooks:
        gaps.append(f"its {kind} strategy has no deploy hook")
    return gaps


def _written_strategy_gaps(item: Mapping[str, Any]) -> list[str]:
    """The strategy gaps of a deployment job's YAML, where the model has none of the parts
    a template expression makes (such a strategy is left alone)."""
    strategy = item.get("strategy")
    if not isinstance(strategy, Mapping) or _is_expression_value(strategy):
        return []
    kind = next((key for key in _STRATEGIES if key in strategy), None)
    body = strategy.get(kind) if kind else None
    if kind is None or _is_expression_value(body) or not isinstance(body or {}, Mapping):
        return []
    body = body or {}
    found: dict[str, bool | None] = {hook: _has_steps(body[hook])
                                     for hook in HOOKS if hook in body}
    on = body.get("on")
    if _is_expression_value(on):
        return []
    if isinstance(on, Mapping):
        found.update({f"on.{outcome}": _has_steps(on[outcome])
                      for outcome in ("success", "failure") if outcome in on})
    if any(has_steps is None for has_steps in found.values()):
        return []
    return _gaps(kind, {hook: bool(has_steps) for hook, has_steps in found.items()})


def _has_steps(hook: Any) -> bool | None:
    """Whether a life cycle hook lists steps; None when a template expression makes them."""
    if _is_expression_value(hook):
        return None
    steps = hook.get("steps") if isinstance(hook, Mapping) else None
    if _is_expression_value(steps):
        return None
    return isinstance(steps, list) and bool(steps)


def _has_environment(job: Job, item: Mapping[str, Any] | None) -> bool:
    """A deployment job's environment, possibly set inside a `${{ if }}` block."""
    if job.environment or job.environment_resource:
        return True
    return item is not None and any(_is_template(str(key)) for key in item)


@dataclass
class _ConditionLocator:
    """Maps a column of a condition's text to the file: exactly when the text is the
    file's scalar, else to the `condition:` key (an edit not saved yet)."""

    text: str
    source: Source | None
    start: tuple[int, int] | None
    fallback: Pos | None

    def __call__(self, column: int) -> Pos | None:
        if self.source is not None and self.start is not None:
            return self.source.expression_pos(*self.start, self.text, column)
        return self.fallback

    def suffix(self, column: int) -> str:
        return "" if self.source is not None else f" (column {column} of the condition)"


@functools.lru_cache(maxsize=8192)
def _condition_facts(text: str) -> tuple[expressions.ExpressionError | None, frozenset[str]]:
    """A condition's syntax error or the stages it refers to; conditions rarely change
    between two edits, so each text is parsed once."""
    try:
        expressions.parse(text)
    except expressions.ExpressionError as error:
        return error, frozenset()
    return None, frozenset(expressions.referenced_stages(text))


def _syntax_message(error: expressions.ExpressionError) -> str:
    """The engine's message without its "Located at column …" tail: the diagnostic has the
    position in the file."""
    return "invalid condition: " + error.message.split(". Located at column")[0]


def _reference_column(text: str, name: str) -> int:
    """1-based column of the first token naming stage `name` in a condition."""
    wanted = name.lower()
    for token in expressions.tokenize(text):
        if token.kind in ("property", "string") and token.text.strip("'").lower() == wanted:
            return token.start + 1
    return 1


def _strongly_connected(graph: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iterative (pipelines can be long)."""
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    counter = 0
    for root in graph:
        if root in index_of:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph[node]
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index_of:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index_of[nxt])
                continue
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _cycle_through(start: int, graph: dict[int, list[int]], members: set[int]) -> list[int]:
    """A shortest dependency path from `start` back to itself inside one component,
    as [start, its upstream, that one's upstream, …]."""
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for upstream in graph[node]:
                if upstream not in members:
                    continue
                if upstream == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if upstream not in previous:
                    previous[upstream] = node
                    following.append(upstream)
        frontier = following
    return [start]


# ---------------------------------------------------------------- conditions in the tree


def _nested_conditions(root: Any, source: Source, file: str) -> list[Diagnostic]:
    """Syntax errors in the conditions of jobs and steps, at their column in the file."""
    found: list[Diagnostic] = []
    for node in _job_and_step_mappings(root, ""):
        value = node.get("condition")
        if not isinstance(value, str) or not value.strip() or _is_template(value):
            continue
        try:
            expressions.parse(value)
        except expressions.ExpressionError as error:
            try:
                start = node.lc.value("condition")
            except (AttributeError, KeyError, TypeError):
                continue
            pos = source.expression_pos(start[0], start[1], value, error.column)
            found.append(
                Diagnostic("error", _syntax_message(error), pos.line,
                           pos.column, file, field="condition", code="condition-syntax")
            )
    return found


def _job_and_step_mappings(
    node: Any, section: str, templated: bool = False
) -> Iterator[Mapping[str, Any]]:
    """Every mapping with a condition that the model does not hold: the items of `jobs:`
    and `steps:` lists (also inside deployment strategies) and the stages inside `${{ }}`
    blocks of a `stages:` list."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(key, str) and _is_template(key):
                yield from _job_and_step_mappings(value, section, True)
            else:
                yield from _job_and_step_mappings(value, str(key), False)
    elif isinstance(node, Sequence) and not isinstance(node, str):
        checked = section in ("jobs", "steps") or (section == "stages" and templated)
        for item in node:
            if checked and isinstance(item, Mapping) and "condition" in item:
                yield item
            yield from _job_and_step_mappings(item, section, templated)
