"""The pipeline model: what an azure-pipelines.yml says about releases.

The model is plain data. `core.pipeline_yaml` builds it from a file and writes it back,
splicing only what changed into the original text; the editing operations on `Pipeline`
are the only way the GUI and the CLI change it. Approval policies live outside the YAML
in Azure, so `Pipeline.environments` is loaded from and saved to a file of its own
(`core.environments_file`).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

_uids = itertools.count(1)

_JOB_LEVEL = frozenset({"environment"})
"""What a stage holds in its jobs (a deployment job's environment): editable on the implicit
stage of a jobs-only file too, whose stage-level keys the YAML cannot hold."""

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""Stage and job names Azure accepts: letters, digits and underscores, not led by a digit."""


def _next_uid() -> int:
    return next(_uids)


class ModelError(ValueError):
    """An editing operation that the pipeline cannot take (unknown stage, cycle, bad name)."""


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in the source file."""

    line: int
    column: int


class SourceRef:
    """The YAML node a model object came from, shared (never copied) between snapshots."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    def __deepcopy__(self, memo: dict[int, Any]) -> SourceRef:
        return self

    def __repr__(self) -> str:
        return "SourceRef(...)"


@dataclass(frozen=True, eq=False)
class StageText:
    """A stage's own YAML, carried by a stage that is not in the file (a pasted copy), so
    it is written as it was and not only as the model holds it (a `strategy: matrix`, a
    job's `container` or a comment would be lost otherwise). `text` is its list item with
    the dash at column 0 and "\\n" line breaks; `as_read` is the stage that text says,
    which the stage's later edits are compared with. Immutable, so shared by snapshots."""

    text: str
    as_read: Stage

    def __deepcopy__(self, memo: dict[int, Any]) -> StageText:
        return self


@dataclass
class Filter:
    """An include/exclude list (branches, paths, tags)."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.include and not self.exclude


@dataclass
class Trigger:
    """A CI (`trigger:`) or PR (`pr:`) trigger.

    `mode` is "default" when the key is absent (every branch triggers), "none" for
    `trigger: none`, "list" for the short form (`trigger: [main, release/*]`, branches in
    `branches.include`) and "full" for the mapping form.
    """

    mode: Literal["default", "none", "list", "full"] = "default"
    branches: Filter = field(default_factory=Filter)
    paths: Filter = field(default_factory=Filter)
    tags: Filter = field(default_factory=Filter)
    batch: bool = False
    auto_cancel: bool | None = None
    drafts: bool | None = None
    expression: str | None = None
    """Set when the whole value is a `${{ }}` template expression, kept verbatim."""


@dataclass
class Schedule:
    cron: str
    display_name: str = ""
    branches: Filter = field(default_factory=Filter)
    always: bool = False
    batch: bool = False
    pos: Pos | None = None


@dataclass
class Variable:
    name: str
    value: str = ""
    readonly: bool = False


@dataclass
class VariableGroup:
    group: str


@dataclass
class VariableTemplate:
    template: str
    parameters: dict[str, Any] = field(default_factory=dict)


VariableEntry = Variable | VariableGroup | VariableTemplate


@dataclass
class Parameter:
    name: str
    type: str = "string"
    default: Any = None
    display_name: str = ""
    values: list[Any] = field(default_factory=list)


StepKind = Literal[
    "script", "bash", "pwsh", "powershell", "task", "checkout", "download", "publish",
    "template", "getPackage", "reviewApp", "expression", "unknown",
]


@dataclass
class Step:
    """One step. `value` holds the script text, the task reference (`Name@1`), the checkout
    or download source, the publish path or the template path, depending on `kind`."""

    kind: StepKind
    value: str = ""
    display_name: str = ""
    name: str = ""
    condition: str | None = None
    continue_on_error: bool = False
    enabled: bool = True
    timeout_in_minutes: int | None = None
    working_directory: str = ""
    env: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    """Task inputs, or the other keys of download/publish/checkout (artifact, path, …)."""
    pos: Pos | None = None

    @property
    def task_name(self) -> str:
        """`PublishPipelineArtifact` for `PublishPipelineArtifact@1`; "" for other kinds."""
        return self.value.split("@", 1)[0] if self.kind == "task" else ""


@dataclass
class Strategy:
    """A deployment job's strategy with its lifecycle hooks, each a list of steps.

    Hook names as in the YAML: preDeploy, deploy, routeTraffic, postRouteTraffic,
    on.failure, on.success.
    """

    kind: Literal["runOnce", "rolling", "canary"] = "runOnce"
    hooks: dict[str, list[Step]] = field(default_factory=dict)
    max_parallel: str = ""
    increments: list[str] = field(default_factory=list)


@dataclass
class Job:
    name: str
    kind: Literal["job", "deployment", "template", "expression"] = "job"
    display_name: str = ""
    depends_on: list[str] | None = None
    condition: str | None = None
    environment: str | None = None
    environment_resource: str | None = None
    strategy: Strategy | None = None
    steps: list[Step] = field(default_factory=list)
    pool: Any = None
    variables: list[VariableEntry] = field(default_factory=list)
    timeout_in_minutes: int | None = None
    continue_on_error: bool = False
    template: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    pos: Pos | None = None

    def snapshot(self) -> Job:
        """A copy for a pipeline snapshot: its own fields and dependency list; what edits
        replace but never change in place (steps, strategy, pool, variables, parameters)
        is shared."""
        copied = copy.copy(self)
        copied.depends_on = None if self.depends_on is None else list(self.depends_on)
        return copied

    def all_steps(self) -> list[Step]:
        """The steps of a job, or every hook's steps of a deployment, in run order."""
        if self.strategy is None:
            return list(self.steps)
        return [step for hook in self.strategy.hooks.values() for step in hook]


@dataclass
class Stage:
    """A stage; also a stage template reference (`kind == "template"`, `template` set) or a
    `${{ if }}` / `${{ each }}` block kept verbatim (`kind == "expression"`, `name` is the
    expression key and `inner` the names of the stages it holds)."""

    name: str
    kind: Literal["stage", "template", "expression"] = "stage"
    display_name: str = ""
    depends_on: list[str] | None = None
    """None when the key is absent (the implicit rule applies); [] for `dependsOn: []`."""
    condition: str | None = None
    variables: list[VariableEntry] = field(default_factory=list)
    lock_behavior: Literal["", "sequential", "runLatest"] = ""
    is_skippable: bool | None = None
    jobs: list[Job] = field(default_factory=list)
    pool: Any = None
    template: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    inner: list[str] = field(default_factory=list)
    resolved: Stage | None = None
    """For a template reference whose file was found: the stages it expands to are read-only
    and summarised here as one stage (jobs, environments)."""
    pos: Pos | None = None
    key_pos: dict[str, Pos] = field(default_factory=dict)
    """Positions of this stage's keys (`condition`, `dependsOn`, …) in the source file."""
    uid: int = field(default_factory=_next_uid, compare=False)
    source: SourceRef | None = field(default=None, compare=False, repr=False)
    origin: StageText | None = field(default=None, compare=False, repr=False)
    """The YAML this stage is written from when it is not in the file yet (a paste)."""

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def snapshot(self) -> Stage:
        """A copy for a pipeline snapshot, as `Job.snapshot`: the stage's fields, its
        dependency list, its key positions and its jobs are its own; what edits replace
        but never change in place (steps, pools, variables, parameters, a resolved
        template) is shared. The uid, source and origin stay: it is the same stage."""
        copied = copy.copy(self)
        copied.depends_on = None if self.depends_on is None else list(self.depends_on)
        copied.key_pos = dict(self.key_pos)
        copied.jobs = [job.snapshot() for job in self.jobs]
        return copied

    def same_as(self, other: Stage) -> bool:
        """The same stage (uid, source, origin) holding the same values. Every field
        compared at once, positions and shared parts by identity first: a stage and its
        snapshot compare in a few microseconds."""
        return self.__dict__ == other.__dict__

    @property
    def environments(self) -> list[str]:
        """Environment names of the stage's deployment jobs (and of its resolved template)."""
        names = [j.environment for j in self.jobs if j.kind == "deployment" and j.environment]
        if self.resolved is not None:
            names += [n for n in self.resolved.environments if n not in names]
        return list(dict.fromkeys(names))

    @property
    def editable(self) -> bool:
        """`${{ }}` blocks are shown, never edited."""
        return self.kind != "expression"


def starter_job() -> Job:
    """The job a new stage starts with, for the user to edit. Azure refuses a stage with
    no job ("Stage X must contain at least one job with no dependencies"); a job with one
    `script` step is the smallest one it runs, here and on an agent."""
    return Job(name="Job", steps=[Step("script", "echo Add the steps of this stage here")])


@dataclass
class BusinessHours:
    days: list[str] = field(
        default_factory=lambda: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    )
    start: str = "09:00"
    end: str = "17:00"
    time_zone: str = "UTC"


@dataclass
class ApprovalPolicy:
    """Azure's Approval check for an environment."""

    approvers: list[str] = field(default_factory=list)
    minimum_approvers: int = 1
    requester_cannot_approve: bool = False
    order: Literal["any", "sequential"] = "any"
    timeout_minutes: int = 43200
    instructions: str = ""


PRODUCTION_SLOT = "production"
"""The name Azure gives an App Service app's own (live) slot."""


@dataclass(frozen=True)
class AppServiceTarget:
    """Where an environment's deployments go on Azure App Service: one app's slot. Locally
    the environment's folder is the app, and its slots are folders beside production."""

    subscription: str = ""
    resource_group: str = ""
    app: str = ""
    """The three above name the app on Azure; the local backend does not need them."""
    slot: str = PRODUCTION_SLOT
    """The slot deployments go to (`production`: the app itself)."""
    swap_with: str = ""
    """The slot a healthy deployment is swapped into, the swap step ("": none)."""
    health_path: str = ""
    """The path the health check asks ("": the app's own health check path, else /)."""


@dataclass
class Environment:
    name: str
    approval: ApprovalPolicy | None = None
    business_hours: BusinessHours | None = None
    exclusive_lock: bool = False
    health_check: bool = False
    """Check the environment answers after each deployment (locally: its own site)."""
    health_check_url: str = ""
    """Where a remote environment answers; the local backend serves its own site."""
    app_service: AppServiceTarget | None = None
    """The App Service slot the environment is (None: not mapped to one)."""


@dataclass
class Pipeline:
    name: str = ""
    trigger: Trigger = field(default_factory=Trigger)
    pr: Trigger = field(default_factory=Trigger)
    schedules: list[Schedule] = field(default_factory=list)
    variables: list[VariableEntry] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    implicit_stage: bool = False
    """True when the file has only `jobs:` or `steps:`: one stage named `__default`."""
    environments: dict[str, Environment] = field(default_factory=dict)

    # ----------------------------------------------------------------- reading

    def stage(self, name: str) -> Stage:
        """The stage `name`, matched without regard to case, as Azure matches stage names."""
        return self.stages[self._index(name)]

    def has_stage(self, name: str) -> bool:
        return self._find(name) is not None

    def resolve(self, name: str) -> str:
        """The name stage `name` (in any case) declares; `name` itself when no stage has it."""
        index = self._find(name)
        return name if index is None else self.stages[index].name

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def dependencies(self, name: str) -> list[str]:
        """The stages `name` depends on, after Azure's implicit rule: no `dependsOn` means
        the stage before it (none for the first); `dependsOn: []` means none. Each by the
        name its stage declares (`dependsOn: build` names stage `Build`)."""
        return _Names(self.stages).dependencies(self._index(name))

    def dependency_map(self) -> dict[str, list[str]]:
        """Every stage's `dependencies` in one pass (a name used twice: its first stage)."""
        names = _Names(self.stages)
        result: dict[str, list[str]] = {}
        for index, stage in enumerate(self.stages):
            if stage.name not in result:
                result[stage.name] = names.dependencies(index)
        return result

    def edges(self) -> list[tuple[str, str]]:
        """(upstream, downstream) pairs for every dependency on a known stage."""
        names = _Names(self.stages)
        return [
            (upstream, stage.name)
            for index, stage in enumerate(self.stages)
            for upstream in names.dependencies(index)
            if names.find(upstream) is not None
        ]

    def dependants(self, name: str) -> list[str]:
        name = self.resolve(name)
        return [down for up, down in self.edges() if up == name]

    def ancestors(self, name: str) -> list[str]:
        """Every stage `name` depends on, directly or not, nearest first."""
        names = _Names(self.stages)
        seen: dict[str, None] = {}
        frontier = deque(names.dependencies(self._index(name)))
        while frontier:
            current = frontier.popleft()
            index = names.find(current)
            if current in seen or index is None:
                continue
            seen[current] = None
            frontier.extend(names.dependencies(index))
        return list(seen)

    def environment(self, name: str) -> Environment:
        """The environment's settings, created empty on first use."""
        if name not in self.environments:
            self.environments[name] = Environment(name)
        return self.environments[name]

    def snapshot(self, previous: Pipeline | None = None) -> Pipeline:
        """A copy for undo and diffing, never to be edited. Cheap enough for every edit:
        each stage is copied as `Stage.snapshot` does, and a stage still the same as its
        copy in `previous` (an earlier snapshot of this pipeline) shares that copy, so an
        edit copies only the stages it changed. The rest of the pipeline (triggers,
        schedules, environments: small) is copied whole."""
        kept = {} if previous is None else {stage.uid: stage for stage in previous.stages}
        stages = []
        for stage in self.stages:
            record = kept.get(stage.uid)
            stages.append(record if record is not None and record.same_as(stage)
                          else stage.snapshot())
        return self._copy_with(stages)

    def restore(self, snapshot: Pipeline) -> None:
        """Make this pipeline equal to `snapshot` in place (undo), keeping its identity so
        that the document and the views holding it see the change. A stage equal to its
        copy in `snapshot` stays as it is; the others are copied from it (the snapshot
        stays unshared, ready for the next undo or redo)."""
        live = {stage.uid: stage for stage in self.stages}
        stages = []
        for record in snapshot.stages:
            stage = live.pop(record.uid, None)
            stages.append(stage if stage is not None and stage.same_as(record)
                          else record.snapshot())
        self.__dict__.update(snapshot._copy_with(stages).__dict__)

    def _copy_with(self, stages: list[Stage]) -> Pipeline:
        """This pipeline with `stages`, every other field copied deeply."""
        return Pipeline(
            name=self.name,
            trigger=copy.deepcopy(self.trigger),
            pr=copy.deepcopy(self.pr),
            schedules=copy.deepcopy(self.schedules),
            variables=copy.deepcopy(self.variables),
            parameters=copy.deepcopy(self.parameters),
            resources=copy.deepcopy(self.resources),
            stages=stages,
            implicit_stage=self.implicit_stage,
            environments=copy.deepcopy(self.environments),
        )

    # ----------------------------------------------------------------- editing

    def add_stage(
        self,
        name: str,
        *,
        index: int | None = None,
        depends_on: list[str] | None = None,
        display_name: str = "",
    ) -> Stage:
        """Add a stage at `index` (default: the end). Its dependencies are explicit, so
        adding a stage never rewires the stages around it. It starts with one job
        (`starter_job`): Azure refuses a stage without jobs."""
        self._check_new_name(name)
        index = len(self.stages) if index is None else max(0, min(index, len(self.stages)))
        self._freeze_implicit(index)
        if depends_on is None:
            depends_on = [self.stages[index - 1].name] if index > 0 else []
        for upstream in depends_on:
            self.stage(upstream)
        stage = Stage(name=name, display_name=display_name, depends_on=list(depends_on),
                      jobs=[starter_job()])
        self.stages.insert(index, stage)
        return stage

    def insert_stage(self, stage: Stage, index: int) -> None:
        """Put back a stage object (undo of a removal, paste)."""
        self._check_new_name(stage.name)
        self.stages.insert(max(0, min(index, len(self.stages))), stage)

    def remove_stage(self, name: str, *, reconnect: bool = True) -> Stage:
        """Remove a stage. Its dependants either inherit its dependencies (`reconnect`,
        so Build → Dev → Test without Dev becomes Build → Test) or just lose it."""
        index = self._index(name)
        upstream = self.dependencies(name)
        self._freeze_implicit(index + 1)
        removed = self.stages.pop(index)
        key = removed.name.lower()
        for stage in self.stages:
            if stage.depends_on is None or key not in map(str.lower, stage.depends_on):
                continue
            kept = [dep for dep in stage.depends_on if dep.lower() != key]
            if reconnect:
                kept += [dep for dep in upstream
                         if dep.lower() not in map(str.lower, kept)]
            stage.depends_on = kept
        return removed

    def rename_stage(self, old: str, new: str) -> None:
        """Rename a stage and every reference to it: `dependsOn` entries and the stage's
        name inside conditions (`dependencies.Old`, `succeeded('Old')`, …)."""
        from release_manager.core.expressions import rename_stage_references

        if old == new:
            return
        stage = self._editable(old, "name")
        self._check_new_name(new, renamed=stage)
        key = stage.name.lower()
        stage.name = new
        for other in self.stages:
            if other.depends_on is not None:
                other.depends_on = [new if dep.lower() == key else dep
                                    for dep in other.depends_on]
            if other.condition:
                other.condition = rename_stage_references(other.condition, old, new)

    def connect(self, upstream: str, downstream: str) -> None:
        """Make `downstream` depend on `upstream`; refuses cycles and self-loops."""
        upstream = self.stage(upstream).name
        stage = self._editable(downstream, "dependencies")
        downstream = stage.name
        if upstream == downstream:
            raise ModelError(f"stage {upstream!r} cannot depend on itself")
        if upstream in self.dependencies(downstream):
            raise ModelError(f"{downstream!r} already depends on {upstream!r}")
        if downstream == upstream or downstream in self.ancestors(upstream):
            raise ModelError(
                f"connecting {upstream!r} → {downstream!r} would make a cycle: "
                f"{upstream!r} already runs after {downstream!r}"
            )
        stage.depends_on = self.dependencies(downstream) + [upstream]

    def disconnect(self, upstream: str, downstream: str) -> None:
        stage = self._editable(downstream, "dependencies")
        current = self.dependencies(downstream)
        upstream = self.resolve(upstream)
        if upstream not in current:
            raise ModelError(f"{downstream!r} does not depend on {upstream!r}")
        stage.depends_on = [dep for dep in current if dep != upstream]

    def set_depends_on(self, name: str, depends_on: list[str] | None) -> None:
        """Set the dependency list outright (None: back to the implicit rule)."""
        stage = self._editable(name, "dependencies")
        name = stage.name
        previous = stage.depends_on
        stage.depends_on = None if depends_on is None else list(depends_on)
        if any(name in self.ancestors(dep) or dep == name for dep in self.dependencies(name)):
            stage.depends_on = previous
            raise ModelError(f"those dependencies would make {name!r} depend on itself")

    def set_condition(self, name: str, condition: str | None) -> None:
        """Set a stage's condition; None or blank removes it (Azure then uses succeeded())."""
        stage = self._editable(name, "condition")
        stage.condition = condition if condition and condition.strip() else None

    def set_display_name(self, name: str, display_name: str) -> None:
        self._editable(name, "display name").display_name = display_name

    def set_environment(self, name: str, environment: str | None) -> None:
        """Point the stage's deployment jobs at `environment`; a stage without one gets a
        deployment job `Deploy` so it can be promoted to, with one step (Azure refuses a
        deploy hook without steps). None removes the environment."""
        stage = self._editable(name, "environment")
        deployments = [job for job in stage.jobs if job.kind == "deployment"]
        if environment is None:
            for job in deployments:
                job.environment = None
            return
        if not deployments:
            job = Job(name="Deploy", kind="deployment", strategy=Strategy("runOnce", hooks={
                "deploy": [Step("script", "echo Deploying to $(Environment.Name)")],
            }))
            stage.jobs.append(job)
            deployments = [job]
        for job in deployments:
            job.environment = environment
        self.environment(environment)

    def add_schedule(self, schedule: Schedule, index: int | None = None) -> None:
        self.schedules.insert(len(self.schedules) if index is None else index, schedule)

    def set_schedule(self, index: int, schedule: Schedule) -> None:
        self.schedules[index] = schedule

    def remove_schedule(self, index: int) -> Schedule:
        return self.schedules.pop(index)

    def reorder_stage(self, name: str, new_index: int) -> None:
        """Move a stage in the file's order without changing what depends on what."""
        old_index = self._index(name)
        new_index = max(0, min(new_index, len(self.stages) - 1))
        # The moved stage, the one after its old place and the one after its new place.
        after_new = new_index + 1 if new_index > old_index else new_index
        self._freeze_implicit(old_index, old_index + 1, after_new)
        stage = self.stages.pop(old_index)
        self.stages.insert(new_index, stage)

    # ----------------------------------------------------------------- helpers

    def _index(self, name: str) -> int:
        index = self._find(name)
        if index is None:
            raise ModelError(f"there is no stage named {name!r}")
        return index

    def _find(self, name: str) -> int | None:
        key = name.lower()
        return next((i for i, stage in enumerate(self.stages) if stage.name.lower() == key),
                    None)

    def _editable(self, name: str, what: str) -> Stage:
        """The stage `name`, refusing kinds whose `what` the YAML cannot hold: a template
        reference has only its parameters, a `${{ }}` block is kept verbatim."""
        stage = self.stage(name)
        if stage.kind == "template":
            raise ModelError(
                f"{name!r} is a stage template reference; its {what} is set in "
                f"{stage.template or 'the template file'}"
            )
        if stage.kind == "expression":
            raise ModelError(f"{name!r} is a ${{{{ }}}} block kept as written; edit it in the YAML")
        if self.implicit_stage and what not in _JOB_LEVEL:
            raise ModelError(
                f"this pipeline has no stages: list (its jobs run in one implicit stage), so "
                f"a stage's {what} has nowhere to be written; add a stages: list in the YAML "
                "first")
        return stage

    def _check_new_name(self, name: str, renamed: Stage | None = None) -> None:
        """A name a stage may take: Azure's pattern, and no other stage's name in any case
        (`renamed`, the stage taking it, may change the case of its own)."""
        if not NAME_PATTERN.match(name):
            raise ModelError(
                f"{name!r} is not a valid stage name: use letters, digits and underscores, "
                "not starting with a digit"
            )
        index = self._find(name)
        if index is not None and self.stages[index] is not renamed:
            raise ModelError(f"there is already a stage named {self.stages[index].name!r}")

    def _freeze_implicit(self, *indices: int) -> None:
        """Write out the implicit dependency of the stages at `indices`, whose predecessor
        in the file is about to change, so the graph stays what the user sees."""
        for index in sorted(set(indices)):
            if not 0 <= index < len(self.stages):
                continue
            stage = self.stages[index]
            if stage.depends_on is None and stage.kind == "stage":
                stage.depends_on = self.dependencies(stage.name)


class _Names:
    """The stages of a pipeline by name in any case (the first of each), for the passes
    that look many names up: each lookup costs O(1) instead of a scan of the stages."""

    def __init__(self, stages: list[Stage]) -> None:
        self.stages = stages
        self.index: dict[str, int] = {}
        for index, stage in enumerate(stages):
            self.index.setdefault(stage.name.lower(), index)

    def find(self, name: str) -> int | None:
        return self.index.get(name.lower())

    def resolve(self, name: str) -> str:
        index = self.find(name)
        return name if index is None else self.stages[index].name

    def dependencies(self, index: int) -> list[str]:
        stage = self.stages[index]
        if stage.depends_on is not None:
            return [self.resolve(name) for name in stage.depends_on]
        return [self.stages[index - 1].name] if index > 0 else []
