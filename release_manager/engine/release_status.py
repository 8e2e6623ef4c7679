"""What is deployed where: the state the releases dashboard and `release-manager status`
show, read from the store and the backend in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from release_manager.engine.app_targets import SlotStatus
from release_manager.engine.backend_errors import BackendError
from release_manager.engine.promotion import PendingApproval, Promoter
from release_manager.engine.swap import TargetActions, environment_target
from release_manager.engine.workspace import Workspace, WorkspaceError


@dataclass
class EnvironmentStatus:
    name: str
    stage: str
    upstream: list[str]
    """Environments of the stages this stage depends on, directly or not (nearest first)."""
    current_build: int | None = None
    """The build the environment serves; for one carrying a swap step, the build live in
    the slot it swaps into once one is there (its own slot holds the one swapped out)."""
    commit: str = ""
    deployed_at: str = ""
    deployed_by: str = ""
    last_state: str = ""
    """State of the newest deployment (succeeded, failed, running, interrupted, …)."""
    last_message: str = ""
    behind: bool = False
    """An upstream environment runs a newer build than this one."""
    rollback_to: int | None = None
    """The build a rollback would put back (`Promoter.rollback_target`); None: nowhere."""
    rollback_reason: str = ""
    """Why that build, or why there is nowhere to roll back to."""
    slots: list[SlotStatus] = field(default_factory=list)
    """Its App Service target's slots (the target's first, then its swap partner), read
    through `Workspace.targets`; [] without a target."""
    slots_error: str = ""
    """Why they could not be read ("" when they were, or there is no target)."""


@dataclass
class StageCell:
    stage: str
    state: str
    result: str | None
    message: str
    stage_run_id: int


@dataclass
class BuildStatus:
    id: int
    branch: str
    commit: str
    reason: str
    requested_by: str
    created_at: str
    stages: dict[str, StageCell] = field(default_factory=dict)
    backend: str = "local"
    """The backend the build runs on, and its id there ("" for the local backend)."""
    remote_id: str = ""


@dataclass
class WorkspaceStatus:
    stages: list[str]
    environments: list[EnvironmentStatus]
    builds: list[BuildStatus]
    approvals: list[PendingApproval]

    def to_json(self) -> dict[str, Any]:
        return {
            "stages": self.stages,
            "environments": [asdict(e) for e in self.environments],
            "builds": [asdict(b) for b in self.builds],
            "approvals": [{
                "build": p.approval.run_id, "stage": p.approval.stage,
                "environment": p.approval.environment,
                "requestedBy": p.approval.requested_by, "approvers": p.approvers,
                "required": p.required,
            } for p in self.approvals],
        }

    def to_text(self) -> str:
        lines = ["Environments:"]
        for env in self.environments:
            build = f"build {env.current_build}" if env.current_build else "nothing deployed"
            extra = f" ({env.commit[:8]}, {env.deployed_at} by {env.deployed_by})" \
                if env.current_build else ""
            note = "  ← behind upstream" if env.behind else ""
            state = f" [last: {env.last_state}]" if env.last_state else ""
            back = f"  ↩ rollback goes to build {env.rollback_to}" if env.rollback_to else ""
            lines.append(f"  {env.name:<12} {build}{extra}{state}{note}{back}")
            lines += [f"  {'':<12} {line}" for line in slot_lines(env.slots, env.slots_error)]
        lines.append("Builds:")
        for build in self.builds:
            cells = ", ".join(f"{name}: {cell.state}" for name, cell in build.stages.items())
            lines.append(f"  {build.id:>4} {build.branch} {build.commit[:8]} "
                         f"{build.reason} by {build.requested_by}  {cells}")
        if self.approvals:
            lines.append("Pending approvals:")
            for p in self.approvals:
                lines.append(f"  build {p.approval.run_id} → {p.approval.stage} "
                             f"({p.approval.environment}), asked by "
                             f"{p.approval.requested_by}; approvers {', '.join(p.approvers)}")
        return "\n".join(lines)


def read_slots(workspace: Workspace, actions: Callable[[], TargetActions],
               environment: str) -> tuple[list[SlotStatus], str]:
    """`environment`'s slots, or why they cannot be read (said for this environment
    alone: the rest of the status is read all the same). `actions` is called only for an
    environment with a target."""
    if environment_target(workspace.root, environment)[1] is None:
        return [], ""
    try:
        return actions().slots(environment), ""
    except (BackendError, WorkspaceError, OSError) as error:
        return [], f"its slots cannot be read: {error}"


def live_build(slots: list[SlotStatus]) -> int | None:
    """The build live in the slot an environment swaps into (the second of its slots),
    which its swap step put there; None when it swaps with no slot or that one serves
    nothing yet."""
    return slots[1].build if len(slots) > 1 else None


def slot_lines(slots: list[SlotStatus], error: str) -> list[str]:
    """Each slot in a line: state, build, address, last deployment, health."""
    lines = [error] if error else []
    for slot in slots:
        build = f"build {slot.build}" if slot.build is not None else "no build"
        health = "" if slot.health is None else \
            f"; {'healthy' if slot.health.ok else 'UNHEALTHY'}: {slot.health.detail}"
        deployment = f"; {slot.deployment}" if slot.deployment else ""
        lines.append(f"slot {slot.slot} of {slot.app}: {slot.state or 'state unknown'}, "
                     f"{build}, {slot.url}{deployment}{health}")
    return lines


def workspace_status(workspace: Workspace, promoter: Promoter,
                     build_limit: int = 20) -> WorkspaceStatus:
    pipeline = workspace.load_pipeline()
    store = workspace.store
    env_of_stage = {stage.name: stage.environments for stage in pipeline.stages}
    environments: list[EnvironmentStatus] = []
    for stage in pipeline.stages:
        if not stage.environments:
            continue
        upstream = [env for name in pipeline.ancestors(stage.name)
                    for env in env_of_stage.get(name, [])]
        for name in stage.environments:
            status = EnvironmentStatus(name=name, stage=stage.name, upstream=upstream)
            status.rollback_to, status.rollback_reason = promoter.rollback_target(name)
            status.slots, status.slots_error = read_slots(
                workspace, lambda: promoter.target_actions, name)
            status.current_build = live_build(status.slots) or promoter.current_build(name)
            deployments = store.deployments(name)
            if deployments:
                status.last_state = deployments[0].state
                status.last_message = deployments[0].message
            current = next((d for d in deployments if d.run_id == status.current_build
                            and d.state == "succeeded"), None)
            if current is not None:
                status.deployed_at = current.finished_at or current.started_at
                status.deployed_by = current.by
                status.commit = store.run(current.run_id).commit_id
            environments.append(status)
    by_name = {env.name: env for env in environments}
    for env in environments:
        nearest = next((by_name[u] for u in env.upstream if u in by_name), None)
        env.behind = bool(nearest and nearest.current_build and (
            env.current_build is None or nearest.current_build > env.current_build))

    builds = []
    for run in store.runs(build_limit):
        build = BuildStatus(run.id, run.branch, run.commit_id, run.reason, run.requested_by,
                            run.created_at, backend=run.backend, remote_id=run.remote_id)
        for record in store.stage_runs(run.id):  # oldest first: the latest attempt wins
            build.stages[record.stage] = StageCell(record.stage, record.state, record.result,
                                                   record.message, record.id)
        builds.append(build)
    return WorkspaceStatus(
        stages=[s.name for s in pipeline.stages if s.kind == "stage"],
        environments=environments, builds=builds, approvals=promoter.pending_approvals(),
    )
