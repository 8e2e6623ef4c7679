"""Environments' checks between Azure DevOps and `.release-manager/environments.yml`.

For a connected workspace (its `azure.yml` binding and a saved sign-in): `read` asks Azure
for each environment's checks (environments found by name in any case; check
configurations with their settings); `pull_plan` is the file as it would be with Azure's
Approval checks (only the approval parts change: core/settings_splice.py) and its diff;
`push_plan` is what would be sent (add, update or delete of each Approval check, with its
settings) and the lines saying so. Both plans are made with GETs only; `apply_pull` writes
the file atomically, `apply_push` sends only what differs, through the one sender
(AzureConnection.rest: the SDK's add/update drop `settings`).

Approver names resolve to Azure identities among those the service has shown: the
approvers of the checks read, who created or changed them, and the signed-in user (the
API offers no lookup of a person by name): an unknown name is refused naming it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.environments_file import (
    environments_path,
    environments_text,
    load_environments,
    loads,
    with_approvals,
)
from release_manager.core.model import ApprovalPolicy
from release_manager.engine.azure.approvals import Approver
from release_manager.engine.azure.binding import AzureBinding, load_binding
from release_manager.engine.azure.checks import (
    RemoteApprovalCheck,
    approval_check_body,
    approval_from_check,
    check_summary,
    is_approval_check,
    policies_diff,
    policy_changes,
)
from release_manager.engine.azure.connection import CONNECTION_DATA_VERSION, AzureConnection
from release_manager.engine.azure.environments import RemoteEnvironment, remote_environments
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.wire import display_name, get
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import BackendError

ENVIRONMENTS_VERSION = "7.1"
CHECKS_VERSION = "7.1-preview.1"


class PushIncomplete(BackendError):
    """A push stopped part way: `pushed` reached Azure, `not_pushed` did not."""

    def __init__(self, message: str, pushed: list[str], not_pushed: list[str]) -> None:
        super().__init__(message)
        self.pushed = pushed
        self.not_pushed = not_pushed


class FileChangedMeanwhile(BackendError):
    """environments.yml changed on disk between the diff shown and the write."""


@dataclass(frozen=True)
class EnvironmentChecks:
    """One environment's checks on Azure, under the name the workspace spells it."""

    name: str
    remote: RemoteEnvironment | None
    """None: no environment of that name in the project."""
    approval: RemoteApprovalCheck | None = None
    others: list[str] = field(default_factory=list)
    """The other checks, one plain line each (read-only here)."""
    approval_settings: dict[str, Any] = field(default_factory=dict)
    """The Approval check's settings as Azure holds them, the ones the file does not
    carry (blocked approvers, …) included: an update keeps those."""


@dataclass(frozen=True)
class AzureChecks:
    environments: list[EnvironmentChecks]
    identities: list[Approver]

    def found(self) -> list[EnvironmentChecks]:
        return [e for e in self.environments if e.remote is not None]

    def missing(self) -> list[str]:
        return [e.name for e in self.environments if e.remote is None]

    def policies(self) -> dict[str, ApprovalPolicy | None]:
        return {e.name: e.approval.policy if e.approval else None for e in self.found()}


@dataclass(frozen=True)
class PullPlan:
    before: str
    """The file as read ("" when there is none)."""
    after: str
    lines: list[str]
    """What changes, environment by environment (policies_diff)."""
    missing: list[str]
    """Environments Azure does not have: kept as the file has them."""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> list[str]:
        """The file's unified diff, disk (−) → after the pull (+)."""
        return list(difflib.unified_diff(
            self.before.splitlines(), self.after.splitlines(),
            "environments.yml (on disk)", "environments.yml (from Azure DevOps)", lineterm=""))


@dataclass(frozen=True)
class PushStep:
    name: str
    action: str
    """"add", "update", "delete", or "create" (the environment, then its check)."""
    lines: list[str]
    body: dict[str, Any] | None = None
    check_id: int | None = None


@dataclass(frozen=True)
class PushPlan:
    steps: list[PushStep]
    missing: list[str]
    """Environments Azure does not have and the file gives no approval: nothing to send."""
    file_text: str
    """The file the plan was made from."""

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    def diff(self) -> list[str]:
        return [line for step in self.steps for line in step.lines]


class EnvironmentSync:
    """One workspace's environments against its Azure DevOps project. Safe to use from a
    worker thread; nothing here touches the window."""

    def __init__(self, workspace_dir: Path, connection: AzureConnection,
                 binding: AzureBinding) -> None:
        self.workspace_dir = Path(workspace_dir)
        self.connection = connection
        self.binding = binding
        self._project = f"/{quote(binding.project, safe='')}/_apis"

    @classmethod
    def connected(cls, workspace_dir: Path, saved: SavedSignIns) -> EnvironmentSync | None:
        """The sync of a connected workspace (None when it has no azure.yml). SignedOut
        when the organization has no saved sign-in; BindingFileError for a bad file."""
        binding = load_binding(workspace_dir)
        if binding is None:
            return None
        organization = parse_organization(binding.organization_url)
        return cls(workspace_dir, AzureConnection(organization, saved.load(organization)),
                   binding)

    # ----------------------------------------------------------------- reading

    def names(self, pipeline_environments: Iterable[str] = ()) -> list[str]:
        """The environments the file has and those the pipeline deploys to, each once
        (in any case), spelled as the file spells it."""
        names = list(load_environments(self.workspace_dir))
        for name in pipeline_environments:
            if not any(n.casefold() == name.casefold() for n in names):
                names.append(name)
        return names

    def read(self, names: Iterable[str]) -> AzureChecks:
        """Each named environment's checks on Azure (GETs only)."""
        found = remote_environments(list(self.connection.pages(
            f"{self._project}/distributedtask/environments", ENVIRONMENTS_VERSION,
            lookup=Lookup("project", self.binding.project))))
        by_name = {e.name.strip().casefold(): e for e in found}
        identities: list[Approver] = [self._signed_in()]
        environments = []
        for name in names:
            remote = by_name.get(name.strip().casefold())
            if remote is None:
                environments.append(EnvironmentChecks(name, None))
                continue
            checks = self._checks(remote)
            approval, others, settings = None, [], {}
            for check in checks:
                identities += [Approver(str(get(i, "id", "")), display_name(i))
                               for i in (get(check, "createdBy"), get(check, "modifiedBy"))
                               if i and get(i, "id")]
                if is_approval_check(check) and approval is None:
                    approval = approval_from_check(check, name)
                    identities += approval.approvers
                    settings = dict(get(check, "settings", {}))
                else:
                    others.append(check_summary(check))
            environments.append(EnvironmentChecks(name, remote, approval, others, settings))
        return AzureChecks(environments, identities)

    def _checks(self, environment: RemoteEnvironment) -> list[dict[str, Any]]:
        answer = self.connection.rest(
            "GET", f"{self._project}/pipelines/checks/configurations", CHECKS_VERSION,
            query={"resourceType": "environment", "resourceId": str(environment.id),
                   "$expand": "settings"},
            lookup=Lookup("environment", environment.name)) or {}
        return list(get(answer, "value", []))

    def _signed_in(self) -> Approver:
        data = self.connection.rest("GET", "/_apis/connectionData",
                                    CONNECTION_DATA_VERSION) or {}
        user = data.get("authenticatedUser") or {}
        return Approver(str(user.get("id", "")), str(user.get("providerDisplayName", "")))

    # ----------------------------------------------------------------- pull

    def pull_plan(self, pipeline_environments: Iterable[str] = ()) -> PullPlan:
        before = environments_text(self.workspace_dir)
        path = environments_path(self.workspace_dir)
        local = loads(before, path) if before.strip() else {}
        azure = self.read(self.names(pipeline_environments))
        remote = azure.policies()
        local_policies = {name: environment.approval for name, environment in local.items()
                          if name in remote}
        after = with_approvals(before, path, remote)
        return PullPlan(before, after, policies_diff(local_policies, remote), azure.missing())

    def apply_pull(self, plan: PullPlan) -> None:
        """Write the pulled file (atomically), unless it changed since the plan was made."""
        if environments_text(self.workspace_dir) != plan.before:
            raise FileChangedMeanwhile(
                f"{environments_path(self.workspace_dir)} changed since the differences "
                "were shown: nothing was written. Pull again to see the new differences.")
        if plan.changed:
            write_bytes_atomic(environments_path(self.workspace_dir),
                               plan.after.encode("utf-8"))

    # ----------------------------------------------------------------- push

    def push_plan(self, pipeline_environments: Iterable[str] = ()) -> PushPlan:
        """What a push sends: CheckMappingError (before anything is sent) for an approver
        no identity answers to, or one holding an invisible character."""
        text = environments_text(self.workspace_dir)
        path = environments_path(self.workspace_dir)
        local = loads(text, path) if text.strip() else {}
        names = self.names(pipeline_environments)
        azure = self.read(names)
        steps, missing = [], []
        for environment in azure.environments:
            mine = next((e.approval for n, e in local.items()
                         if n.casefold() == environment.name.casefold()), None)
            theirs = environment.approval
            if environment.remote is None:
                if mine is None:
                    missing.append(environment.name)
                    continue
                unknown = {"type": "environment", "id": "", "name": environment.name}
                steps.append(PushStep(environment.name, "create", [
                    f"{environment.name}: create the environment in Azure DevOps "
                    f"(project {self.binding.project})",
                    *policy_changes(environment.name, None, mine)],
                    approval_check_body(mine, unknown, azure.identities)))
                continue
            lines = policy_changes(environment.name, theirs.policy if theirs else None, mine)
            if not lines:
                continue
            resource = environment.remote.resource()
            if mine is None:
                steps.append(PushStep(environment.name, "delete", lines,
                                      check_id=theirs.check_id if theirs else None))
            elif theirs is None:
                steps.append(PushStep(environment.name, "add", lines,
                                      approval_check_body(mine, resource, azure.identities)))
            else:
                body = approval_check_body(mine, resource, azure.identities)
                kept = {key: value for key, value in environment.approval_settings.items()
                        if key not in body["settings"] or key == "blockedApprovers"}
                body["settings"] = body["settings"] | kept  # what the file does not say
                steps.append(PushStep(environment.name, "update", lines,
                                      body | {"id": theirs.check_id}, theirs.check_id))
        return PushPlan(steps, missing, text)

    def apply_push(self, plan: PushPlan, token: CancelToken | None = None) -> list[str]:
        """Send each step; the environments pushed. A failure after some were pushed is
        PushIncomplete naming both; before any, the failure itself."""
        if environments_text(self.workspace_dir) != plan.file_text:
            raise FileChangedMeanwhile(
                f"{environments_path(self.workspace_dir)} changed since the differences "
                "were shown: nothing was sent. Push again to see the new differences.")
        pushed: list[str] = []
        for index, step in enumerate(plan.steps):
            if token is not None and token.cancelled:
                self._stopped(pushed, plan.steps[index:], "the push was cancelled")
            try:
                self._send(step)
            except BackendError as failure:
                if not pushed:
                    raise
                self._stopped(pushed, plan.steps[index:], str(failure))
            pushed.append(step.name)
        return pushed

    @staticmethod
    def _stopped(pushed: list[str], left: list[PushStep], why: str) -> None:
        not_pushed = [step.name for step in left]
        done = f"Pushed {', '.join(pushed)}" if pushed else "Nothing was pushed"
        raise PushIncomplete(
            f"{done}; not pushed: {', '.join(not_pushed)}. {why.rstrip('.')}. Push again "
            "to send the rest.", pushed, not_pushed)

    def _send(self, step: PushStep) -> None:
        checks = f"{self._project}/pipelines/checks/configurations"
        lookup = Lookup("environment", step.name)
        if step.action == "delete":
            self.connection.rest("DELETE", f"{checks}/{step.check_id}", CHECKS_VERSION,
                                 lookup=lookup)
        elif step.action == "update":
            self.connection.rest("PATCH", f"{checks}/{step.check_id}", CHECKS_VERSION,
                                 body=step.body, lookup=lookup)
        elif step.action == "add":
            self.connection.rest("POST", checks, CHECKS_VERSION, body=step.body, lookup=lookup)
        else:
            self._create(step)

    def _create(self, step: PushStep) -> None:
        """The environment, then its Approval check on it."""
        assert step.body is not None
        created = self.connection.rest(
            "POST", f"{self._project}/distributedtask/environments", ENVIRONMENTS_VERSION,
            body={"name": step.name, "description": ""}, lookup=Lookup("environment", step.name))
        resource = remote_environments([created])[0].resource()
        self.connection.rest("POST", f"{self._project}/pipelines/checks/configurations",
                             CHECKS_VERSION, body=step.body | {"resource": resource},
                             lookup=Lookup("environment", step.name))


def approval_line(policy: ApprovalPolicy) -> str:
    """The Approval check in a line: who, how many, in which order, how long."""
    needed = "all" if (policy.order == "sequential"
                       or policy.minimum_approvers >= len(policy.approvers)) \
        else str(policy.minimum_approvers)
    requester = "cannot" if policy.requester_cannot_approve else "may"
    return (f"Approval by {', '.join(policy.approvers) or 'nobody'}: {needed} needed, "
            f"{'in sequence' if policy.order == 'sequential' else 'any order'}, the "
            f"requester {requester} approve, times out after {policy.timeout_minutes} "
            "minutes")


def checks_lines(azure: AzureChecks, project: str) -> list[str]:
    """Each environment and its checks, as `environments show` prints them."""
    lines = []
    for environment in azure.environments:
        if environment.remote is None:
            lines.append(f"{environment.name}: not in Azure DevOps (project {project})")
            continue
        lines.append(f"{environment.name} (Azure DevOps environment {environment.remote.id})")
        if environment.approval is not None:
            lines.append(f"  {approval_line(environment.approval.policy)} (editable)")
        lines += [f"  {summary} (read-only)" for summary in environment.others]
        if environment.approval is None and not environment.others:
            lines.append("  no checks")
    return lines
