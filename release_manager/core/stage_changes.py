"""What edits change in a stage as the release engine reads it: its name, condition,
dependencies, environments and those environments' policies. The window names these when
an action would use the saved file rather than what it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from release_manager.core.model import ApprovalPolicy, Environment, Pipeline, Stage

DEFAULT_CONDITION = "succeeded()"

Aspect = Literal["stage", "condition", "dependencies", "environments", "approval", "checks"]


@dataclass(frozen=True)
class StageChange:
    aspect: Aspect
    text: str

    def __str__(self) -> str:
        return self.text


def stage_changes(saved: Pipeline, edited: Pipeline, name: str) -> list[StageChange]:
    """One change per difference of stage `name` between `saved` (the file) and `edited`
    (the window). The stage is found again by its uid, so a rename reads as one."""
    before = _find(saved, name)
    if before is None:
        return []
    after = next((s for s in edited.stages if s.uid == before.uid), None) or _find(edited, name)
    if after is None:
        return [StageChange("stage", "removed from the pipeline")]
    changes = []
    if after.name != before.name:
        changes.append(StageChange("stage", f"renamed to {after.name}"))
    shown, kept = _condition(after), _condition(before)
    if shown != kept:
        changes.append(StageChange("condition", f"condition {shown} (saved: {kept})"))
    shown_needs, kept_needs = edited.dependencies(after.name), saved.dependencies(name)
    if shown_needs != kept_needs:
        changes.append(StageChange("dependencies", f"depends on {_names(shown_needs)} "
                                                   f"(saved: {_names(kept_needs)})"))
    if after.environments != before.environments:
        changes.append(StageChange("environments", f"deploys to {_names(after.environments)} "
                                                   f"(saved: {_names(before.environments)})"))
    for environment in dict.fromkeys(before.environments + after.environments):
        kept_env = saved.environments.get(environment)
        shown_env = edited.environments.get(environment)
        shown_policy, kept_policy = _policy(shown_env), _policy(kept_env)
        if shown_policy != kept_policy:
            shown_text, kept_text = _approval(shown_policy), _approval(kept_policy)
            text = f"needs {shown_text} (saved: {kept_text})" if shown_text != kept_text \
                else "has other approval instructions or timeout"
            changes.append(StageChange("approval", f"{environment} {text}"))
        if _checks(shown_env) != _checks(kept_env):
            changes.append(StageChange(
                "checks", f"{environment} has other checks (business hours, lock, health "
                          "check)"))
    return changes


def first_stages(pipeline: Pipeline) -> list[str]:
    """The stages a run builds: those that depend on nothing."""
    dependencies = pipeline.dependency_map()
    return [stage.name for stage in pipeline.stages
            if stage.kind == "stage" and not dependencies[stage.name]]


def _find(pipeline: Pipeline, name: str) -> Stage | None:
    return next((stage for stage in pipeline.stages if stage.name == name), None)


def _condition(stage: Stage) -> str:
    return " ".join((stage.condition or DEFAULT_CONDITION).split())


def _names(names: list[str]) -> str:
    return ", ".join(names) or "nothing"


def _policy(environment: Environment | None) -> ApprovalPolicy | None:
    policy = environment.approval if environment is not None else None
    return policy if policy is not None and policy.approvers else None


def _approval(policy: ApprovalPolicy | None) -> str:
    if policy is None:
        return "no approval"
    return f"approval by {', '.join(policy.approvers)} ({_rules(policy)})"


def _rules(policy: ApprovalPolicy) -> str:
    rules = [f"{policy.minimum_approvers} needed"]
    if policy.requester_cannot_approve:
        rules.append("not by the requester")
    if policy.order != "any":
        rules.append(f"{policy.order} order")
    return ", ".join(rules)


def _checks(environment: Environment | None) -> tuple[object, ...]:
    if environment is None:
        return (None, False, False)
    return (environment.business_hours, environment.exclusive_lock, environment.health_check)
