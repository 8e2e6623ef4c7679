"""An environment's Approval check on the emulator ⇄ the approval policy of
`.release-manager/environments.yml`: pulled into the file (the diff read first), pushed
back through the check-configurations API and read back; names compare as identities
(`qa `, fullwidth); an invisible character is refused both ways; the other checks are
summed up in one plain line each."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_model_service import PROJECT, Service

from release_manager.core.environments_file import load_environments, save_environments
from release_manager.core.model import ApprovalPolicy, BusinessHours, Environment
from release_manager.engine.azure.approvals import Approver
from release_manager.engine.azure.checks import (
    CheckMappingError,
    approval_check_body,
    approval_from_check,
    check_summary,
    is_approval_check,
    local_policies,
    policies_diff,
    pulled_environments,
)

CONFIGURATIONS = "86c8381e-5aee-4cde-8ae4-25c0c7f5eaea"


@pytest.fixture
def service(azure_devops) -> Service:
    return Service(azure_devops)


def remote_policies(service: Service, environment) -> dict[str, ApprovalPolicy | None]:
    checks = [c for c in service.checks(environment.id) if is_approval_check(c)]
    return {environment.name: approval_from_check(checks[0], environment.name).policy
            if checks else None}


def send(service: Service, method: str, body: dict, check_id: int | None = None) -> dict:
    """Add (POST) or update (PATCH) a check configuration with its settings, through the
    client's sender (the SDK's own methods drop the settings)."""
    route = {"project": PROJECT} | ({"id": check_id} if check_id else {})
    return service.clients().get_pipelines_checks_client()._send(
        http_method=method, location_id=CONFIGURATIONS, version="7.1-preview.1",
        route_values=route, content=body).json()


def test_pull_shows_the_diff_then_writes_azure_s_policy_keeping_the_rest(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada, service.bob], min_required=0,
                                    order="inSequence", requester_cannot_approve=True,
                                    instructions="Read the notes", timeout=1440)
    hours = BusinessHours(days=["Monday"], start="08:00", end="12:00")
    save_environments(tmp_path, {"prod": Environment(
        "prod", ApprovalPolicy(approvers=["Ada Lovelace"]), business_hours=hours)})
    local = load_environments(tmp_path)

    remote = remote_policies(service, prod)
    lines = policies_diff(local_policies(local), remote)
    save_environments(tmp_path, pulled_environments(local, remote))
    pulled = load_environments(tmp_path)

    assert lines == [
        "prod: approvers Ada Lovelace → Ada Lovelace, Bob Builder",
        "prod: order any → sequential",
        "prod: requester cannot approve no → yes",
        "prod: timeout (minutes) 43200 → 1440",
        "prod: instructions '' → 'Read the notes'",
    ]
    assert list(pulled) == ["prod"]
    assert pulled["prod"].approval == ApprovalPolicy(
        approvers=["Ada Lovelace", "Bob Builder"], minimum_approvers=2,
        requester_cannot_approve=True, order="sequential", timeout_minutes=1440,
        instructions="Read the notes")
    assert pulled["prod"].business_hours == hours
    assert policies_diff(local_policies(pulled), remote) == []


def test_push_resolves_names_as_identities_and_reads_back_the_same(azure_devops, service):
    prod = azure_devops.add_environment("Prod")
    check = azure_devops.add_approval_check(prod, [service.ada, service.bob], min_required=1)
    remote = approval_from_check(service.checks(prod.id)[0], "Prod")
    mine = ApprovalPolicy(approvers=["ｂｏｂ ｂｕｉｌｄｅｒ", "ada lovelace "], minimum_approvers=2,
                          timeout_minutes=60, instructions="Two of us")

    lines = policies_diff({"Prod": remote.policy}, {"prod": mine})
    body = approval_check_body(mine, {"type": "environment", "id": str(prod.id),
                                      "name": "Prod"}, remote.approvers)
    send(service, "PATCH", body, check.id)
    after = approval_from_check(service.checks(prod.id)[0], "Prod")

    assert lines == ["Prod: approvals needed 1 → all", "Prod: timeout (minutes) 43200 → 60",
                     "Prod: instructions '' → 'Two of us'"]  # same people, other spelling
    assert [a.id for a in after.approvers] == [service.bob.id, service.ada.id]
    assert after.policy.approvers == ["Bob Builder", "Ada Lovelace"]
    assert body["settings"]["minRequiredApprovers"] == 0
    assert (after.policy.minimum_approvers, after.policy.timeout_minutes) == (2, 60)
    assert policies_diff({"Prod": after.policy}, {"prod": mine}) == []


def test_a_check_pushed_to_an_environment_makes_the_next_run_wait_for_those_approvers(
        azure_devops, service):
    service.web_app(min_required=1)
    staging = azure_devops.add_environment("Staging")
    policy = ApprovalPolicy(approvers=["Cy Young"], instructions="Smoke test first")
    identities = [Approver(service.cy.id, "Cy Young")]

    lines = policies_diff({"Staging": None}, {"Staging": policy})
    send(service, "POST", approval_check_body(
        policy, {"type": "environment", "id": str(staging.id), "name": "Staging"},
        identities))
    [check] = service.checks(staging.id)

    assert lines == ["Staging: add an approval check (approvers Cy Young, all needed, "
                     "any order)"]
    assert approval_from_check(check, "Staging").policy == policy
    assert policies_diff({"Staging": policy}, {"Staging": None}) == [
        "Staging: remove the approval check (approvers Cy Young, all needed, any order)"]


def test_an_unknown_or_invisible_approver_name_is_refused_before_anything_is_sent(
        azure_devops, service):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada, service.bob])
    known = approval_from_check(service.checks(prod.id)[0], "Prod").approvers
    resource = {"type": "environment", "id": str(prod.id), "name": "Prod"}
    azure_devops.clear_log()

    with pytest.raises(CheckMappingError) as unknown:
        approval_check_body(ApprovalPolicy(approvers=["Ada Lovelace", "qa"]), resource, known)
    with pytest.raises(CheckMappingError) as hidden:
        approval_check_body(ApprovalPolicy(approvers=["Bob\u200bBuilder"]), resource, known)

    assert str(unknown.value) == (
        "Prod: no Azure DevOps identity named 'qa' (known: Ada Lovelace, Bob Builder). "
        "Azure DevOps offers no lookup of a person by name here: add 'qa' as an approver "
        "of Prod in Azure DevOps (Approvals and checks) once and pull, or correct the name")
    assert "U+200B ZERO WIDTH SPACE" in str(hidden.value)
    assert azure_devops.calls("checks/configurations", "PATCH") == []


def test_an_azure_approver_with_an_invisible_character_is_not_pulled(
        azure_devops, service, tmp_path: Path):
    lookalike = azure_devops.add_pat("pat-z", "Ada\u200bLovelace")
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [lookalike])

    with pytest.raises(CheckMappingError) as refused:
        approval_from_check(service.checks(prod.id)[0], "Prod")

    assert "'Ada\\u200bLovelace'" in str(refused.value)
    assert "U+200B ZERO WIDTH SPACE" in str(refused.value)
    assert lookalike.id in str(refused.value)


BUSINESS_HOURS = {
    "type": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"},
    "timeout": 43200,
    "settings": {"displayName": "Business Hours", "definitionRef": {
        "id": "445fde2f-6c39-441c-807f-8a59ff2e075f", "name": "evaluateBusinessHours",
        "version": "0.0.1"}, "inputs": {
        "businessDays": "Monday,Tuesday,Wednesday,Thursday,Friday", "timeZone": "UTC",
        "startTime": "04:00", "endTime": "11:00"}, "retryInterval": 5}}


def test_the_other_checks_read_as_one_plain_line_each(azure_devops, service):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada])
    resource = {"type": "environment", "id": str(prod.id), "name": "Prod"}
    for body in (
        BUSINESS_HOURS,
        {"type": {"id": "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563", "name": "ExclusiveLock"},
         "timeout": 43200, "settings": {}},
        {"type": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"},
         "timeout": 1440, "settings": {"displayName": "Branch control", "definitionRef": {
             "id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection",
             "version": "0.0.1"}, "inputs": {"allowedBranches": "refs/heads/main",
                                             "ensureProtectionOfBranch": "true"}}},
        {"type": {"id": "4020e66e-b0f3-47e1-bc88-48f3cc59b5f3", "name": "ExtendsCheck"},
         "timeout": 1440, "settings": {"extendsChecks": [{
             "repositoryType": "git", "repositoryName": "Fabrikam/templates",
             "repositoryRef": "refs/heads/main", "templatePath": "deploy.yml"}]}},
        {"type": {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"},
         "timeout": 60, "settings": {"displayName": "Invoke REST API", "definitionRef": {
             "id": "9c3e8943-130d-4c78-ac63-8af81df62dfb", "name": "InvokeRESTAPI",
             "version": "1.0.0"}, "inputs": {"method": "GET", "urlSuffix": "/health",
                                             "connectedServiceName": "status-api"}}},
    ):
        send(service, "POST", body | {"resource": resource})

    summaries = [check_summary(c) for c in service.checks(prod.id)]

    assert summaries == [
        "Approval by Ada Lovelace",
        "Business hours: Monday, Tuesday, Wednesday, Thursday, Friday, 04:00–11:00 (UTC)",
        "Exclusive lock: one run at a time deploys here; later ones wait",
        "Branch control: only refs/heads/main (the branch must be protected)",
        "Required template: the pipeline must extend deploy.yml@Fabrikam/templates "
        "(refs/heads/main)",
        "Invoke REST API: GET /health on status-api must succeed",
    ]
