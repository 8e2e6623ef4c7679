"""An environment's App Service target proposed from the pipeline: the App Service
deployment steps of the deployment jobs that deploy to it (`AzureWebApp@1`,
`AzureRmWebAppDeployment@3/@4`) name the app, its resource group and the slot; a
`AzureAppServiceManage@0` "Swap Slots" step of that slot there names the slot it swaps with.

Task input names are matched in any case, as Azure's agent matches them, and under their
aliases. A value holding a macro `$(name)` is resolved from the variables the pipeline,
the stage and the job declare (a later scope wins, names in any case); a macro they do not
declare (a variable group, a queue-time variable), a template expression `${{ }}` or a
runtime expression `$[ ]` cannot be known here: the proposal names that field and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from release_manager.core.model import (
    PRODUCTION_SLOT,
    AppServiceTarget,
    Pipeline,
    Step,
    Variable,
    VariableEntry,
    VariableGroup,
)

# Per task, each target field's input names (the first is the documented one; then aliases).
_TASK_INPUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "AzureWebApp": {
        "connection": ("azureSubscription", "connectedServiceNameARM"),
        "app": ("appName",),
        "resource_group": ("resourceGroupName",),
        "to_slot": ("deployToSlotOrASE",),
        "slot": ("slotName",),
    },
    "AzureRmWebAppDeployment": {
        "connection": ("azureSubscription", "ConnectedServiceName"),
        "app": ("WebAppName",),
        "resource_group": ("ResourceGroupName",),
        "to_slot": ("deployToSlotOrASE", "DeployToSlotOrASEFlag"),
        "slot": ("SlotName",),
    },
}
_TASK_VERSIONS = {"AzureWebApp": {"1"}, "AzureRmWebAppDeployment": {"3", "4"}}
SWAP_TASK = "AzureAppServiceManage@0"
"""Its inputs: Action (default "Swap Slots"), SourceSlot, SwapWithProduction (default
true), TargetSlot."""
_FIELD_WORDS = {"subscription": "subscription", "app": "app",
                "resource_group": "resource group", "slot": "slot"}
MACRO = re.compile(r"\$\(([^()]+)\)")
_MAX_NESTING = 10


@dataclass
class Proposal:
    """What the pipeline says of an environment's target."""

    environment: str
    values: dict[str, str] = field(default_factory=dict)
    """Target field (`app`, `resource_group`, `slot`) → the value the steps give."""
    unresolved: dict[str, str] = field(default_factory=dict)
    """Target field → why its value cannot be known from the pipeline."""
    sources: list[str] = field(default_factory=list)
    """The steps read, as "Stage ▸ job ▸ Task@n"."""
    refusal: str = ""
    """Why nothing is proposed ("" when something is)."""

    def target(self, base: AppServiceTarget | None = None) -> AppServiceTarget:
        """`base` (the target as it is, or a new one) with the proposed values."""
        return replace(base or AppServiceTarget(), **self.values)

    def summary(self) -> str:
        """One paragraph for the user: where it came from and what it could not tell."""
        if self.refusal:
            return self.refusal
        lines = [f"Proposed from {', '.join(self.sources)}."]
        lines += [f"The {_FIELD_WORDS[name]} is not known: {why}."
                  for name, why in self.unresolved.items()]
        return " ".join(lines)


@dataclass(frozen=True)
class _Found:
    source: str
    values: dict[str, str]
    unresolved: dict[str, str]


def propose(pipeline: Pipeline, environment: str) -> Proposal:
    """The target the pipeline's App Service deployment steps to `environment` give.
    Several different apps or slots: nothing is proposed, and the proposal says which."""
    wanted = environment.casefold()
    found: list[_Found] = []
    swaps: list[tuple[str, str]] = []  # (source slot, the slot it swaps with)
    for stage in pipeline.stages:
        for job in stage.jobs:
            if job.kind != "deployment" or (job.environment or "").casefold() != wanted:
                continue
            variables = _variables(pipeline.variables, stage.variables, job.variables)
            for step in job.all_steps():
                read = _read_step(step, variables)
                if read is not None:
                    values, unresolved = read
                    found.append(_Found(f"{stage.name} ▸ {job.name} ▸ {step.value}",
                                        values, unresolved))
                swap = _read_swap(step, variables)
                if swap is not None:
                    swaps.append(swap)
    proposal = Proposal(environment)
    if not found:
        proposal.refusal = (
            f"No deployment job to {environment} has an AzureWebApp@1 or "
            "AzureRmWebAppDeployment@4 step to propose a target from.")
        return proposal
    targets = {_key(item) for item in found}
    if len(targets) > 1:
        listed = "; ".join(f"{item.source}: {_describe(item)}" for item in found)
        proposal.refusal = (f"The steps deploying to {environment} name different apps or "
                            f"slots, so none is proposed: {listed}.")
        return proposal
    first = found[0]
    proposal.values, proposal.unresolved = dict(first.values), dict(first.unresolved)
    proposal.sources = [item.source for item in found]
    slot = proposal.values.get("slot", "").casefold()
    partners = {other for source, other in swaps if source.casefold() == slot}
    if slot and slot != PRODUCTION_SLOT and len(partners) == 1:
        proposal.values["swap_with"] = partners.pop()
    return proposal


def _read_swap(step: Step, variables: tuple[_Variables, list[str]]) -> tuple[str, str] | None:
    """A "Swap Slots" step's (source slot, the slot it swaps with), when both are known."""
    if step.kind != "task" or step.value != SWAP_TASK or not step.enabled:
        return None
    inputs = {str(key).casefold(): _text(value) for key, value in step.inputs.items()}
    resolved = {name: _resolve(inputs[name], variables)[0] for name in
                ("action", "sourceslot", "swapwithproduction", "targetslot") if name in inputs}
    if resolved.get("action", "Swap Slots").casefold() != "swap slots":
        return None
    source = resolved.get("sourceslot", "")
    with_production = resolved.get("swapwithproduction", "true").casefold() == "true"
    other = PRODUCTION_SLOT if with_production else resolved.get("targetslot", "")
    return (source, other) if source and other else None


def _key(found: _Found) -> tuple[tuple[str, str], ...]:
    both = {**found.values, **{name: f"?{why}" for name, why in found.unresolved.items()
                               if name != "subscription"}}
    return tuple(sorted((name, value.casefold()) for name, value in both.items()))


def _describe(found: _Found) -> str:
    app = found.values.get("app", "an app not known here")
    return f"{app}, slot {found.values.get('slot', 'not known here')}"


_Variables = dict[str, str | None]
"""A variable's name, casefolded → its value (None: declared where its value is not
known here, e.g. a variable group)."""


def _variables(*scopes: list[VariableEntry]) -> tuple[_Variables, list[str]]:
    values: _Variables = {}
    groups: list[str] = []
    for scope in scopes:
        for entry in scope:
            if isinstance(entry, Variable):
                values[entry.name.casefold()] = entry.value
            elif isinstance(entry, VariableGroup):
                groups.append(entry.group)
    return values, groups


def _read_step(step: Step, variables: tuple[_Variables, list[str]]
               ) -> tuple[dict[str, str], dict[str, str]] | None:
    task, _, version = step.value.partition("@")
    names = _TASK_INPUTS.get(task)
    if step.kind != "task" or names is None or version not in _TASK_VERSIONS[task] or \
            not step.enabled:
        return None
    inputs = {str(key).casefold(): value for key, value in step.inputs.items()}

    def given(name: str) -> str | None:
        for alias in names[name]:
            value = inputs.get(alias.casefold())
            if value is not None:
                return _text(value)
        return None

    values: dict[str, str] = {}
    unresolved: dict[str, str] = {}
    connection = given("connection")
    if connection:  # a service connection's name: which subscription it holds is Azure's
        unresolved["subscription"] = (f"the step names the service connection {connection!r},"
                                      " not the subscription it uses")
    for name in ("app", "resource_group"):
        raw = given(name)
        if raw:
            _resolve_into(name, raw, variables, values, unresolved)
    to_slot = given("to_slot")
    resolved: dict[str, str] = {}
    if to_slot is not None:
        _resolve_into("to_slot", to_slot, variables, resolved, unresolved)
    if "to_slot" in unresolved:
        unresolved["slot"] = unresolved.pop("to_slot")
    elif resolved.get("to_slot", "false").casefold() == "true":
        _resolve_into("slot", given("slot") or PRODUCTION_SLOT, variables, values, unresolved)
    else:
        values["slot"] = PRODUCTION_SLOT
    return values, unresolved


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _resolve_into(name: str, raw: str, variables: tuple[_Variables, list[str]],
                  values: dict[str, str], unresolved: dict[str, str]) -> None:
    value, why = _resolve(raw, variables)
    if why:
        unresolved[name] = why
    else:
        values[name] = value


def _resolve(raw: str, variables: tuple[_Variables, list[str]]) -> tuple[str, str]:
    """(value, "") or ("", why it cannot be known here)."""
    known, groups = variables
    if "${{" in raw:
        return "", f"{raw} is a template expression, known only when the run is queued"
    if "$[" in raw:
        return "", f"{raw} is a runtime expression, known only when the stage runs"
    value = raw
    for _ in range(_MAX_NESTING):
        names = MACRO.findall(value)
        if not names:
            return value, ""
        for name in names:
            found = known.get(name.strip().casefold())
            if found is None:
                where = (f"variable group {', '.join(repr(g) for g in groups)}" if groups
                         else "a variable set when the run is queued")
                return "", (f"{raw}: $({name}) is not among the pipeline's variables (it may "
                            f"come from {where})")
            value = value.replace(f"$({name})", found)
    return "", f"{raw}: its variables refer to each other too deeply"
