"""What the window's releases read from a workspace, as plain calls a worker runs: open it
(refusing a folder that holds no releases), read its status, sum up several decisions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from release_manager.engine.audit_chain import AuditVerdict
from release_manager.engine.identity import identities, is_demo
from release_manager.engine.promotion import Promoter, PromotionResult
from release_manager.engine.release_status import WorkspaceStatus
from release_manager.engine.swap import TargetActions
from release_manager.engine.workspace import STATE_DIR, Workspace, has_release_state

if TYPE_CHECKING:  # the Azure SDK loads only for a connected workspace
    from release_manager.engine.azure.session import AzureSession

Releases: TypeAlias = "Promoter | AzureSession"
"""What the window's workers call (status, run, promote, approve, reject, roll back,
plan): the local `Promoter`, or `AzureSession` on a workspace connected to Azure DevOps,
where the service keeps runs, approvals and deployments. The window never knows which."""


class NotAWorkspace(Exception):
    """The pipeline's folder cannot hold releases yet; the message says why."""


@dataclass
class Opened:
    workspace: Workspace
    promoter: Releases
    identities: list[str]
    branches: list[str]
    demo: bool
    audit: AuditVerdict
    """The audit trail as verified when the workspace opened."""


@dataclass
class StatusRead:
    status: WorkspaceStatus
    dependencies: dict[str, list[str]]


def open_workspace(pipeline_path: Path, identity: str, create: bool) -> Opened:
    """The workspace of `pipeline_path`. Without `create`, a folder that has no release
    state yet is refused, so opening any pipeline file never writes next to it."""
    workspace = Workspace.of_pipeline(pipeline_path)
    workspace.check_folders()
    if not create and not has_release_state(workspace.root):
        raise NotAWorkspace(
            f"{workspace.root} holds no releases yet: there is no release state in "
            f"{STATE_DIR} next to {workspace.pipeline_path.name}. Set up releases here to "
            "build and promote this pipeline on this machine."
        )
    promoter: Releases = Promoter(workspace)
    if workspace.connected:  # Azure DevOps keeps the runs, approvals and deployments
        from release_manager.engine.azure.session import AzureSession

        promoter = AzureSession(workspace)
        identity = promoter.signed_in_as()  # the service acts and decides as them
    demo = is_demo(workspace.root)
    return Opened(workspace, promoter,
                  identities(workspace.root, identity) if demo else [identity],
                  workspace.backend.branches(), demo, workspace.store.audit_verdict)


def read_status(workspace: Workspace, promoter: Releases) -> StatusRead:
    """The status, from the store and the backend, or, on a connected workspace, from
    Azure DevOps (`AzureSession.status`) with each environment's App Service slots
    (Azure's: `AzureSession.status`)."""
    status = promoter.status()
    pipeline = workspace.load_pipeline()
    dependencies = pipeline.dependency_map()
    return StatusRead(status, {name: dependencies.get(name, []) for name in status.stages})


def summary(results: list[tuple[str, PromotionResult]]) -> PromotionResult:
    """One result for several decisions: the first that did not succeed sets the state."""
    if not results:
        return PromotionResult("refused", "nothing was decided")
    lines = [f"{label}: {result.state} — {result.message}" for label, result in results]
    worst = next((r for _, r in results if r.state != "succeeded"), results[-1][1])
    return PromotionResult(worst.state, "\n".join(lines), worst.stage_run, worst.explanation)


def target_actions(releases: Releases) -> TargetActions:
    """The environments' App Service targets acted on (swap, restart, stop, start): the
    local Promoter's, audited in its store; on a workspace connected to Azure, Azure's
    slots with no store (the service's activity log records them), as the CLI does."""
    return releases.target_actions
