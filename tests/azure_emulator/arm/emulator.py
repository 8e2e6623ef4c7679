"""The Azure Resource Manager (App Service) emulator: subscriptions with web apps and
their slots, served over HTTPS on loopback with its own Entra ID, the faults it is told
to inject, each slot's site, and a log of what it received."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..auth import AuthError, Grant, Identity, Tokens
from ..emulator import AzureDevOpsEmulator
from ..entra import Entra, ServicePrincipal
from ..faults import Fault
from ..lifecycle import HttpsEmulator
from ..router import Route, match
from ..state import now
from ..transport import DropConnection, Request, Response
from . import changes, reads, sites, swap
from .call import ArmCall, scope
from .errors import (
    ArmError,
    authorization_failed,
    expired_token,
    fault,
    invalid_token,
    missing_api_version,
    no_route,
    wrong_audience,
)
from .state import (
    BUILD_SETTING,
    PRODUCTION,
    SUCCEEDED,
    Cloud,
    Content,
    Deployment,
    Options,
    Slot,
    Subscription,
    WebApp,
)

MANAGEMENT_SCOPE = "https://management.azure.com/.default"
_AUDIENCES = ("https://management.azure.com", "https://management.core.windows.net")
DEFAULT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ArmRequest:
    """One request as logged: `kind` is "arm" (Resource Manager), "entra" (sign-in) or
    "site" (a slot's own web site, e.g. a health check)."""

    kind: str
    method: str
    path: str
    query: dict[str, str]


class AppServiceEmulator(HttpsEmulator):
    """Start with start() (or as a context manager). A client passes `endpoint` as
    WebSiteManagementClient's base_url and signs in at `authority` (its Entra ID),
    trusting `ca_bundle`.

    - Who calls: add_service_principal (ClientSecretCredential against `authority`;
      tokens for MANAGEMENT_SCOPE), add_bearer; `denied` names ARM actions
      ("Microsoft.Web/sites/slotsswap/action") answered 403 AuthorizationFailed;
      expire(token) / expire() → 401 ExpiredAuthenticationToken from then on;
      share_entra_with(azure_devops): one sign-in for both halves.
    - What exists: add_subscription, add_app(name, slots=…, settings=…, sticky=…),
      deploy(app, slot, build) as a pipeline's AzureWebApp@1 would, set_setting,
      set_state, fail_site; read back with app(), slot(), build(), settings(), host()
      (a slot's defaultHostName) and site_url() (https://host/: append a health path).
    - How it behaves: options.page_size, options.swap_polls (None: a swap never
      completes; finish_swap ends it), options.swap_retry_after.
    - Faults: faults.fail(fragment, status, times, retry_after=…), faults.drop(…),
      faults.hold(…); a running swap answers 409 to any other change of its app.
    - What it received: requests, calls(fragment, method), arm_calls(), clear_log()."""

    def __init__(self, folder: Path, tenant: str = DEFAULT_TENANT) -> None:
        super().__init__(folder, self.handle)
        self.tenant = tenant
        self.cloud = Cloud()
        self.tokens = Tokens()
        self.requests: list[ArmRequest] = []
        self.principal: ServicePrincipal | None = None
        """The first service principal added (the fixture's)."""
        self._lock = threading.Lock()
        self._audiences: dict[str, str] = {}  # token → the resource it was issued for
        self._expired: dict[str, str] = {}  # token → when it expired
        self._relying_parties: list[Tokens] = []  # other services that accept its tokens
        self.entra = Entra(lambda: self.base_url, self._issued)
        self.routes: list[Route] = [*reads.routes(), *changes.routes(), *swap.routes()]

    # --- addresses -------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """Resource Manager's base URL (https://management.azure.com on Azure)."""
        return self.base_url

    @property
    def authority(self) -> str:
        """The Entra ID authority host (https://login.microsoftonline.com on Azure)."""
        return self.base_url

    @property
    def sites_host(self) -> str:
        """Where each slot's site is served: below `127.0.0.1:PORT/sites`."""
        return f"127.0.0.1:{self.port}{sites.PREFIX.rstrip('/')}"

    @property
    def options(self) -> Options:
        return self.cloud.options

    # --- who calls -------------------------------------------------------------------
    def add_service_principal(self, client_id: str, secret: str,
                              display_name: str = "release-bot", *,
                              denied: set[str] = frozenset()) -> ServicePrincipal:
        """A service principal of the tenant that signs in with a client secret:
        ClientSecretCredential(tenant, client_id, secret, authority=emulator.authority,
        disable_instance_discovery=True)."""
        principal = ServicePrincipal(self.tenant, client_id, secret,
                                     Identity(display_name, client_id), frozenset(denied))
        self.entra.add(principal)
        self.principal = self.principal or principal
        return principal

    def add_bearer(self, token: str, display_name: str = "Release Manager", *,
                   denied: set[str] = frozenset(),
                   audience: str = "https://management.azure.com") -> Identity:
        """Accept `Authorization: Bearer token`, issued for `audience`."""
        identity = Identity(display_name, str(uuid.uuid4()))
        self.tokens.add(token, identity, "Bearer", frozenset(denied))
        self._audiences[token] = audience
        return identity

    def expire(self, token: str | None = None) -> None:
        """The token (None: every token issued so far) expires: its next request gets
        401 ExpiredAuthenticationToken."""
        with self._lock:
            for each in [token] if token else list(self._audiences):
                self._expired[each] = now()

    def share_entra_with(self, devops: AzureDevOpsEmulator) -> None:
        """One Entra ID for both halves, as on Azure: `devops` accepts the tokens this
        emulator's Entra ID issues (the app signs in once, at `authority`, for both)."""
        self._relying_parties.append(devops.tokens)

    def _issued(self, token: str, principal: ServicePrincipal, scope: str) -> None:
        for tokens in (self.tokens, *self._relying_parties):
            tokens.add(token, principal.identity, "Bearer", principal.denied)
        with self._lock:
            self._audiences[token] = scope.split()[0].removesuffix("/.default") if scope else ""

    # --- what exists -----------------------------------------------------------------
    def add_subscription(self, subscription: str = DEFAULT_SUBSCRIPTION,
                         display_name: str = "Space Game") -> Subscription:
        with self.cloud.lock:
            found = Subscription(subscription, display_name, self.tenant)
            self.cloud.subscriptions[subscription.lower()] = found
            return found

    def add_app(self, name: str, *, resource_group: str = "rg-spacegame",
                subscription: str | None = None, slots: tuple[str, ...] = ("staging",),
                settings: dict[str, str] | None = None, sticky: tuple[str, ...] = (),
                health_check_path: str = "", location: str = "West Europe") -> WebApp:
        """A web app with its production slot and `slots`, each with `settings`; the
        subscription (default: the first added) gets the resource group if new."""
        with self.cloud.lock:
            owner = (self.cloud.subscriptions[subscription.lower()] if subscription
                     else next(iter(self.cloud.subscriptions.values())))
            owner.resource_groups.add(resource_group.lower())
            app = WebApp(owner.id, resource_group, name, location, health_check_path,
                         frozenset(sticky))
            for slot in (PRODUCTION, *slots):
                app.slots[slot.lower()] = Slot(slot, settings=dict(settings or {}))
            owner.apps[(resource_group.lower(), name.lower())] = app
            return app

    def app(self, name: str) -> WebApp:
        with self.cloud.lock:
            found = self.cloud.find_app_by_name(name)
        if found is None:
            raise KeyError(name)
        return found

    def slot(self, app: str, slot: str = PRODUCTION) -> Slot:
        found = self.app(app).slot(slot)
        if found is None:
            raise KeyError(f"{app}/{slot}")
        return found

    def deploy(self, app: str, slot: str, build: int, *, author: str = "Release Manager",
               author_email: str = "release@fabrikam.com", deployer: str = "VSTS",
               message: str = "", body: str | None = None,
               status: int = SUCCEEDED) -> Deployment:
        """What a pipeline's AzureWebApp@1 (with appSettings -RELEASE_MANAGER_BUILD N)
        leaves in the slot: its deployment record (the only active one), its content,
        and the build setting. A failed one (another `status`) leaves its record only."""
        with self.cloud.lock:
            target = self.slot(app, slot)
            stamp = now()
            succeeded = status == SUCCEEDED
            deployment = Deployment(
                uuid.uuid4().hex, status,
                message or f"{'Deployed' if succeeded else 'Failed to deploy'} build {build}",
                author, deployer, author_email, stamp, stamp, active=succeeded,
                details=f"{self.base_url}/deployments/{build}")
            if not succeeded:  # the slot keeps serving what it served
                target.deployments.append(deployment)
                return deployment
            for earlier in target.deployments:
                earlier.active = False
            target.deployments.append(deployment)
            target.content = Content(build, body or f"{app} build {build}")
            target.settings[BUILD_SETTING] = str(build)
            return deployment

    def build(self, app: str, slot: str = PRODUCTION) -> int | None:
        """The build the slot's settings say it serves."""
        with self.cloud.lock:
            value = self.slot(app, slot).settings.get(BUILD_SETTING)
        return int(value) if value else None

    def settings(self, app: str, slot: str = PRODUCTION) -> dict[str, str]:
        with self.cloud.lock:
            return dict(self.slot(app, slot).settings)

    def set_setting(self, app: str, slot: str, name: str, value: str) -> None:
        with self.cloud.lock:
            self.slot(app, slot).settings[name] = value

    def set_state(self, app: str, slot: str, state: str) -> None:
        """"Running" or "Stopped" (a stopped slot's site answers 403)."""
        with self.cloud.lock:
            self.slot(app, slot).state = state

    def fail_site(self, app: str, slot: str, status: int = 503) -> None:
        """The slot's content answers `status` (200: healthy again); it moves with a swap."""
        with self.cloud.lock:
            self.slot(app, slot).content.status = status

    def finish_swap(self, app: str) -> None:
        """Complete the swap running on `app` now (one that would never complete)."""
        with self.cloud.lock:
            swap.finish(self.app(app))

    def host(self, app: str, slot: str = PRODUCTION) -> str:
        """The slot's defaultHostName: `127.0.0.1:PORT/sites/{app}/{slot}`."""
        return f"{self.sites_host}/{self.app(app).name}/{self.slot(app, slot).name}"

    def site_url(self, app: str, slot: str = PRODUCTION) -> str:
        return f"https://{self.host(app, slot)}/"

    # --- the request log -------------------------------------------------------------
    def calls(self, fragment: str = "", method: str | None = None) -> list[ArmRequest]:
        """The requests received whose path contains `fragment` (and of `method`)."""
        with self._lock:
            return [r for r in self.requests
                    if fragment in r.path and (method is None or r.method == method)]

    def arm_calls(self) -> list[ArmRequest]:
        """The Resource Manager requests only (no sign-in, no site)."""
        with self._lock:
            return [r for r in self.requests if r.kind == "arm"]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- serving ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        kind = ("site" if request.path.startswith(sites.PREFIX)
                else "entra" if "/oauth2/" in request.path or "/.well-known/" in request.path
                else "arm")
        with self._lock:
            self.requests.append(ArmRequest(kind, request.method, request.path,
                                            dict(request.query)))
        try:
            injected = self.faults.take(request)
            if injected is not None:
                if injected.drop:
                    raise DropConnection
                if injected.hold is not None:
                    injected.hold.arrived.set()
                    injected.hold.released.wait()
                elif injected.status is not None:
                    raise self._fault(request, injected)
            return self._serve(request)
        except ArmError as error:
            return error.response()

    def _serve(self, request: Request) -> Response:
        entra = self.entra.answer(request)
        if entra is not None:
            return entra
        site = sites.answer(self.cloud, request)
        if site is not None:
            return site
        grant = self._authenticate(request.headers.get("authorization"))
        if "api-version" not in request.query:
            raise missing_api_version()
        found = match(self.routes, request.method, request.path.strip("/"))
        if found is None:
            raise no_route(request.method, request.path)
        handler_route, params = found
        if handler_route.permission in grant.denied:
            raise self._denied(grant, handler_route.permission, params)
        return handler_route.handler(ArmCall(
            request, grant, params, self.cloud, self.base_url, self.sites_host))

    def _authenticate(self, authorization: str | None) -> Grant:
        if not (authorization or "").startswith("Bearer "):
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing.")
        token = (authorization or "").removeprefix("Bearer ")
        try:
            grant = self.tokens.authenticate(authorization)
        except AuthError:
            raise invalid_token(self.authority, self.tenant) from None
        with self._lock:
            expired_at = self._expired.get(token)
            audience = self._audiences.get(token, "")
        if expired_at is not None:
            raise expired_token(self.authority, self.tenant, expired_at, now())
        if not audience.rstrip("/").startswith(_AUDIENCES):
            raise wrong_audience(self.authority, self.tenant, audience)
        return grant

    @staticmethod
    def _denied(grant: Grant, action: str, params: dict[str, str]) -> ArmError:
        return authorization_failed(grant.identity.unique_name, grant.identity.id, action,
                                    scope(params))

    def _fault(self, request: Request, injected: Fault) -> ArmError:
        if injected.status == 401:
            return invalid_token(self.authority, self.tenant)
        if injected.status == 403:
            found = match(self.routes, request.method, request.path.strip("/"))
            action = found[0].permission if found else None
            params = found[1] if found else {}
            try:
                grant = self.tokens.authenticate(request.headers.get("authorization"))
            except AuthError:
                grant = Grant(Identity("unknown", "unknown"), "Bearer")
            return self._denied(grant, action or "Microsoft.Web/sites/read", params)
        return fault(injected.status, injected.retry_after)
