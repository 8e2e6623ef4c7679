"""What edits change in a stage as the release engine reads it: its name, condition,
dependencies, environments, those environments' policies, and the jobs and steps it runs.
The window names these when an action would use the saved file rather than what it
shows; a promotion's plan names them when the file on disk changed a stage since the
build being promoted was queued (the build runs its own definition)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from typing import Literal

from release_manager.core.model import ApprovalPolicy, Environment, Job, Pipeline, Stage, Step

DEFAULT_CONDITION = "succeeded()"

Aspect = Literal["stage", "condition", "dependencies", "environments", "approval", "checks",
                 "steps"]


@dataclass(frozen=True)
class StageChange:
    aspect: Aspect
    text: str

    def __str__(self) -> str:
        return self.text


def stage_changes(saved: Pipeline, edited: Pipeline, name: str,
                  kept_as: str = "saved") -> list[StageChange]:
    """One change per difference of stage `name` between `saved` (the file) and `edited`
    (the window). The stage is found again by its uid, so a rename reads as one.
    `kept_as` names the earlier version in the texts ("saved: …")."""
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
        changes.append(StageChange("condition", f"condition {shown} ({kept_as}: {kept})"))
    shown_needs, kept_needs = edited.dependencies(after.name), saved.dependencies(name)
    if shown_needs != kept_needs:
        changes.append(StageChange("dependencies", f"depends on {_names(shown_needs)} "
                                                   f"({kept_as}: {_names(kept_needs)})"))
    if after.environments != before.environments:
        changes.append(StageChange("environments", f"deploys to {_names(after.environments)} "
                                                   f"({kept_as}: {_names(before.environments)})"))
    changes += [StageChange("steps", text) for text in _work_changes(before, after)]
    for environment in dict.fromkeys(before.environments + after.environments):
        kept_env = saved.environments.get(environment)
        shown_env = edited.environments.get(environment)
        shown_policy, kept_policy = _policy(shown_env), _policy(kept_env)
        if shown_policy != kept_policy:
            shown_text, kept_text = _approval(shown_policy), _approval(kept_policy)
            text = f"needs {shown_text} ({kept_as}: {kept_text})" if shown_text != kept_text \
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


def _work_changes(before: Stage, after: Stage) -> list[str]:
    """What changed in the jobs and steps a stage runs: jobs added or removed, steps
    added, removed or changed, other settings of a job or of the stage."""
    changes = []
    if _settings(before, Stage, ("name", "condition", "depends_on", "jobs")) != \
            _settings(after, Stage, ("name", "condition", "depends_on", "jobs")):
        changes.append("its variables, pool or other settings changed")
    old_jobs = {job.name: job for job in before.jobs}
    new_jobs = {job.name: job for job in after.jobs}
    for name in old_jobs.keys() - new_jobs.keys():
        changes.append(f"job {name} was removed")
    for name in new_jobs.keys() - old_jobs.keys():
        changes.append(f"job {name} was added")
    added = removed = changed = 0
    for name in old_jobs.keys() & new_jobs.keys():
        old, new = old_jobs[name], new_jobs[name]
        if _job_settings(old) != _job_settings(new):
            changes.append(f"job {name}'s settings changed")
        matcher = difflib.SequenceMatcher(a=_steps(old), b=_steps(new), autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            common = min(a2 - a1, b2 - b1) if tag == "replace" else 0
            changed += common
            removed += a2 - a1 - common
            added += b2 - b1 - common
    for count, verb in ((added, "added"), (removed, "removed"), (changed, "changed")):
        if count:
            changes.append(f"a step was {verb}" if count == 1 else f"{count} steps were {verb}")
    return changes


def _steps(job: Job) -> list[str]:
    """A job's steps (or its deployment hooks' steps), each as a comparable text."""
    return [repr(_settings(step, Step, ())) for step in job.all_steps()]


def _job_settings(job: Job) -> tuple[object, ...]:
    """A job's settings but its steps and its environment (named as the stage's)."""
    strategy = job.strategy
    return _settings(job, Job, ("steps", "strategy", "environment", "environment_resource")) \
        + (() if strategy is None else (strategy.kind, list(strategy.hooks),
                                        strategy.max_parallel, strategy.increments))


def _settings(item: object, kind: type, leave_out: tuple[str, ...]) -> tuple[object, ...]:
    """The fields of `item` that say what it does: not its position in the file, nor
    those in `leave_out`."""
    left = {"pos", "key_pos", "uid", "source", "origin", "resolved", *leave_out}
    return tuple(repr(getattr(item, f.name)) for f in fields(kind) if f.name not in left)
