"""What a failed request to Azure DevOps means, as the typed errors of
engine/backend_errors.py: from the HTTP response when there was one, else from the
exception requests, msrest or azure-identity raised.

Messages are made here from the status, the host and the service's own message, never
from a request (its headers hold the token); the service's message is cut short.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import requests
import urllib3.exceptions
from azure.core.exceptions import (
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
)
from msrest.exceptions import AuthenticationError, ClientException

from release_manager.engine.azure.organization import Organization
from release_manager.engine.backend_errors import (
    BackendError,
    Forbidden,
    NotFound,
    SignedOut,
    TlsUntrusted,
    TokenExpired,
    Unavailable,
)

SERVICE_MESSAGE_LIMIT = 300
PERMISSION_PATTERNS = (
    re.compile(r"needs the following permission\(s\) on the resource .+? to perform this "
               r"action: (?P<permission>[^.\n]+)", re.IGNORECASE),
    re.compile(r"needs (?P<permission>[^.\n]+?) permissions?\b", re.IGNORECASE),
    re.compile(r"you need the (?P<permission>[^.\n]+?) permissions?\b", re.IGNORECASE),
)


@dataclass(frozen=True)
class Lookup:
    """What a request looks for, to name it when the service answers 404."""

    kind: str
    name: str


def from_response(response: requests.Response, organization: Organization,
                  lookup: Lookup | None) -> BackendError:
    """The error an HTTP response other than 2xx means."""
    status = response.status_code
    said = service_message(response)
    where = organization.url
    if status in (401, 203):  # 203: Azure's sign-in page instead of an answer
        if "expired" in said.lower():
            return TokenExpired(f"The sign-in to {where} has expired (HTTP 401): sign in "
                                f"again.", where)
        return SignedOut(f"{where} refused the credentials (HTTP 401 Unauthorized): the "
                         f"token is wrong, revoked or expired. Sign in again.", where)
    if status == 403:
        permission = permission_named(said)
        missing = f" You need the permission {permission}." if permission else ""
        return Forbidden(f"{where} refused access (HTTP 403 Forbidden).{missing}"
                         f"{_quoted(said)}", permission)
    if status == 404:
        if lookup is None:
            return NotFound(f"Not found at {where} (HTTP 404).{_quoted(said)}")
        if lookup.kind == "organization":
            return NotFound(f"There is no organization at {where} (HTTP 404): check the "
                            f"URL.", lookup.kind, lookup.name)
        return NotFound(f"The {lookup.kind} {lookup.name!r} does not exist at {where}, or "
                        f"this sign-in cannot see it (HTTP 404).", lookup.kind, lookup.name)
    if status == 429:
        wait = retry_after(response)
        later = f" It asks to wait {wait:g} s before trying again." if wait is not None else ""
        return Unavailable(f"{where} is throttling requests (HTTP 429 Too Many Requests)."
                           f"{later}", retryable=True, retry_after=wait)
    if status >= 500 or status == 408:
        return Unavailable(f"{where} failed to answer (HTTP {status}).{_quoted(said)}",
                           retryable=True, retry_after=retry_after(response))
    return BackendError(f"{where} refused the request (HTTP {status}).{_quoted(said)}")


def from_exception(error: BaseException, url: str) -> BackendError | None:
    """The error an exception without an HTTP response means, for a request to `url` (an
    organization's, or Azure Resource Manager's endpoint); None for a bug."""
    host = urlsplit(url).hostname or url
    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle and not os.path.exists(bundle):  # requests raises a bare OSError for it
        return TlsUntrusted(f"REQUESTS_CA_BUNDLE names {bundle}, which does not exist: "
                            f"point it at the PEM file of the certificate authority "
                            f"{host} is signed by.")
    causes = _causes(error)
    for cause in causes:  # what the network said first: a sign-in that could not reach
        if isinstance(cause, requests.exceptions.SSLError):  # Entra ID failed for it
            trusted = (f"REQUESTS_CA_BUNDLE ({bundle}) does not hold its certificate "
                       f"authority" if bundle else
                       "if your network inspects TLS, set REQUESTS_CA_BUNDLE to the PEM "
                       "file of its certificate authority")
            return TlsUntrusted(f"The certificate of {host} is not trusted: {trusted}.")
        if isinstance(cause, requests.exceptions.RetryError):  # the SDK's own retries
            return Unavailable(f"{host} kept failing to answer.", retryable=True)
        if isinstance(cause, requests.exceptions.Timeout):
            return Unavailable(f"{host} did not answer in time.", retryable=True)
        if isinstance(cause, (requests.exceptions.ConnectionError,
                              urllib3.exceptions.NewConnectionError)):  # (azure-core's)
            return Unavailable(f"Cannot reach {host}: {_connection_reason(cause)}.",
                               retryable=True)
    for cause in causes:
        if isinstance(cause, ClientAuthenticationError):
            return SignedOut(f"Microsoft Entra ID sign-in for {url} failed: "
                             f"{first_line(cause)}", url)
        if isinstance(cause, AuthenticationError):
            return SignedOut(f"{url} refused the credentials (HTTP 401 "
                             f"Unauthorized): sign in again.", url)
    for cause in causes:  # azure-core's own words for what it could not tell apart
        if isinstance(cause, ServiceRequestError):
            return Unavailable(f"Cannot reach {host}: {_connection_reason(cause)}.",
                               retryable=True)
        if isinstance(cause, ServiceResponseError):
            return Unavailable(f"{host} did not answer (the connection broke or timed "
                               f"out).", retryable=True)
    if isinstance(error, ClientException):
        return BackendError(f"A request to {url} failed: {first_line(error)}")
    return None


def service_message(response: requests.Response) -> str:
    """The service's own explanation (`message` of its JSON error, else its
    X-TFS-ServiceError header, which a 401 carries), cut short."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    message = message or unquote(response.headers.get("X-TFS-ServiceError", ""))
    return str(message)[:SERVICE_MESSAGE_LIMIT]


def permission_named(message: str) -> str:
    for pattern in PERMISSION_PATTERNS:
        found = pattern.search(message)
        if found:
            return found.group("permission").strip()
    return ""


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _quoted(said: str) -> str:
    return f" The service says: {said}" if said else ""


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (msrest keeps it in `inner_exception`)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop(0)
        if cause is None or any(cause is known for known in seen):
            continue
        seen.append(cause)
        pending += [getattr(cause, "inner_exception", None), cause.__cause__,
                    cause.__context__]
    return seen


def _connection_reason(error: BaseException) -> str:
    text = str(error).lower()
    if "name or service not known" in text or "nodename nor servname" in text or \
            "getaddrinfo" in text or "name resolution" in text:
        return "its name does not resolve (DNS)"
    if "refused" in text:
        return "the connection was refused"
    return "the connection failed"


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:SERVICE_MESSAGE_LIMIT] if text else type(error).__name__
