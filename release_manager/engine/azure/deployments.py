"""An environment's deployment records → the build it runs now and where a rollback goes:
the newest build older than it that was deployed there successfully (the local rule, so
rolling back twice goes back twice), redeployed by retrying that run's stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from release_manager.engine.azure.wire import get, values

_STATES = {"succeeded": "succeeded", "succeededWithIssues": "succeeded", "failed": "failed",
           "canceled": "canceled", "skipped": "skipped", "abandoned": "interrupted"}


@dataclass(frozen=True)
class RemoteDeployment:
    id: int
    run_id: int
    run_name: str
    stage: str
    """The stage that deployed (its YAML name): the one a rollback retries."""
    job: str
    attempt: int
    state: str
    """running, or how it ended in the engine's words (succeeded, failed, canceled, …)."""
    started_at: str
    finished_at: str
    pipeline_id: int | None


@dataclass(frozen=True)
class EnvironmentHistory:
    environment: str
    deployments: list[RemoteDeployment]
    """Newest first."""
    current: RemoteDeployment | None
    """The newest successful deployment: the build the environment runs."""
    rollback: RemoteDeployment | None
    rollback_reason: str

    @property
    def current_build(self) -> int | None:
        return self.current.run_id if self.current else None

    @property
    def last_state(self) -> str:
        return self.deployments[0].state if self.deployments else ""

    @property
    def earlier_successful(self) -> list[RemoteDeployment]:
        """Successful deployments of builds older than the current one, newest first, one
        per build."""
        if self.current is None:
            return []
        seen: set[int] = set()
        found = []
        for deployment in self.deployments:
            if deployment.state == "succeeded" and deployment.run_id < self.current.run_id \
                    and deployment.run_id not in seen:
                seen.add(deployment.run_id)
                found.append(deployment)
        return found


def remote_deployment(data: dict[str, Any]) -> RemoteDeployment:
    result = get(data, "result")
    finished = str(get(data, "finishTime", ""))
    state = _STATES.get(result, "failed") if result or finished else "running"
    owner = get(data, "owner", {})
    return RemoteDeployment(
        id=int(get(data, "id")), run_id=int(get(owner, "id")),
        run_name=str(get(owner, "name", "")), stage=str(get(data, "stageName", "")),
        job=str(get(data, "jobName", "")), attempt=int(get(data, "stageAttempt", 1)),
        state=state, started_at=str(get(data, "startTime", "")), finished_at=finished,
        pipeline_id=get(get(data, "definition", {}), "id"))


def environment_history(environment: str, records: list[dict[str, Any]] | dict[str, Any],
                        pipeline_id: int | None = None) -> EnvironmentHistory:
    """The history of `environment` from its deployment records (any order; only those of
    `pipeline_id` when given, as other pipelines may deploy to the same environment)."""
    deployments = sorted((remote_deployment(r) for r in values(records)), key=lambda d: d.id,
                         reverse=True)
    if pipeline_id is not None:
        deployments = [d for d in deployments if d.pipeline_id == pipeline_id]
    current = next((d for d in deployments if d.state == "succeeded"), None)
    history = EnvironmentHistory(environment, deployments, current, None, "")
    if current is None:
        return EnvironmentHistory(environment, deployments, None, None,
                                  f"nothing was deployed to {environment} yet")
    earlier = history.earlier_successful
    if not earlier:
        return EnvironmentHistory(
            environment, deployments, current, None,
            f"{environment} runs build {current.run_name or current.run_id}, and no older "
            "build was deployed there successfully")
    target = earlier[0]
    return EnvironmentHistory(
        environment, deployments, current, target,
        f"{environment} runs build {current.run_name or current.run_id}; build "
        f"{target.run_name or target.run_id} is the newest good release older than it "
        f"(its stage {target.stage} runs again)")
