"""A connection to one Azure DevOps organization, and the one place its requests are
sent: SDK calls (`call`), raw REST through the SDK's authenticated session (`rest`,
the contracts' recipe, for what the SDK lacks) and raw-REST lists across continuation
tokens (`pages`: the SDK's list calls drop the `X-MS-ContinuationToken` header).

Every failure leaves as a typed error of engine/backend_errors.py (see failures.py).
429 waits the Retry-After the service asks (up to MAX_RETRY_AFTER) and tries again;
5xx, timeouts and refused connections are tried again with back-off, then reported as
Unavailable. msrest's own retries are turned off so the attempts are counted here.
TLS goes through requests, which honours REQUESTS_CA_BUNDLE (msrest keeps `trust_env`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import requests
from azure.devops.client import Client
from azure.devops.connection import Connection
from msrest.authentication import Authentication, BasicAuthentication
from msrest.universal_http import ClientRequest

from release_manager.crash_report import remember_secret
from release_manager.engine.azure.entra import (
    BearerAuthentication,
    DeviceCodePrompt,
    token_credential,
)
from release_manager.engine.azure.failures import Lookup, from_exception, from_response
from release_manager.engine.azure.organization import Organization
from release_manager.engine.azure.sign_in import PatSignIn, SignIn
from release_manager.engine.backend_errors import BackendError, Unavailable

T = TypeVar("T")
ATTEMPTS = 4
"""Tries of one request that failed for a retryable reason, the first included."""
BACKOFF = (0.5, 1.0, 2.0)
"""Seconds before the 2nd, 3rd and 4th tries when the service named no wait."""
MAX_RETRY_AFTER = 30.0
"""A longer Retry-After is not waited here: Unavailable carries it to the caller."""
TIMEOUT = 30.0
"""Seconds a request may take before it counts as a timeout (by default)."""
CONTINUATION_HEADER = "X-MS-ContinuationToken"
CONNECTION_DATA_VERSION = "7.1-preview.1"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def authentication(sign_in: SignIn,
                   device_code_prompt: DeviceCodePrompt | None = None) -> Authentication:
    """msrest authentication for a sign-in: Basic with an empty user for a token (what
    Azure DevOps asks of a PAT), a bearer token from azure-identity for Entra ID."""
    if isinstance(sign_in, PatSignIn):
        remember_secret(sign_in.token)
        return BasicAuthentication("", sign_in.token)
    return BearerAuthentication(token_credential(sign_in, device_code_prompt))


class AzureConnection:
    """An organization and a sign-in; safe to use from several worker threads."""

    def __init__(self, organization: Organization, sign_in: SignIn,
                 device_code_prompt: DeviceCodePrompt | None = None, *,
                 timeout: float = TIMEOUT) -> None:
        self.organization = organization
        self.timeout = timeout
        self.sdk = Connection(base_url=organization.url,
                              creds=authentication(sign_in, device_code_prompt))
        self._last = threading.local()
        self._configured: set[int] = set()
        self._lock = threading.RLock()

    def client(self, get: Callable[[Any], T]) -> T:
        """An SDK client, sent through here: `conn.client(lambda f: f.get_build_client())`
        on the 7.1 client factory. Making one may ask the service for its resource areas
        (once per 12 hours), a request the SDK sends on its own: when that fails without
        saying why, the organization's connection data, asked here, says it."""
        with self._lock:  # the SDK's client cache is not thread-safe
            try:
                # msrest retries the resource areas itself: not retried again here
                client = self._attempt(lambda: get(self.sdk.clients_v7_1), None, False)
            except BackendError as failure:
                if type(failure) is BackendError:
                    self.rest("GET", "/_apis/connectionData", CONNECTION_DATA_VERSION,
                              lookup=Lookup("organization", self.organization.name))
                raise
            if id(client) not in self._configured:
                self._configure(client)
                self._configured.add(id(client))
        return client

    def call(self, action: Callable[[], T], *, lookup: Lookup | None = None,
             retry_server_errors: bool = True) -> T:
        """Run one SDK call (`action`), retried and its failure typed. Pass
        `retry_server_errors=False` for a call that changes something and must not be
        sent twice (429 is still retried: the service did nothing)."""
        return self._attempt(action, lookup, retry_server_errors)

    def rest(self, method: str, path: str, api_version: str, *,
             query: dict[str, str] | None = None, body: Any = None,
             lookup: Lookup | None = None) -> Any:
        """Raw REST: `path` relative to the organization URL ("/PROJECT/_apis/…");
        the decoded JSON answer, or None for an empty one."""
        response = self.rest_response(method, path, api_version, query=query, body=body,
                                      lookup=lookup)
        return self._json(response) if response.content else None

    def rest_response(self, method: str, path: str, api_version: str, *,
                      query: dict[str, str] | None = None, body: Any = None,
                      lookup: Lookup | None = None) -> requests.Response:
        client = self.client(lambda factory: factory.get_location_client())

        def send() -> requests.Response:
            request = ClientRequest(method=method, url=client._client.format_url(path))
            if query:
                request.format_parameters(query)
            headers = {"Content-Type": "application/json; charset=utf-8",
                       "Accept": f"application/json;api-version={api_version}",
                       "X-TFS-FedAuthRedirect": "Suppress"}  # a 401, not a sign-in page
            response = client._send_request(request, headers=headers, content=body)
            if response.status_code == 203:  # Azure's sign-in page all the same
                raise from_response(response, self.organization, lookup)
            return response

        return self._attempt(send, lookup, method.upper() in IDEMPOTENT)

    def pages(self, path: str, api_version: str, *, query: dict[str, str] | None = None,
              lookup: Lookup | None = None) -> Iterator[Any]:
        """Every item of a raw-REST list (`{"count", "value"}`), page after page."""
        query = dict(query or {})
        while True:
            response = self.rest_response("GET", path, api_version, query=query,
                                          lookup=lookup)
            yield from self._json(response).get("value", [])
            token = response.headers.get(CONTINUATION_HEADER)
            if not token:
                return
            query["continuationToken"] = token

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise BackendError(
                f"{self.organization.url} answered with something other than Azure DevOps "
                f"data (HTTP {response.status_code}, "
                f"{response.headers.get('Content-Type', 'no content type')}): is a proxy "
                f"or a sign-in page in the way?") from None

    def _configure(self, client: Client) -> None:
        # In place: the sessions made with the client already hold this Retry object.
        policy = client.config.retry_policy
        policy.retries = 0
        policy.policy.read = False  # a read timeout raised as one, not "max retries"
        policy.policy.status_forcelist = frozenset()
        client.config.connection.timeout = self.timeout
        client.config.hooks.append(self._record)

    def _record(self, response: requests.Response, *_: object, **__: object) -> None:
        self._last.response = response

    def _attempt(self, action: Callable[[], T], lookup: Lookup | None,
                 retry_server_errors: bool) -> T:
        for attempt in range(ATTEMPTS):
            self._last.response = None
            try:
                return action()
            except Exception as error:  # typed below, or re-raised
                response = getattr(self._last, "response", None)
                failure = self._failure(error, response, lookup)
            throttled = response is not None and response.status_code == 429
            wait = _wait_before_retry(failure, attempt, throttled or retry_server_errors)
            if wait is None:
                raise failure from None
            time.sleep(wait)
        raise AssertionError("unreachable: the last attempt raises")

    def _failure(self, error: Exception, response: requests.Response | None,
                 lookup: Lookup | None) -> BackendError:
        if isinstance(error, BackendError):
            return error
        if response is not None and not 200 <= response.status_code < 300:
            return from_response(response, self.organization, lookup)
        failure = from_exception(error, self.organization.url)
        if failure is None:
            raise error
        return failure


def _wait_before_retry(failure: BackendError, attempt: int, may_retry: bool) -> float | None:
    """Seconds to wait before trying again, None to give up."""
    if not (may_retry and isinstance(failure, Unavailable) and failure.retryable):
        return None
    if attempt + 1 >= ATTEMPTS:
        return None
    if failure.retry_after is not None:
        return failure.retry_after if failure.retry_after <= MAX_RETRY_AFTER else None
    return BACKOFF[attempt]
