"""An environment's checks (check-configurations API) ⇄ `.release-manager/environments.yml`.

The Approval check maps to the file's approval policy both ways: Azure names approvers by
identity (id + display name), the file by name, so names are matched as identities
(trimmed, NFKC, casefolded); Azure's `minRequiredApprovers` 0 means every approver, the
file's minimum counts them; `timeout` is in minutes on the configuration in both. The other
checks are read-only here, each summed up in one plain line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from release_manager.core.identity_names import identity_key, invisible_character
from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.engine.azure.approvals import Approver
from release_manager.engine.azure.wire import display_name, get

APPROVAL_CHECK = {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"}


class CheckMappingError(ValueError):
    """A policy that cannot cross between Azure and the file; the message says why."""


@dataclass(frozen=True)
class RemoteApprovalCheck:
    check_id: int | None
    environment: str
    policy: ApprovalPolicy
    """The policy in the file's words (approvers by display name)."""
    approvers: list[Approver]
    """The identities behind `policy.approvers`, in the same order."""


def is_approval_check(check: dict[str, Any]) -> bool:
    return str(get(get(check, "type", {}), "id", "")).lower() == APPROVAL_CHECK["id"]


def approval_from_check(check: dict[str, Any], environment: str) -> RemoteApprovalCheck:
    """The Approval check read with `$expand=settings` as the file's policy. An approver
    whose display name holds an invisible character is refused (the file could not hold
    it, and it would look like someone else)."""
    settings = get(check, "settings")
    if settings is None:
        raise CheckMappingError(f"the Approval check of {environment} was read without its "
                                "settings ($expand=settings)")
    approvers = [Approver(str(get(a, "id", "")), display_name(a))
                 for a in get(settings, "approvers", [])]
    for approver in approvers:
        hidden = invisible_character(approver.name)
        if hidden:
            raise CheckMappingError(
                f"{environment}: the approver {approver.name!r} (id {approver.id}) holds an "
                f"invisible character, {hidden}; rename the identity in Azure DevOps first")
    minimum = int(get(settings, "minRequiredApprovers", 0))
    sequential = get(settings, "executionOrder") == "inSequence"
    policy = ApprovalPolicy(
        approvers=[a.name for a in approvers],
        minimum_approvers=minimum if minimum > 0 else max(1, len(approvers)),
        requester_cannot_approve=bool(get(settings, "requesterCannotBeApprover", False)),
        order="sequential" if sequential else "any",
        timeout_minutes=int(get(check, "timeout", ApprovalPolicy().timeout_minutes)),
        instructions=str(get(settings, "instructions", "")))
    return RemoteApprovalCheck(get(check, "id"), environment, policy, approvers)


def approval_check_body(policy: ApprovalPolicy, resource: dict[str, Any],
                        identities: list[Approver]) -> dict[str, Any]:
    """The check configuration to add (POST) or update (PATCH, with its id) for `policy` on
    `resource` ({"type": "environment", "id", "name"}): each approver's name resolved among
    `identities` (the known ones: the check's current approvers, the project's members)."""
    where = get(resource, "name", "the environment")
    for name in policy.approvers:
        hidden = invisible_character(name)
        if hidden:
            raise CheckMappingError(f"{where}: the approver {name!r} holds an invisible "
                                    f"character, {hidden}; type the name without it")
    by_key: dict[str, Approver] = {}
    for identity in identities:
        by_key.setdefault(identity_key(identity.name), identity)
    unknown = [name for name in policy.approvers if identity_key(name) not in by_key]
    if unknown:
        known = ", ".join(sorted({i.name for i in identities}, key=str.casefold)) or "none"
        names = ", ".join(repr(n) for n in unknown)
        raise CheckMappingError(
            f"{where}: no Azure DevOps identity named {names} (known: {known}). Azure "
            f"DevOps offers no lookup of a person by name here: add {names} as an approver "
            f"of {where} in Azure DevOps (Approvals and checks) once and pull, or correct "
            "the name")
    approvers = [by_key[identity_key(name)] for name in policy.approvers]
    return {
        "type": dict(APPROVAL_CHECK),
        "resource": dict(resource),
        "timeout": policy.timeout_minutes,
        "settings": {
            "approvers": [{"id": a.id, "displayName": a.name} for a in approvers],
            "blockedApprovers": [],
            "executionOrder": "inSequence" if policy.order == "sequential" else "anyOrder",
            "minRequiredApprovers": _azure_minimum(policy),
            "instructions": policy.instructions,
            "requesterCannotBeApprover": policy.requester_cannot_approve,
        },
    }


def _azure_minimum(policy: ApprovalPolicy) -> int:
    return 0 if policy.minimum_approvers >= len(policy.approvers) else policy.minimum_approvers


# --------------------------------------------------------------- the other checks

def check_summary(check: dict[str, Any]) -> str:
    """One plain line for a check: what it makes a run wait for."""
    kind = str(get(get(check, "type", {}), "name", ""))
    settings = get(check, "settings", {})
    if is_approval_check(check):
        names = [display_name(a) for a in get(settings, "approvers", [])]
        return f"Approval by {', '.join(names) or 'nobody'}"
    if kind == "ExclusiveLock":
        return "Exclusive lock: one run at a time deploys here; later ones wait"
    if kind == "ExtendsCheck":
        templates = [f"{get(t, 'templatePath', '')}@{get(t, 'repositoryName', '')}"
                     + (f" ({get(t, 'repositoryRef')})" if get(t, "repositoryRef") else "")
                     for t in get(settings, "extendsChecks", [])]
        return f"Required template: the pipeline must extend {' or '.join(templates) or '?'}"
    task = str(get(get(settings, "definitionRef", {}), "name", ""))
    inputs = get(settings, "inputs", {})
    summary = _TASK_SUMMARIES.get(task.casefold())
    if summary is not None:
        return summary(inputs)
    label = get(settings, "displayName", "") or kind or "Unknown check"
    return f"{label}: evaluated by Azure DevOps before a run deploys here"


def _business_hours(inputs: dict[str, Any]) -> str:
    days = str(get(inputs, "businessDays", "")).replace(",", ", ")
    return (f"Business hours: {days or 'every day'}, {get(inputs, 'startTime', '?')}–"
            f"{get(inputs, 'endTime', '?')} ({get(inputs, 'timeZone', 'UTC')})")


def _branch_control(inputs: dict[str, Any]) -> str:
    text = f"Branch control: only {get(inputs, 'allowedBranches', '*') or '*'}"
    if str(get(inputs, "ensureProtectionOfBranch", "")).lower() == "true":
        text += " (the branch must be protected)"
    return text


def _rest_call(inputs: dict[str, Any]) -> str:
    target = get(inputs, "connectedServiceName", "") or get(inputs, "connectedServiceNameARM", "")
    return (f"Invoke REST API: {get(inputs, 'method', 'POST')} "
            f"{get(inputs, 'urlSuffix', '')} on {target or 'a service connection'}"
            " must succeed").replace("  ", " ")


def _azure_function(inputs: dict[str, Any]) -> str:
    return f"Invoke Azure function: {get(inputs, 'function', '?')} must succeed"


def _azure_monitor(inputs: dict[str, Any]) -> str:
    return "Query Azure Monitor alerts: no active alert in " \
           f"{get(inputs, 'ResourceGroupName', '') or 'the resource group'}"


_TASK_SUMMARIES = {
    "evaluatebusinesshours": _business_hours,
    "evaluatebranchprotection": _branch_control,
    "invokerestapi": _rest_call,
    "azurefunction": _azure_function,
    "azuremonitor": _azure_monitor,
}


# --------------------------------------------------------------- pull / push

def _describe(policy: ApprovalPolicy) -> str:
    return (f"approvers {', '.join(policy.approvers) or 'none'}, {_minimum(policy)} needed, "
            f"{policy.order} order")


def _minimum(policy: ApprovalPolicy) -> str:
    if policy.order == "sequential" or policy.minimum_approvers >= len(policy.approvers):
        return "all"
    return str(policy.minimum_approvers)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _approver_keys(policy: ApprovalPolicy) -> list[str] | set[str]:
    keys = [identity_key(name) for name in policy.approvers]
    return keys if policy.order == "sequential" else set(keys)


def policy_changes(name: str, before: ApprovalPolicy | None,
                   after: ApprovalPolicy | None) -> list[str]:
    """What changes in environment `name`'s approval when `before` becomes `after`."""
    if before is None:
        return [f"{name}: add an approval check ({_describe(after)})"] if after else []
    if after is None:
        return [f"{name}: remove the approval check ({_describe(before)})"]
    lines = []
    if _approver_keys(before) != _approver_keys(after):
        lines.append(f"{name}: approvers {', '.join(before.approvers) or 'none'} → "
                     f"{', '.join(after.approvers) or 'none'}")
    fields = [("approvals needed", _minimum(before), _minimum(after)),
              ("order", before.order, after.order),
              ("requester cannot approve", _yes(before.requester_cannot_approve),
               _yes(after.requester_cannot_approve)),
              ("timeout (minutes)", before.timeout_minutes, after.timeout_minutes),
              ("instructions", before.instructions, after.instructions)]
    for label, old, new in fields:
        if old != new:
            old_text, new_text = (repr(old), repr(new)) if label == "instructions" else (old, new)
            lines.append(f"{name}: {label} {old_text} → {new_text}")
    return lines


def policies_diff(before: dict[str, ApprovalPolicy | None],
                  after: dict[str, ApprovalPolicy | None]) -> list[str]:
    """The lines a user reads before a pull (before = the file, after = Azure) or a push
    (before = Azure, after = the file); environments matched in any case. [] when the
    two agree."""
    by_key = {key.casefold(): key for key in before}
    by_key.update({key.casefold(): key for key in after if key.casefold() not in by_key})
    lines: list[str] = []
    for folded in sorted(by_key):
        old = next((p for k, p in before.items() if k.casefold() == folded), None)
        new = next((p for k, p in after.items() if k.casefold() == folded), None)
        lines.extend(policy_changes(by_key[folded], old, new))
    return lines


def local_policies(environments: dict[str, Environment]) -> dict[str, ApprovalPolicy | None]:
    return {name: environment.approval for name, environment in environments.items()}


def pulled_environments(local: dict[str, Environment],
                        remote: dict[str, ApprovalPolicy | None]) -> dict[str, Environment]:
    """The file's environments after a pull: each one's approval as Azure has it, the rest
    (business hours, lock, health check) kept; an environment keeps the file's spelling."""
    result = dict(local)
    for name, policy in remote.items():
        key = next((k for k in local if k.casefold() == name.casefold()), name)
        current = local.get(key) or Environment(key)
        result[key] = replace(current, approval=policy)
    return result
