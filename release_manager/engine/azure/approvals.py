"""Pending approvals (`pipelines/approvals?$expand=steps`) as the engine and the approvals
inbox show them, each tied to its run and stage through the timeline (an approval's id is
its Checkpoint.Approval record's id), and the body of the PATCH that decides them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from release_manager.engine.azure.builds import RemoteBuild
from release_manager.engine.azure.timeline import StageState
from release_manager.engine.azure.wire import display_name, get, values

DECISIONS = ("approved", "rejected")


@dataclass(frozen=True)
class Approver:
    id: str
    name: str


@dataclass(frozen=True)
class ApprovalStep:
    approver: Approver
    status: str
    """pending, approved, rejected, skipped, …"""
    order: int
    decided_by: str = ""
    """Who acted on it (a member of a group assigned, or someone it was reassigned to)."""
    comment: str = ""


@dataclass(frozen=True)
class RemoteApproval:
    id: str
    run_id: int
    stage: str
    """The stage's YAML name."""
    stage_name: str
    requested_by: str
    status: str
    steps: list[ApprovalStep]
    required: int
    """How many approvals complete it (Azure's minimum 0 means every approver)."""
    order: str
    """any or sequential, the words of .release-manager/environments.yml."""
    instructions: str
    created_at: str

    @property
    def approvers(self) -> list[str]:
        return [step.approver.name for step in self.steps]

    @property
    def waiting_for(self) -> list[str]:
        """Who can decide now: in sequence, the first approver still pending only."""
        pending = [step.approver.name for step in sorted(self.steps, key=lambda s: s.order)
                   if step.status == "pending"]
        return pending[:1] if self.order == "sequential" else pending


def pending_approvals(
    answer: dict[str, Any] | list[dict[str, Any]],
    runs: Iterable[tuple[RemoteBuild, list[StageState]]],
) -> list[RemoteApproval]:
    """The pending approvals that belong to `runs` (each build with its stages' states);
    the query answers for the whole project, so others' approvals are left out."""
    stages = {state.approval_id: (build, state) for build, states in runs
              for state in states if state.approval_id}
    found = []
    for data in values(answer):
        link = stages.get(str(get(data, "id", "")))
        if link is None or get(data, "status") != "pending":
            continue
        found.append(remote_approval(data, *link))
    return sorted(found, key=lambda a: (a.run_id, a.stage.casefold()))


def remote_approval(data: dict[str, Any], build: RemoteBuild, stage: StageState) -> RemoteApproval:
    steps = [ApprovalStep(
        approver=Approver(str(get(get(step, "assignedApprover", {}), "id", "")),
                          display_name(get(step, "assignedApprover"))),
        status=str(get(step, "status", "")), order=int(get(step, "order", 0)),
        decided_by=display_name(get(step, "actualApprover")),
        comment=str(get(step, "comment", ""))) for step in get(data, "steps", [])]
    minimum = int(get(data, "minRequiredApprovers", 0))
    sequential = get(data, "executionOrder") == "inSequence"
    required = len(steps) if sequential or minimum == 0 else min(minimum, len(steps))
    return RemoteApproval(
        id=str(get(data, "id")), run_id=build.id, stage=stage.identifier,
        stage_name=stage.name, requested_by=build.requested_by,
        status=str(get(data, "status", "")), steps=steps, required=required,
        order="sequential" if sequential else "any",
        instructions=str(get(data, "instructions", "")),
        created_at=str(get(data, "createdOn", "")))


def decision_body(approval_ids: Iterable[str], decision: str,
                  comment: str = "") -> list[dict[str, str]]:
    """The body of `PATCH pipelines/approvals` deciding these approvals alike."""
    if decision not in DECISIONS:
        raise ValueError(f"a decision is approved or rejected, not {decision!r}")
    return [{"approvalId": approval_id, "status": decision, "comment": comment}
            for approval_id in approval_ids]
