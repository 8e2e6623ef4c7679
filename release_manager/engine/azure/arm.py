"""The one way requests reach Azure Resource Manager: azure-mgmt-web's
WebSiteManagementClient (one per subscription, made once) with the sign-in's
azure-identity credential, for the endpoint's own scope.

Every request is counted (`calls`: what a refresh costs). azure-core's retry policy
retries, honouring Retry-After: 429 always (ARM did nothing), 5xx, timeouts and dropped
connections only for reads (GET, and ARM's POST …/list reads); a change (a swap, a
restart) is never sent twice. A Retry-After longer than MAX_RETRY_AFTER is not waited
here: the Unavailable error carries it to the caller. Failures leave as the typed errors
of arm_failures.py. TLS goes through requests, which honours REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy
from azure.core.rest import HttpRequest
from azure.mgmt.web import WebSiteManagementClient

from release_manager.engine.azure.arm_failures import from_azure_error
from release_manager.engine.azure.arm_sign_in import ArmSignIn
from release_manager.engine.azure.entra import (
    DeviceCodePrompt,
    memory_only_note,
    token_credential,
)
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import BackendError

T = TypeVar("T")
SUBSCRIPTIONS_VERSION = "2022-12-01"
RETRIES = 3
"""Tries after the first of a request that failed for a retryable reason."""
BACKOFF = 0.5
"""Seconds before the first retry when ARM named no wait (doubling, up to MAX_BACKOFF)."""
MAX_BACKOFF = 4.0
MAX_RETRY_AFTER = 30.0
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 30.0


@dataclass(frozen=True)
class Subscription:
    id: str
    name: str
    state: str


@dataclass(frozen=True)
class WebApp:
    subscription: str
    resource_group: str
    name: str
    state: str
    slots: tuple[str, ...]
    """Its deployment slots' names (production not included), sorted."""


class CallCount(SansIOHTTPPolicy):
    """Counts each request sent (each retry too): what reading the slots costs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def on_request(self, request: PipelineRequest) -> None:
        with self._lock:
            self.count += 1


class ArmRetry(RetryPolicy):
    """azure-core's retry policy, but a change is retried only when throttled, and a
    Retry-After over MAX_RETRY_AFTER ends the tries (the caller is told the wait)."""

    def __init__(self) -> None:
        super().__init__(retry_total=RETRIES, retry_backoff_factor=BACKOFF,
                         retry_backoff_max=MAX_BACKOFF)

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse) -> bool:
        wait = self.get_retry_after(response)
        if wait is not None and wait > MAX_RETRY_AFTER:
            return False
        if response.http_response.status_code == 429:
            return bool(settings["total"])
        if not is_read(response.http_request.method, response.http_request.url):
            return False
        return super().is_retry(settings, response)

    def _is_method_retryable(self, settings: dict[str, Any], request: Any,
                             response: Any = None) -> bool:
        return is_read(request.method, request.url)


def is_read(method: str, url: str) -> bool:
    """GET, or one of ARM's POST …/list reads (app settings)."""
    path = url.split("?", 1)[0].rstrip("/")
    return method.upper() in ("GET", "HEAD") or (method.upper() == "POST"
                                                 and path.endswith("/list"))


class ArmClient:
    """An ARM sign-in's clients; safe to use from several worker threads."""

    def __init__(self, sign_in: ArmSignIn,
                 device_code_prompt: DeviceCodePrompt | None = None) -> None:
        self.sign_in = sign_in
        self.credential = token_credential(sign_in.entra, device_code_prompt)
        self.calls = CallCount()
        self._clients: dict[str, WebSiteManagementClient] = {}
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return self.sign_in.endpoint

    def web(self, subscription: str) -> WebSiteManagementClient:
        """The App Service client of `subscription` (made once)."""
        with self._lock:
            if subscription not in self._clients:
                self._clients[subscription] = WebSiteManagementClient(
                    self.credential, subscription, base_url=self.endpoint,
                    credential_scopes=[self.sign_in.scope], retry_policy=ArmRetry(),
                    per_retry_policies=[self.calls], connection_timeout=CONNECT_TIMEOUT,
                    read_timeout=READ_TIMEOUT)
            return self._clients[subscription]

    def call(self, action: Callable[[], T], doing: str, lookup: Lookup | None = None) -> T:
        """Run `action` (SDK calls), its failure typed: `doing` says what it was for
        ("swap …", a sentence's verb phrase), `lookup` what a 404 did not find."""
        try:
            return action()
        except BackendError:
            raise
        except Exception as error:  # typed below, or re-raised
            failure = from_azure_error(error, self.endpoint, doing, lookup)
            if failure is None:
                raise
            raise failure from None

    def subscriptions(self) -> list[Subscription]:
        """The subscriptions this sign-in sees, by name (a raw request through the
        client's pipeline: azure-mgmt-web has no such operation)."""
        client = self.web("")

        def pages() -> Iterator[dict[str, Any]]:
            url = f"/subscriptions?api-version={SUBSCRIPTIONS_VERSION}"
            while url:
                response = client.send_request(HttpRequest("GET", url))
                response.raise_for_status()
                data = response.json()
                yield from data.get("value", [])
                url = data.get("nextLink") or ""

        found = self.call(lambda: list(pages()), "list the subscriptions")
        return sorted((Subscription(item.get("subscriptionId", ""),
                                    item.get("displayName", ""), item.get("state", ""))
                       for item in found), key=lambda sub: (sub.name.lower(), sub.id))

    def web_apps(self, subscription: str) -> list[WebApp]:
        """The web apps of `subscription`, each with its slots: one listing of the apps,
        then one listing with slots per resource group holding some."""
        web = self.web(subscription)
        sites = self.call(lambda: list(web.web_apps.list()),
                          f"list the web apps of subscription {subscription}",
                          Lookup("subscription", subscription))
        slots: dict[tuple[str, str], list[str]] = {}
        for group in sorted({resource_group_of(site.id or "") for site in sites}):
            for site in self.resource_group_sites(subscription, group):
                app, _, slot = (site.name or "").partition("/")
                if slot:
                    slots.setdefault((group.lower(), app.lower()), []).append(slot)
        apps = [WebApp(subscription, group, site.name, site.state or "",
                       tuple(sorted(slots.get((group.lower(), site.name.lower()), []))))
                for site in sites for group in [resource_group_of(site.id or "")]]
        return sorted(apps, key=lambda app: (app.resource_group.lower(), app.name.lower()))

    def resource_group_sites(self, subscription: str, resource_group: str) -> list[Any]:
        """Every web app of a resource group and every slot of each ("app/slot"), as
        azure-mgmt-web's Site: one listing."""
        web = self.web(subscription)
        return self.call(
            lambda: list(web.web_apps.list_by_resource_group(resource_group,
                                                             include_slots=True)),
            f"list the web apps of resource group {resource_group}",
            Lookup("resource group", resource_group))


def resource_group_of(resource_id: str) -> str:
    """The resource group named in an ARM resource id ("" when it names none)."""
    parts = resource_id.split("/")
    lowered = [part.lower() for part in parts]
    if "resourcegroups" in lowered:
        index = lowered.index("resourcegroups") + 1
        return parts[index] if index < len(parts) else ""
    return ""


@dataclass(frozen=True)
class ArmSignedIn:
    subscriptions: list[Subscription]
    token_cache_note: str
    """Said to the user when tokens are kept in memory only (see entra.py); "" else."""


def check_arm(sign_in: ArmSignIn, *,
              device_code_prompt: DeviceCodePrompt | None = None) -> ArmSignedIn:
    """"Test connection": the subscriptions `sign_in` sees (the typed error of what
    failed), nothing kept."""
    client = ArmClient(sign_in, device_code_prompt)
    return ArmSignedIn(client.subscriptions(), memory_only_note(client.credential))


def check_and_keep_arm(sign_in: ArmSignIn, saved: SavedSignIns, *,
                       device_code_prompt: DeviceCodePrompt | None = None,
                       cancel: CancelToken | None = None) -> ArmSignedIn:
    """Signing in to Azure Resource Manager: NoSecureStore before anything is sent when
    it could not be kept, then the sign-in checked (check_arm: nothing kept when that
    fails), then kept, unless `cancel` was set meanwhile (the user who cancelled is
    told nothing more: what is returned then was not kept)."""
    saved.require_secure()
    signed_in = check_arm(sign_in, device_code_prompt=device_code_prompt)
    if cancel is None or not cancel.cancelled:
        saved.save_arm(sign_in)
    return signed_in
