"""The Azure DevOps emulator: one organization served over HTTPS on loopback, with the
tokens it accepts, the faults it is told to inject and a log of what it received."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .api import approvals, bootstrap, builds, checks, environments, pipelines
from .auth import AuthError, Identity, Tokens, require
from .entra import Entra, ServicePrincipal
from .errors import ServiceError, no_api_version, project_not_found
from .lifecycle import HttpsEmulator
from .router import Call, Route, match
from .runs import Run
from .state import (
    APPROVAL_CHECK,
    CheckConfiguration,
    Environment,
    Organization,
    Pipeline,
    Project,
    StageSpec,
)
from .transport import DropConnection, Request, Response

_API_VERSION = re.compile(r"api-version=([\w.\-]+)")


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    accept: str


class AzureDevOpsEmulator(HttpsEmulator):
    """Start with start() (or as a context manager); `organization_url` is what a client
    connects to, `ca_bundle` the certificate authority it must trust.

    - Who calls: add_pat / add_bearer / add_service_principal (tokens lacking permissions
      named in azure_emulator.auth answer 403), revoke (401 from then on).
    - What exists: add_project, add_pipeline(name, [StageSpec, …]), add_environment,
      add_approval_check; queue() seeds runs without a client.
    - How runs move: step() (one tick of the agents), finish() (until done or waiting for
      an approval), write_log(), set_outcome(); approving, rejecting, cancelling and
      retrying go through the REST API as the app does.
    - Faults: faults.fail(fragment, status, times, retry_after=…), faults.drop(…),
      faults.hold(…) → Hold (arrived / release()).
    - What it received: requests, calls(fragment, method), clear_log()."""

    def __init__(self, folder: Path, organization: str = "fabrikam") -> None:
        super().__init__(folder, self.handle)
        self.org = Organization(organization)
        self.tokens = Tokens()
        self.requests: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self.entra = Entra(lambda: self.base_url, lambda token, principal, _scope: self.tokens.add(
            token, principal.identity, "Bearer", principal.denied))
        lock = self.org.lock
        self.routes: list[Route] = [
            *bootstrap.routes(self.org), *pipelines.routes(lock), *builds.routes(lock),
            *approvals.routes(lock), *checks.routes(lock), *environments.routes(lock)]

    # --- addresses -------------------------------------------------------------------
    @property
    def organization_url(self) -> str:
        return f"{self.base_url}/{self.org.name}"

    # --- test set-up -----------------------------------------------------------------
    def add_project(self, name: str) -> Project:
        return self.org.add_project(name)

    def project(self, name: str | None = None) -> Project:
        """The project named `name`, or the first one added."""
        found = self.org.find_project(name) if name else next(iter(self.org.projects.values()))
        if found is None:
            raise KeyError(name)
        return found

    def add_pipeline(self, name: str, stages: list[StageSpec], *,
                     project: str | None = None) -> Pipeline:
        with self.org.lock:
            where = self.project(project)
            pipeline = Pipeline(where.next_id(), name, list(stages))
            where.pipelines[pipeline.id] = pipeline
            return pipeline

    def add_environment(self, name: str, *, project: str | None = None) -> Environment:
        with self.org.lock:
            where = self.project(project)
            environment = Environment(where.next_id(), name)
            where.environments[environment.id] = environment
            return environment

    def add_approval_check(self, environment: Environment, approvers: list[Identity], *,
                           min_required: int = 0, order: str = "anyOrder",
                           requester_cannot_approve: bool = False, instructions: str = "",
                           timeout: int = 43200, project: str | None = None
                           ) -> CheckConfiguration:
        """An Approval check on the environment, as the check-configurations API stores it."""
        settings = {"approvers": [{"id": a.id, "displayName": a.display_name}
                                  for a in approvers],
                    "blockedApprovers": [], "executionOrder": order,
                    "minRequiredApprovers": min_required, "instructions": instructions,
                    "requesterCannotBeApprover": requester_cannot_approve}
        with self.org.lock:
            where = self.project(project)
            check = CheckConfiguration(
                where.next_id(), dict(APPROVAL_CHECK),
                {"type": "environment", "id": str(environment.id), "name": environment.name},
                timeout, settings, approvers[0].ref() if approvers else {})
            where.checks[check.id] = check
            return check

    # --- runs: queue, then move them on ------------------------------------------------
    def queue(self, pipeline: Pipeline, requested_by: Identity, *,
              project: str | None = None, **options) -> Run:
        """Queue a run without a client (history for a test); options as Run.queue."""
        with self.org.lock:
            return Run.queue(self.project(project), pipeline, requested_by, **options)

    def run(self, run_id: int, *, project: str | None = None) -> Run:
        return self.project(project).runs[run_id]

    def step(self, run_id: int | None = None, *, project: str | None = None) -> None:
        """One tick of the agents for one run, or for every run of every project."""
        with self.org.lock:
            if run_id is not None:
                self.run(run_id, project=project).step()
                return
            for each in self.org.projects.values():
                for run in list(each.runs.values()):
                    run.step()

    def finish(self, run_id: int, *, project: str | None = None) -> Run:
        """Step the run until it completes or waits for an approval."""
        with self.org.lock:
            run = self.run(run_id, project=project)
            for _ in range(1000):
                waiting = any(stage.waiting for stage in run.stages.values())
                if run.status == "completed" or waiting:
                    return run
                run.step()
        raise RuntimeError(f"run {run_id} did not settle")

    def write_log(self, run_id: int, stage: str, text: str, *,
                  project: str | None = None) -> None:
        with self.org.lock:
            self.run(run_id, project=project).write_log(stage, text)

    def set_outcome(self, run_id: int, stage: str, outcome: str, *,
                    project: str | None = None) -> None:
        with self.org.lock:
            self.run(run_id, project=project).set_outcome(stage, outcome)

    def add_pat(self, token: str, display_name: str = "Release Manager",
                unique_name: str | None = None, *, denied: set[str] = frozenset(),
                identity: Identity | None = None) -> Identity:
        """Accept `token` as a personal access token (HTTP Basic, any user name) for a
        user who lacks the `denied` permissions (names from azure_emulator.auth)."""
        return self._add_token("Basic", token, display_name, unique_name, denied, identity)

    def add_bearer(self, token: str, display_name: str = "Release Manager",
                   unique_name: str | None = None, *, denied: set[str] = frozenset(),
                   identity: Identity | None = None) -> Identity:
        """Accept `Authorization: Bearer token` (an Entra ID access token)."""
        return self._add_token("Bearer", token, display_name, unique_name, denied, identity)

    def add_service_principal(self, tenant: str, client_id: str, secret: str,
                              display_name: str = "release-bot", *,
                              denied: set[str] = frozenset()) -> Identity:
        """A service principal that signs in with a client secret at the emulator's Entra
        ID: ClientSecretCredential(tenant, client_id, secret, authority=emulator.base_url,
        disable_instance_discovery=True); its tokens are accepted as Bearer."""
        identity = Identity(display_name, f"{client_id}@{tenant}")
        self.entra.add(ServicePrincipal(tenant, client_id, secret, identity, frozenset(denied)))
        return identity

    def revoke(self, token: str) -> None:
        """The token expires: its next request gets 401."""
        self.tokens.revoke(token)

    def _add_token(self, scheme, token, display_name, unique_name, denied, identity) -> Identity:
        identity = identity or Identity(
            display_name, unique_name or display_name.lower().replace(" ", ".") + "@fabrikam.com")
        self.tokens.add(token, identity, scheme, frozenset(denied))
        return identity

    # --- the request log -------------------------------------------------------------
    def calls(self, fragment: str = "", method: str | None = None) -> list[LoggedRequest]:
        """The requests received whose path contains `fragment` (and of `method`)."""
        with self._log_lock:
            return [r for r in self.requests
                    if fragment in r.path and (method is None or r.method == method)]

    def clear_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    # --- serving ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with self._log_lock:
            self.requests.append(LoggedRequest(
                request.method, request.path, dict(request.query), request.accept))
        fault = self.faults.take(request)
        if fault is not None:
            if fault.drop:
                raise DropConnection
            if fault.hold is not None:
                fault.hold.arrived.set()
                fault.hold.released.wait()
            elif fault.status is not None:
                return self._fault_response(fault.status, fault.retry_after)
        try:
            return self._serve(request)
        except AuthError as error:
            if error.status == 401:
                return self._unauthorized()
            return ServiceError(403, error.message, "AccessDeniedException").response()
        except ServiceError as error:
            return error.response()

    def _serve(self, request: Request) -> Response:
        entra = self.entra.answer(request)
        if entra is not None:
            return entra
        prefix = f"/{self.org.name}".lower()
        lowered = request.path.lower()
        if not (lowered == prefix or lowered.startswith(prefix + "/")):
            return Response.text("The resource cannot be found.", 404)  # unknown collection
        below = request.path[len(prefix):].strip("/")
        grant = self.tokens.authenticate(request.headers.get("authorization"))
        if request.method != "OPTIONS" and not self._api_version(request):
            raise no_api_version(request.method)
        found = match(self.routes, request.method, below)
        if found is None:
            return Response.text("The resource cannot be found.", 404)
        handler_route, params = found
        project = None
        if "project" in params:
            project = self.org.find_project(params["project"])
            if project is None:
                raise project_not_found(params["project"])
        require(grant, handler_route.permission, project.name if project else None)
        return handler_route.handler(
            Call(request, grant, params, project, self.organization_url))

    @staticmethod
    def _api_version(request: Request) -> str | None:
        found = _API_VERSION.search(request.accept)
        return found.group(1) if found else request.query.get("api-version")

    def _unauthorized(self) -> Response:
        response = Response(401, b"", "text/html; charset=utf-8")
        response.headers["WWW-Authenticate"] = f'Basic realm="{self.base_url}/"'
        return response

    @staticmethod
    def _fault_response(status: int, retry_after: int | None) -> Response:
        if status == 401:
            return Response(401, b"", "text/html; charset=utf-8")
        messages = {403: ("Access denied.", "AccessDeniedException"),
                    404: ("The resource cannot be found.", "NotFoundException"),
                    429: ("Request was blocked due to exceeding usage of resource.",
                          "TooManyRequestsException")}
        message, type_key = messages.get(status, ("Internal server error.", "VssServiceException"))
        response = ServiceError(status, message, type_key).response()
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

