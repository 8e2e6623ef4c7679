"""A connected workspace's environments against the emulator through the engine the CLI
and the window call (engine/azure/environment_sync.py): pull plans and writes only the
approval parts of environments.yml, push sends only what differs (settings read back
with $expand=settings), names resolve as identities, failures say what reached Azure."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_emulator.auth import MANAGE_ENVIRONMENT
from azure_model_service import CHECKS
from azure_model_service import Service as _Service
from environments_workspace import (
    ENVIRONMENTS,
    TOKEN,
    connected_workspace,
    environments_file,
    session_sign_in,
)

from release_manager.core.environments_file import load_environments
from release_manager.core.model import ApprovalPolicy
from release_manager.engine.azure.checks import CheckMappingError, approval_from_check
from release_manager.engine.azure.environment_sync import (
    EnvironmentSync,
    FileChangedMeanwhile,
    PushIncomplete,
)
from release_manager.engine.backend_errors import Forbidden


class Service(_Service):
    """The model service's people, Ada signing in with this workspace's token."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.ada = emulator.add_pat(TOKEN, "Ada Lovelace")
        self.bob = emulator.add_pat("pat-bob", "Bob Builder")
        self.cy = emulator.add_pat("pat-cy", "Cy Young")

    def clients(self, token: str = TOKEN):
        return super().clients(token)


@pytest.fixture
def service(azure_devops) -> Service:
    return Service(azure_devops)


def sync_for(azure_devops, folder: Path) -> EnvironmentSync:
    sync = EnvironmentSync.connected(folder, session_sign_in(azure_devops, folder.parent))
    assert sync is not None
    return sync


def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def test_pull_plans_with_reads_only_then_writes_only_the_approval_part(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada, service.bob], order="inSequence",
                                    timeout=1440, instructions="Check the dashboards")
    folder = connected_workspace(tmp_path / "ws", azure_devops)
    sync = sync_for(azure_devops, folder)
    azure_devops.clear_log()

    plan = sync.pull_plan(["test", "prod"])

    assert {call.method for call in azure_devops.requests} <= {"GET", "OPTIONS"}
    assert environments_file(folder) == ENVIRONMENTS.encode()  # nothing written yet
    assert plan.lines == ["prod: approvers Ada Lovelace → Ada Lovelace, Bob Builder",
                          "prod: order any → sequential",
                          "prod: timeout (minutes) 43200 → 1440",
                          "prod: instructions '' → 'Check the dashboards'"]
    assert plan.missing == ["test"]
    assert "-        - Ada Lovelace   # release lead" in plan.diff()
    assert "+        - Bob Builder" in plan.diff()

    sync.apply_pull(plan)

    after = environments_file(folder).decode()
    head, _, rest = ENVIRONMENTS.partition("    approval:\n")
    tail = rest[rest.index("    businessHours:"):]
    assert after.startswith(head + "    approval:\n") and after.endswith(tail)
    assert after[len(head):-len(tail)] == (  # only the approval's keys that differ
        "    approval:\n      approvers:\n        - Ada Lovelace\n        - Bob Builder\n"
        "      minimumApprovers: 2\n"
        "      order: sequential\n      timeoutMinutes: 1440\n"
        "      instructions: Check the dashboards\n")
    assert load_environments(folder)["prod"].business_hours.time_zone == "Europe/Paris"
    assert sync.pull_plan(["test", "prod"]).changed is False


def test_a_pull_is_not_written_over_a_file_changed_after_its_diff_was_shown(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.bob])
    folder = connected_workspace(tmp_path / "ws", azure_devops)
    sync = sync_for(azure_devops, folder)
    plan = sync.pull_plan()
    path = folder / ".release-manager" / "environments.yml"
    path.write_text(ENVIRONMENTS + "# edited meanwhile\n", encoding="utf-8")

    with pytest.raises(FileChangedMeanwhile) as refused:
        sync.apply_pull(plan)

    assert "nothing was written" in str(refused.value)
    assert path.read_text(encoding="utf-8").endswith("# edited meanwhile\n")


def test_push_updates_the_check_with_its_settings_and_reads_back_the_same(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    check = azure_devops.add_approval_check(prod, [service.ada, service.bob], min_required=1)
    folder = connected_workspace(tmp_path / "ws", azure_devops, edited(
        ENVIRONMENTS, "        - Ada Lovelace   # release lead\n      minimumApprovers: 1\n",
        # the same two people in other spellings: a trailing space, fullwidth, case
        "        - 'ｂｏｂ ｂｕｉｌｄｅｒ'\n        - 'ada lovelace '\n      minimumApprovers: 2\n"
        "      order: sequential\n      timeoutMinutes: 60\n"
        "      instructions: Two of us\n      requesterCannotApprove: true\n"))
    sync = sync_for(azure_devops, folder)

    plan = sync.push_plan(["prod"])
    azure_devops.clear_log()
    pushed = sync.apply_push(plan)
    [read_back] = service.checks(prod.id)

    assert plan.diff() == [  # in sequence, the order of the approvers now counts
        "prod: approvers Ada Lovelace, Bob Builder → ｂｏｂ ｂｕｉｌｄｅｒ, ada lovelace ",
        "prod: approvals needed 1 → all", "prod: order any → sequential",
        "prod: requester cannot approve no → yes", "prod: timeout (minutes) 43200 → 60",
        "prod: instructions '' → 'Two of us'"]
    assert pushed == ["prod"]
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in azure_devops.calls(CHECKS)
            if c.method != "GET"] == [("PATCH", str(check.id))]
    assert read_back["settings"] == {
        "approvers": [{"id": service.bob.id, "displayName": "Bob Builder"},
                      {"id": service.ada.id, "displayName": "Ada Lovelace"}],
        "blockedApprovers": [], "executionOrder": "inSequence", "minRequiredApprovers": 0,
        "instructions": "Two of us", "requesterCannotBeApprover": True}
    assert read_back["timeout"] == 60
    assert approval_from_check(read_back, "prod").policy == ApprovalPolicy(
        ["Bob Builder", "Ada Lovelace"], 2, True, "sequential", 60, "Two of us")
    assert sync.push_plan(["prod"]).changed is False


def test_push_adds_a_check_deletes_one_and_creates_a_missing_environment(
        azure_devops, service, tmp_path: Path):
    canary = azure_devops.add_environment("Canary")
    qa = azure_devops.add_environment("QA")
    azure_devops.add_approval_check(qa, [service.cy])
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada])
    folder = connected_workspace(tmp_path / "ws", azure_devops, ENVIRONMENTS + """\
  Staging:
    approval:
      approvers: [Cy Young]
  CANARY:
    approval:
      approvers: [Ada Lovelace]
""")
    sync = sync_for(azure_devops, folder)

    plan = sync.push_plan(["qa"])  # the pipeline deploys to qa; the file has no approval
    pushed = sync.apply_push(plan)
    staging = next(e for e in azure_devops.project().environments.values()
                   if e.name == "Staging")

    assert [(s.name, s.action) for s in plan.steps] == [
        ("Staging", "create"), ("CANARY", "add"), ("qa", "delete")]
    assert plan.diff() == [
        "Staging: create the environment in Azure DevOps (project Fabrikam-Fiber)",
        "Staging: add an approval check (approvers Cy Young, all needed, any order)",
        "CANARY: add an approval check (approvers Ada Lovelace, all needed, any order)",
        "qa: remove the approval check (approvers Cy Young, all needed, any order)"]
    assert pushed == ["Staging", "CANARY", "qa"]
    assert service.checks(qa.id) == []
    assert [approval_from_check(c, "x").policy.approvers
            for c in service.checks(canary.id)] == [["Ada Lovelace"]]
    assert [approval_from_check(c, "x").policy.approvers
            for c in service.checks(staging.id)] == [["Cy Young"]]
    assert sync.push_plan(["qa"]).changed is False


def test_an_unknown_approver_is_refused_naming_it_before_anything_is_sent(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada])
    folder = connected_workspace(tmp_path / "ws", azure_devops, edited(
        ENVIRONMENTS, "Ada Lovelace   # release lead", "Zed Unknown"))
    sync = sync_for(azure_devops, folder)
    azure_devops.clear_log()

    with pytest.raises(CheckMappingError) as refused:
        sync.push_plan()

    assert "no Azure DevOps identity named 'Zed Unknown' (known: Ada Lovelace)" in str(
        refused.value)
    assert "add 'Zed Unknown' as an approver of Prod in Azure DevOps" in str(refused.value)
    assert [c for c in azure_devops.requests if c.method not in ("GET", "OPTIONS")] == []


def test_a_403_on_push_names_the_permission_and_changes_nothing(
        azure_devops, service, tmp_path: Path):
    azure_devops.tokens.add(TOKEN, service.ada, "Basic", frozenset({MANAGE_ENVIRONMENT}))
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [service.ada, service.bob])
    folder = connected_workspace(tmp_path / "ws", azure_devops)
    sync = sync_for(azure_devops, folder)
    plan = sync.push_plan()

    with pytest.raises(Forbidden) as refused:
        sync.apply_push(plan)

    assert refused.value.permission == MANAGE_ENVIRONMENT
    assert MANAGE_ENVIRONMENT in str(refused.value)
    assert environments_file(folder) == ENVIRONMENTS.encode()
    assert [a["displayName"] for a in service.checks(prod.id)[0]["settings"]["approvers"]] \
        == ["Ada Lovelace", "Bob Builder"]


def test_a_500_mid_push_says_which_environments_were_pushed_and_which_not(
        azure_devops, service, tmp_path: Path):
    checks = {}
    for name in ("Dev", "Prod", "Test"):
        environment = azure_devops.add_environment(name)
        checks[name] = azure_devops.add_approval_check(environment, [service.bob])
    folder = connected_workspace(tmp_path / "ws", azure_devops, """\
version: 1
environments:
  dev:
    approval: {approvers: [Ada Lovelace]}
  prod:
    approval:
      approvers: [Ada Lovelace]
  test:
    approval:
      approvers: [Ada Lovelace]
""")
    sync = sync_for(azure_devops, folder)
    plan = sync.push_plan()
    azure_devops.faults.fail(f"configurations/{checks['Prod'].id}", 500, times=5,
                             method="PATCH")

    with pytest.raises(PushIncomplete) as stopped:
        sync.apply_push(plan)

    assert (stopped.value.pushed, stopped.value.not_pushed) == (["dev"], ["prod", "test"])
    assert str(stopped.value).startswith("Pushed dev; not pushed: prod, test. ")
    assert str(stopped.value).endswith("Push again to send the rest.")
    assert len(azure_devops.calls(f"configurations/{checks['Prod'].id}", "PATCH")) == 1
    assert [approval_from_check(service.checks(e.id)[0], "x").policy.approvers
            for e in azure_devops.project().environments.values()] == [
        ["Ada Lovelace"], ["Bob Builder"], ["Bob Builder"]]


def test_an_update_keeps_what_the_file_does_not_hold_such_as_blocked_approvers(
        azure_devops, service, tmp_path: Path):
    prod = azure_devops.add_environment("Prod")
    check = azure_devops.add_approval_check(prod, [service.ada, service.bob])
    with azure_devops.org.lock:
        check.settings["blockedApprovers"] = [{"id": service.cy.id, "displayName": "Cy Young"}]
    folder = connected_workspace(tmp_path / "ws", azure_devops)
    sync = sync_for(azure_devops, folder)

    sync.apply_push(sync.push_plan())
    [read_back] = service.checks(prod.id)

    assert [a["displayName"] for a in read_back["settings"]["approvers"]] == ["Ada Lovelace"]
    assert read_back["settings"]["blockedApprovers"] == [
        {"id": service.cy.id, "displayName": "Cy Young"}]
