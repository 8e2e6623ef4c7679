"""The checks of a stage's environments, as the engine runs them: one list serves the
promotion itself and the plan the confirmation sheet shows, so the sheet lists exactly
what will run.

Every local deployment holds its environment's file lock (the `current` switch must
stay sound), so the Exclusive lock check decides what a promotion does when another
deployment holds it: with the check, it waits its turn (as Azure queues runs); without
it, it is refused at once, since the local engine cannot deploy concurrently. The
stage's lockBehavior says who waits: runLatest (Azure's default) lets an older build
waiting for the lock give way to a newer one; sequential lets every one deploy in turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from release_manager.core.model import BusinessHours, Pipeline, Stage
from release_manager.engine.business_hours import window_text

CheckKind = Literal["business_hours", "exclusive_lock", "health_check"]


@dataclass(frozen=True)
class Check:
    environment: str
    kind: CheckKind
    text: str
    """What the confirmation sheet says about it."""
    hours: BusinessHours | None = None
    url: str = ""
    """For a health check: where the environment must answer ("": its local site)."""


def stage_checks(pipeline: Pipeline, stage: Stage) -> list[Check]:
    """The checks a promotion to `stage` runs, in the order it runs them: business
    hours before deploying, the exclusive lock around it, the health check after."""
    checks = []
    for name in stage.environments:
        environment = pipeline.environments.get(name)
        if environment is None:
            continue
        if environment.business_hours is not None:
            checks.append(Check(
                name, "business_hours",
                f"{name}: business hours, deploys only {window_text(environment.business_hours)}",
                hours=environment.business_hours))
        if environment.exclusive_lock:
            latest = "" if stage.lock_behavior == "sequential" else \
                " (runLatest: an older build waiting gives way to a newer one)"
            checks.append(Check(
                name, "exclusive_lock",
                f"{name}: exclusive lock, one deployment at a time; a promotion waits for "
                f"the one in progress{latest}"))
        if environment.health_check:
            url = environment.health_check_url
            where = f"{url} must answer HTTP 200" if url else \
                "its site must serve the new build"
            checks.append(Check(name, "health_check",
                                f"{name}: health check after deployment, {where}", url=url))
    return checks


def has_check(checks: list[Check], environment: str, kind: CheckKind) -> bool:
    return any(c.environment == environment and c.kind == kind for c in checks)
