"""Model objects as the plain values a new YAML fragment is dumped from.

Only what the model holds is written, keys in the order Azure's documentation shows them.
"""

from __future__ import annotations

from typing import Any

from release_manager.core.model import Filter, Job, Schedule, Stage, Step, Trigger


def filter_value(value: Filter) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    if value.include:
        result["include"] = list(value.include)
    if value.exclude:
        result["exclude"] = list(value.exclude)
    return result


def trigger_value(trigger: Trigger) -> Any:
    if trigger.expression is not None:
        return trigger.expression
    if trigger.mode == "default":
        return None
    if trigger.mode == "none":
        return "none"
    if trigger.mode == "list":
        return list(trigger.branches.include)
    value: dict[str, Any] = {}
    if trigger.batch:
        value["batch"] = True
    if trigger.auto_cancel is not None:
        value["autoCancel"] = trigger.auto_cancel
    if trigger.drafts is not None:
        value["drafts"] = trigger.drafts
    for key in ("branches", "paths", "tags"):
        if not getattr(trigger, key).is_empty():
            value[key] = filter_value(getattr(trigger, key))
    return value


def schedule_value(schedule: Schedule) -> dict[str, Any]:
    value: dict[str, Any] = {"cron": schedule.cron}
    if schedule.display_name:
        value["displayName"] = schedule.display_name
    if not schedule.branches.is_empty():
        value["branches"] = filter_value(schedule.branches)
    if schedule.always:
        value["always"] = True
    if schedule.batch:
        value["batch"] = True
    return value


def step_value(step: Step) -> dict[str, Any]:
    value: dict[str, Any] = {step.kind: step.value}
    for key, attr in (("displayName", "display_name"), ("name", "name"),
                      ("condition", "condition"), ("workingDirectory", "working_directory")):
        if getattr(step, attr):
            value[key] = getattr(step, attr)
    if step.kind == "task" and step.inputs:
        value["inputs"] = dict(step.inputs)
    elif step.inputs:
        value.update(step.inputs)
    if step.env:
        value["env"] = dict(step.env)
    return value


def job_value(job: Job) -> dict[str, Any]:
    if job.kind == "template":
        return {"template": job.template, **({"parameters": job.parameters}
                                             if job.parameters else {})}
    value: dict[str, Any] = {"deployment" if job.kind == "deployment" else "job": job.name}
    if job.display_name:
        value["displayName"] = job.display_name
    if job.depends_on is not None:
        value["dependsOn"] = list(job.depends_on)
    if job.condition:
        value["condition"] = job.condition
    if job.pool is not None:
        value["pool"] = job.pool
    if job.kind == "deployment":
        if job.environment:
            resource = f".{job.environment_resource}" if job.environment_resource else ""
            value["environment"] = job.environment + resource
        strategy = job.strategy
        hooks = strategy.hooks if strategy and strategy.hooks else {"deploy": []}
        body: dict[str, Any] = {}
        for hook, steps in hooks.items():
            target = body.setdefault("on", {}) if hook.startswith("on.") else body
            target[hook.removeprefix("on.")] = {"steps": [step_value(s) for s in steps]}
        value["strategy"] = {strategy.kind if strategy else "runOnce": body}
    elif job.steps:
        value["steps"] = [step_value(step) for step in job.steps]
    return value


def stage_value(stage: Stage) -> dict[str, Any]:
    if stage.kind == "template":
        value: dict[str, Any] = {"template": stage.template}
        if stage.parameters:
            value["parameters"] = stage.parameters
        return value
    value = {"stage": stage.name}
    if stage.display_name:
        value["displayName"] = stage.display_name
    if stage.depends_on is not None:
        deps = stage.depends_on
        value["dependsOn"] = deps[0] if len(deps) == 1 else list(deps)
    if stage.condition:
        value["condition"] = stage.condition
    if stage.lock_behavior:
        value["lockBehavior"] = stage.lock_behavior
    if stage.is_skippable is not None:
        value["isSkippable"] = stage.is_skippable
    if stage.pool is not None:
        value["pool"] = stage.pool
    if stage.jobs:
        value["jobs"] = [job_value(job) for job in stage.jobs]
    return value
