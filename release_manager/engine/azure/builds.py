"""A run as `status` lists it, from the Build API's build or the Pipelines API's run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from release_manager.engine.azure.timeline import StageState
from release_manager.engine.azure.wire import branch_name, display_name, get
from release_manager.engine.release_status import BuildStatus, StageCell


@dataclass(frozen=True)
class RemoteBuild:
    id: int
    number: str
    """The run's name (`20261207.4`), what Azure's pages show."""
    branch: str
    commit: str
    requested_by: str
    reason: str
    status: str
    """notStarted, inProgress, cancelling, completed (a run says inProgress, completed)."""
    result: str | None
    created_at: str
    pipeline_id: int | None = None


def remote_build(data: dict[str, Any]) -> RemoteBuild:
    """A build (`build/builds/{id}`) or a run (`pipelines/{id}/runs/{id}`, which holds no
    requester, reason or commit outside its repository resource) as one record."""
    if get(data, "buildNumber") is not None or get(data, "sourceBranch") is not None:
        definition = get(data, "definition", {})
        return RemoteBuild(
            id=int(get(data, "id")), number=str(get(data, "buildNumber", "")),
            branch=branch_name(str(get(data, "sourceBranch", ""))),
            commit=str(get(data, "sourceVersion", "")),
            requested_by=display_name(get(data, "requestedFor") or get(data, "requestedBy")),
            reason=str(get(data, "reason", "")), status=str(get(data, "status", "")),
            result=get(data, "result"), created_at=str(get(data, "queueTime", "")),
            pipeline_id=get(definition, "id"))
    repository = get(get(get(data, "resources", {}), "repositories", {}), "self", {})
    return RemoteBuild(
        id=int(get(data, "id")), number=str(get(data, "name", "")),
        branch=branch_name(str(get(repository, "refName", ""))),
        commit=str(get(repository, "version", "")), requested_by="", reason="",
        status=str(get(data, "state", "")), result=get(data, "result"),
        created_at=str(get(data, "createdDate", "")),
        pipeline_id=get(get(data, "pipeline", {}), "id"))


def build_status(build: RemoteBuild, stages: list[StageState]) -> BuildStatus:
    """The engine's BuildStatus for `status` and the matrix: the stages the run reached,
    by their YAML names (a stage not reached yet has no cell, as locally). Its
    `stage_run_id` is 0: a remote stage has no row in the store."""
    status = BuildStatus(build.id, build.branch, build.commit, build.reason,
                         build.requested_by, build.created_at)
    for stage in stages:
        if stage.reached:
            status.stages[stage.identifier] = StageCell(
                stage.identifier, stage.state, stage.result, stage.message, 0)
    return status
