"""A pipeline approval and the service's rules for deciding it: who may approve, how many
must, in which order, and that one rejection ends it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import Identity
from .errors import ServiceError
from .state import now


def _refused(message: str) -> ServiceError:
    return ServiceError(400, message, "PipelineApprovalException")


@dataclass
class ApprovalStep:
    approver: dict  # IdentityRef
    order: int
    status: str  # uninitiated (in sequence, not its turn) | pending | approved | rejected | …
    comment: str = ""
    actual_approver: dict | None = None
    initiated_on: str = field(default_factory=now)
    last_modified_on: str = field(default_factory=now)

    def to_json(self) -> dict:
        value = {"assignedApprover": self.approver, "status": self.status,
                 "order": self.order, "initiatedOn": self.initiated_on,
                 "lastModifiedOn": self.last_modified_on, "history": []}
        if self.actual_approver is not None:
            value |= {"actualApprover": self.actual_approver, "comment": self.comment,
                      "lastModifiedBy": self.actual_approver}
        return value


@dataclass
class Approval:
    """An approval a run waits on before a stage enters its environment. Its id is the id
    of the run's Checkpoint.Approval timeline record, as on the service."""

    id: str
    run_id: int
    stage: str
    requester: Identity
    steps: list[ApprovalStep]
    min_required_approvers: int  # 0: every approver
    execution_order: str  # anyOrder | inSequence
    instructions: str
    blocked_approvers: list[dict]
    requester_cannot_be_approver: bool
    status: str = "pending"
    created_on: str = field(default_factory=now)
    last_modified_on: str = field(default_factory=now)

    @classmethod
    def from_settings(cls, approval_id: str, run_id: int, stage: str, requester: Identity,
                      settings: dict) -> Approval:
        order = settings.get("executionOrder", "anyOrder")
        steps = [ApprovalStep(approver, index + 1,
                              "pending" if order == "anyOrder" or index == 0 else "uninitiated")
                 for index, approver in enumerate(settings.get("approvers", []))]
        return cls(approval_id, run_id, stage, requester, steps,
                   int(settings.get("minRequiredApprovers", 0)), order,
                   settings.get("instructions", ""), list(settings.get("blockedApprovers", [])),
                   bool(settings.get("requesterCannotBeApprover", False)))

    def decide(self, who: Identity, status: str, comment: str) -> None:
        """Apply one approver's decision, or raise the service's refusal."""
        if self.status != "pending":
            raise _refused(f"Approval {self.id} is already {self.status}.")
        if status not in ("approved", "rejected"):
            raise _refused(f"Approval status '{status}' cannot be set by an approver.")
        if any(blocked.get("id") == who.id for blocked in self.blocked_approvers):
            raise _refused(f"{who.display_name} is blocked from approving approval {self.id}.")
        if self.requester_cannot_be_approver and who.id == self.requester.id:
            raise _refused(
                f"{who.display_name} requested this run and cannot approve it: the approval "
                "check does not allow the requester of a run to approve it.")
        step = next((s for s in self.steps if s.approver.get("id") == who.id), None)
        if step is None:
            raise _refused(f"{who.display_name} is not an approver of approval {self.id}.")
        if step.status == "uninitiated":
            waiting = next(s for s in self.steps if s.status == "pending")
            raise _refused(
                f"Approval {self.id} is approved in sequence; it waits for "
                f"{waiting.approver.get('displayName')} first.")
        if step.status != "pending":
            raise _refused(f"{who.display_name} has already {step.status} approval {self.id}.")
        step.status, step.comment, step.actual_approver = status, comment, who.ref()
        step.last_modified_on = self.last_modified_on = now()
        if status == "rejected":
            self.status = "rejected"
            return
        approved = sum(s.status == "approved" for s in self.steps)
        needed = self.min_required_approvers or len(self.steps)
        if approved >= needed:
            self.status = "approved"
            for other in self.steps:
                if other.status in ("pending", "uninitiated"):
                    other.status = "skipped"
        elif self.execution_order == "inSequence":
            following = next((s for s in self.steps if s.status == "uninitiated"), None)
            if following is not None:
                following.status = "pending"

    def cancel(self) -> None:
        if self.status == "pending":
            self.status = "canceled"
            self.last_modified_on = now()

    def to_json(self, project_url: str, expand_steps: bool) -> dict:
        return {
            "id": self.id, "steps": [s.to_json() for s in self.steps] if expand_steps else [],
            "status": self.status, "createdOn": self.created_on,
            "lastModifiedOn": self.last_modified_on, "executionOrder": self.execution_order,
            "minRequiredApprovers": self.min_required_approvers,
            "instructions": self.instructions, "blockedApprovers": self.blocked_approvers,
            "_links": {"self": {"href": f"{project_url}/_apis/pipelines/approvals/{self.id}"}},
        }
