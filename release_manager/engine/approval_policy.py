"""Azure's Approval check, enforced here (never by hiding buttons): who may approve,
in which order, how many approvals are needed, and the timeout."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from release_manager.core.identity_names import identity_key
from release_manager.core.model import ApprovalPolicy


class ApprovalRefused(Exception):
    """A decision the policy does not allow; the message says why."""


def policy_record(policy: ApprovalPolicy) -> dict[str, Any]:
    """The policy as stored with an approval, so later edits don't change open requests."""
    return asdict(policy)


def timeout_at(policy: ApprovalPolicy, start: datetime | None = None) -> str:
    start = start or datetime.now(UTC)
    return (start + timedelta(minutes=policy.timeout_minutes)).isoformat(timespec="seconds")


def is_expired(timeout: str, moment: datetime | None = None) -> bool:
    return (moment or datetime.now(UTC)) >= datetime.fromisoformat(timeout)


def required_approvals(policy: dict[str, Any]) -> int:
    approvers = policy["approvers"]
    if policy["order"] == "sequential":
        return len(approvers)
    return max(1, min(policy["minimum_approvers"], len(approvers)))


def check_decision(
    policy: dict[str, Any], environment: str, requested_by: str,
    earlier: list[tuple[str, str]], approver: str,
) -> None:
    """Raise ApprovalRefused unless `approver` may decide now. `earlier` holds the
    (approver, decision) pairs already given. Names compare by `identity_key` (trimmed,
    NFKC, casefolded, invisible characters dropped)."""
    approvers = [identity_key(name) for name in policy["approvers"]]
    who = identity_key(approver)
    if policy["requester_cannot_approve"] and who == identity_key(requested_by):
        raise ApprovalRefused(
            f"{approver} requested this deployment and the policy of {environment} says the "
            "requester cannot approve it; ask another approver "
            f"({', '.join(n for n in policy['approvers'] if identity_key(n) != who)})"
        )
    if who not in approvers:
        raise ApprovalRefused(
            f"{approver} is not an approver of {environment} "
            f"(approvers: {', '.join(policy['approvers'])})"
        )
    if any(identity_key(name) == who for name, _ in earlier):
        raise ApprovalRefused(f"{approver} has already decided on this deployment")
    if policy["order"] == "sequential":
        done = [identity_key(name) for name, _ in earlier]
        waiting_for = next(name for name in policy["approvers"]
                           if identity_key(name) not in done)
        if identity_key(waiting_for) != who:
            raise ApprovalRefused(
                f"approvals for {environment} go in order: waiting for {waiting_for} first"
            )


def outcome(policy: dict[str, Any], decisions: list[tuple[str, str]]) -> str:
    """"approved", "rejected" or "pending" after `decisions`."""
    if any(decision == "rejected" for _, decision in decisions):
        return "rejected"
    approved = sum(1 for _, decision in decisions if decision == "approved")
    return "approved" if approved >= required_approvals(policy) else "pending"
