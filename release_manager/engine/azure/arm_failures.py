"""What a failed Azure Resource Manager request means, as the typed errors of
engine/backend_errors.py: from ARM's answer (its status and `{"error": {"code",
"message"}}`) when there was one, else as failures.py reads a request that got none
(TLS, DNS, refused, timed out, the Entra ID sign-in itself).

Messages name what was being done and what was looked for, never a request (its headers
hold the token); ARM's own message is cut short.
"""

from __future__ import annotations

import re

from azure.core.exceptions import AzureError, HttpResponseError

from release_manager.engine.azure.arm_sign_in import ARM_LOGIN
from release_manager.engine.azure.failures import (
    SERVICE_MESSAGE_LIMIT,
    Lookup,
    first_line,
    from_exception,
    retry_after,
)
from release_manager.engine.backend_errors import (
    BackendError,
    Forbidden,
    NotFound,
    SignedOut,
    TokenExpired,
    Unavailable,
)

ACTION = re.compile(r"perform action '(?P<action>[^']+)'", re.IGNORECASE)
"""How ARM names the role action a 403 lacks (AuthorizationFailed)."""
MISSING_SITE = re.compile(r"Resource 'Microsoft\.Web/sites/(?P<app>[^/']+)"
                          r"(?:/slots/(?P<slot>[^/']+))?'", re.IGNORECASE)
"""How ARM's ResourceNotFound names the web app or slot it did not find (a swap's other
slot is not the one the request's path names)."""
NOT_FOUND_KINDS = {"resourcegroupnotfound": "resource group",
                   "subscriptionnotfound": "subscription",
                   "invalidsubscriptionid": "subscription"}
"""ARM error codes of a 404 about something other than what the request looked for."""


def from_azure_error(error: BaseException, endpoint: str, doing: str,
                     lookup: Lookup | None = None) -> BackendError | None:
    """The typed error `error` means when `doing` (e.g. "read the slots of web app X")
    at `endpoint`; None for a bug."""
    response = getattr(error, "response", None)
    if isinstance(error, HttpResponseError) and response is not None:
        return _from_status(error, endpoint, doing, lookup)
    if isinstance(error, (AzureError, OSError)):
        return from_exception(error, endpoint) or BackendError(
            f"Could not {doing}: {first_line(error)}")
    return from_exception(error, endpoint)


def _from_status(error: HttpResponseError, endpoint: str, doing: str,
                 lookup: Lookup | None) -> BackendError:
    status = error.status_code or 0
    code, said = _arm_error(error)
    if status == 401:
        if "expired" in f"{code} {said}".lower():
            return TokenExpired(f"The sign-in to Azure Resource Manager has expired (HTTP "
                                f"401): run `{ARM_LOGIN}` again.", endpoint)
        return SignedOut(f"Azure Resource Manager ({endpoint}) refused the sign-in (HTTP 401 "
                         f"Unauthorized) to {doing}: run `{ARM_LOGIN}` again.", endpoint)
    if status == 403:
        found = ACTION.search(said)
        action = found.group("action") if found else ""
        missing = f": the sign-in may not perform {action}" if action else ""
        return Forbidden(f"Azure refused to {doing} (HTTP 403 Forbidden){missing}."
                         f"{_quoted(said) if not action else ''}", action)
    if status == 404:
        kind = NOT_FOUND_KINDS.get(code.lower())
        site = MISSING_SITE.search(said)
        if kind is None and site is not None:
            lookup = (Lookup("slot", site["slot"]) if site["slot"]
                      else Lookup("web app", site["app"]))
        if kind is None and lookup is not None:
            return NotFound(f"The {lookup.kind} {lookup.name!r} does not exist, or this "
                            f"sign-in cannot see it (HTTP 404).", lookup.kind, lookup.name)
        return NotFound(f"Could not {doing}: the {kind or 'resource'} was not found (HTTP "
                        f"404).{_quoted(said)}", kind or "", "")
    if status == 409:
        return Unavailable(f"Could not {doing}: Azure is running another operation on it "
                           f"(HTTP 409 Conflict). Try again once that has ended.{_quoted(said)}",
                           retryable=True)
    if status == 429:
        wait = _retry_after(error)
        later = f" It asks to wait {wait:g} s before trying again." if wait is not None else ""
        return Unavailable(f"Azure Resource Manager is throttling requests (HTTP 429 Too Many "
                           f"Requests).{later}", retryable=True, retry_after=wait)
    if status >= 500 or status == 408:
        return Unavailable(f"Azure failed to {doing} (HTTP {status}).{_quoted(said)}",
                           retryable=True, retry_after=_retry_after(error))
    return BackendError(f"Azure refused to {doing} (HTTP {status}).{_quoted(said)}")


def _arm_error(error: HttpResponseError) -> tuple[str, str]:
    """ARM's error code and message (from its `{"error": {...}}` body), cut short."""
    detail = getattr(error, "error", None)
    code = str(getattr(detail, "code", "") or "")
    message = str(getattr(detail, "message", "") or "")
    if not message:
        try:
            body = error.response.json() if error.response is not None else None
        except (ValueError, AttributeError):
            body = None
        inner = body.get("error") if isinstance(body, dict) else None
        if isinstance(inner, dict):
            code, message = str(inner.get("code") or code), str(inner.get("message") or "")
    return code, message.strip()[:SERVICE_MESSAGE_LIMIT]


def _retry_after(error: HttpResponseError) -> float | None:
    return retry_after(error.response) if error.response is not None else None  # type: ignore[arg-type]


def _quoted(said: str) -> str:
    return f" Azure says: {said}" if said else ""
