"""Which stage a build goes to next, and how a stage's state reads on the graph."""

from __future__ import annotations

from release_manager.engine.release_status import BuildStatus, WorkspaceStatus
from release_manager.engine.store import FINISHED_STATES

GRAPH_STATES = {
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
    "interrupted": "failed",
    "rejected": "failed",
    "running": "running",
    "queued": "running",
    "waiting": "waiting",
}
ACTIVE = ("queued", "running", "waiting")


def next_stage(build: BuildStatus, stages: list[str],
               dependencies: dict[str, list[str]]) -> str | None:
    """The first stage (pipeline order) that has not run for `build` and whose
    dependencies have all finished for it; None when there is none."""
    for stage in stages:
        if stage in build.stages:
            continue
        cells = [build.stages.get(name) for name in dependencies.get(stage, [])]
        if all(cell is not None and cell.state in FINISHED_STATES for cell in cells):
            return stage
    return None


def stage_release(status: WorkspaceStatus, stage: str) -> tuple[str, str]:
    """(text, graph state) for a stage's card: a build running or waiting there first,
    else the build its environment runs with its last deployment's state; for a stage
    without environment, the newest build's result there."""
    for build in status.builds:  # newest first
        cell = build.stages.get(stage)
        if cell is not None and cell.state in ACTIVE:
            return f"#{build.id}", GRAPH_STATES[cell.state]
    environment = next((e for e in status.environments if e.stage == stage), None)
    if environment is not None:
        if environment.current_build is None:
            return "", ""
        return f"#{environment.current_build}", GRAPH_STATES.get(environment.last_state, "")
    build = next((b for b in status.builds if stage in b.stages), None)
    if build is None:
        return "", ""
    return f"#{build.id}", GRAPH_STATES.get(build.stages[stage].state, "")
