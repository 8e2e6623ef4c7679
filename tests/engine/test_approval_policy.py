"""Azure's Approval check rules, enforced by the engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from release_manager.core.model import ApprovalPolicy
from release_manager.engine import approval_policy as policy_rules
from release_manager.engine.approval_policy import ApprovalRefused


def record(**changes: object) -> dict:
    policy = ApprovalPolicy(approvers=["qa", "ops"], minimum_approvers=1,
                            requester_cannot_approve=True)
    for name, value in changes.items():
        setattr(policy, name, value)
    return policy_rules.policy_record(policy)


def test_the_requester_cannot_approve_their_own_deployment() -> None:
    policy = record(approvers=["lead", "qa"])
    with pytest.raises(ApprovalRefused, match="requested this deployment"):
        policy_rules.check_decision(policy, "staging", "lead", [], "lead")
    policy_rules.check_decision(policy, "staging", "lead", [], "qa")


@pytest.mark.parametrize("requested_as", ["qa ", "ｑａ", "qa\u200b", "QA"])
def test_the_requester_spelled_otherwise_is_still_the_requester(requested_as: str) -> None:
    with pytest.raises(ApprovalRefused, match="requested this deployment"):
        policy_rules.check_decision(record(), "staging", requested_as, [], "qa")
    with pytest.raises(ApprovalRefused, match="already decided"):
        policy_rules.check_decision(record(minimum_approvers=2), "staging", "lead",
                                    [(requested_as, "approved")], "qa")


def test_approvers_listed_in_another_spelling_are_the_same_people() -> None:
    policy_rules.check_decision(record(approvers=["ＱＡ ", "Ops"]), "staging", "lead", [], "qa")


def test_only_listed_approvers_may_decide_case_insensitively() -> None:
    with pytest.raises(ApprovalRefused, match="not an approver of staging"):
        policy_rules.check_decision(record(), "staging", "lead", [], "dev")
    policy_rules.check_decision(record(), "staging", "lead", [], "QA")


def test_an_approver_decides_once() -> None:
    with pytest.raises(ApprovalRefused, match="already decided"):
        policy_rules.check_decision(record(minimum_approvers=2), "staging", "lead",
                                    [("qa", "approved")], "qa")


def test_sequential_order_waits_for_the_next_approver() -> None:
    policy = record(order="sequential")
    with pytest.raises(ApprovalRefused, match="waiting for qa first"):
        policy_rules.check_decision(policy, "staging", "lead", [], "ops")
    policy_rules.check_decision(policy, "staging", "lead", [("qa", "approved")], "ops")
    assert policy_rules.outcome(policy, [("qa", "approved")]) == "pending"
    assert policy_rules.outcome(policy, [("qa", "approved"), ("ops", "approved")]) == \
        "approved"


@pytest.mark.parametrize(("minimum", "decisions", "expected"), [
    (1, [], "pending"),
    (1, [("qa", "approved")], "approved"),
    (2, [("qa", "approved")], "pending"),
    (2, [("qa", "approved"), ("ops", "approved")], "approved"),
    (5, [("qa", "approved"), ("ops", "approved")], "approved"),  # capped at the list
    (2, [("qa", "approved"), ("ops", "rejected")], "rejected"),
    (1, [("qa", "rejected")], "rejected"),
])
def test_outcome_counts_approvals_and_any_rejection_wins(
    minimum: int, decisions: list[tuple[str, str]], expected: str
) -> None:
    assert policy_rules.outcome(record(minimum_approvers=minimum), decisions) == expected


def test_timeouts_are_measured_from_the_request() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    deadline = policy_rules.timeout_at(ApprovalPolicy(timeout_minutes=60), start)
    assert deadline == "2026-01-01T01:00:00+00:00"
    assert not policy_rules.is_expired(deadline, start + timedelta(minutes=59))
    assert policy_rules.is_expired(deadline, start + timedelta(minutes=60))
