"""Microsoft Entra ID sign-in through azure-identity, as a bearer token for the Azure
DevOps resource on every request the SDK sends (and for Azure Resource Manager, whose
SDK asks the credential itself).

One credential per sign-in for the life of the process: azure-identity keeps its token in
that object and refreshes it when it is about to expire, so the browser or the device
code is asked for once per session (by "Test connection"), not again by each connection
the backend opens after it. Its tokens also go to azure-identity's encrypted persistent
cache (the next process signs in silently) where the platform has one; where it has none
(Linux without a usable libsecret), they stay in memory and `memory_only_note` says so.
Every token it hands out is remembered for the crash report's masking, whoever asked
for it (the Azure DevOps session, or azure-mgmt-web's pipeline)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from azure.core.credentials import AccessToken, TokenCredential
from msrest.authentication import Authentication

from release_manager.about import APP_ID
from release_manager.crash_report import remember_secret
from release_manager.engine.azure.sign_in import AZURE_DEVOPS_SCOPE, EntraMethod, EntraSignIn

DeviceCodePrompt = Callable[[str, str, datetime], None]
"""Told the verification URL, the code to type there, and when the code expires."""

TOKEN_CACHE_NAME = APP_ID
"""The name of our encrypted token cache (beside other apps' in the platform's store)."""
PERSISTENT_CACHE_MODULE = "azure.identity._persistent_cache"
MEMORY_ONLY_NOTE = ("This system has no encrypted token cache (on Linux: libsecret and a "
                    "Secret Service), so Microsoft Entra ID tokens are kept in memory "
                    "only: each new session signs in again.")
FAILURE_LOGGERS = ("azure.identity._internal.get_token_mixin",
                   "azure.identity._internal.interactive")
"""Where azure-identity logs a credential's failure as a warning (the exception in its
arguments)."""
_log = logging.getLogger(__name__)


_credentials: dict[EntraSignIn, TokenCredential] = {}
_credentials_lock = threading.Lock()


def token_credential(sign_in: EntraSignIn,
                     device_code_prompt: DeviceCodePrompt | None = None) -> TokenCredential:
    """The azure-identity credential for `sign_in`, the same one for an equal sign-in
    (the device code prompt of the first one made is kept)."""
    with _credentials_lock:
        if sign_in not in _credentials:
            _credentials[sign_in] = _new_credential(sign_in, device_code_prompt)
        return _credentials[sign_in]


def _new_credential(sign_in: EntraSignIn,
                    device_code_prompt: DeviceCodePrompt | None) -> TokenCredential:
    from azure import identity  # slow to import; only Entra sign-ins need it

    tenant = sign_in.tenant or None
    if sign_in.method is EntraMethod.AZURE_CLI:  # the Azure CLI keeps its own tokens
        return CachedCredential(lambda _cache: identity.AzureCliCredential(
            tenant_id=tenant or ""))
    options: dict[str, Any] = {"disable_instance_discovery": _private_authority()}
    if sign_in.method is EntraMethod.DEVICE_CODE and device_code_prompt:
        options["prompt_callback"] = device_code_prompt

    def make(cache: bool) -> TokenCredential:
        cached = dict(options)
        if cache:
            cached["cache_persistence_options"] = identity.TokenCachePersistenceOptions(
                name=TOKEN_CACHE_NAME, allow_unencrypted_storage=False)
        if sign_in.method is EntraMethod.BROWSER:
            return identity.InteractiveBrowserCredential(
                tenant_id=tenant, client_id=sign_in.client_id or None, **cached)
        if sign_in.method is EntraMethod.DEVICE_CODE:
            return identity.DeviceCodeCredential(
                tenant_id=tenant, client_id=sign_in.client_id or None, **cached)
        assert sign_in.client_id and sign_in.client_secret and tenant  # EntraSignIn checks
        return identity.ClientSecretCredential(tenant, sign_in.client_id,
                                               sign_in.client_secret, **cached)

    return CachedCredential(make)


class CachedCredential:
    """An azure-identity credential (`make(cache)`: with its encrypted persistent cache
    when `cache`) whose tokens go to that cache, or, where the platform has none, the
    same credential without it (tokens in memory); each token it hands out is
    remembered for the crash report's masking.

    azure-identity opens the cache at the first token, not when the credential is made:
    on Linux without a usable libsecret it raises ValueError there (NotImplementedError on
    a platform it has no cache for), wrapped in the credential's ClientAuthenticationError.
    That failure, told by where it was raised, switches to the memory-only credential
    once, and `memory_only_note` says so; any other failure is the sign-in's own."""

    def __init__(self, make: Callable[[bool], TokenCredential]) -> None:
        self._make = make
        self._credential = make(True)
        self._lock = threading.Lock()
        self.memory_only_note = ""
        """"" while tokens go to the encrypted cache (or none was asked yet)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        credential = self._credential
        try:
            token = credential.get_token(*scopes, **kwargs)
        except Exception as error:
            if not _raised_by_cache(error):
                raise
            with self._lock:
                if self._credential is credential:
                    _log.info("%s", MEMORY_ONLY_NOTE)
                    self._credential = self._make(False)
                    self.memory_only_note = MEMORY_ONLY_NOTE
            token = self._credential.get_token(*scopes, **kwargs)
        remember_secret(token.token)
        return token


class _CacheFailureFilter(logging.Filter):
    """Drops azure-identity's warning about the cache it could not open: CachedCredential
    goes on without it and says so once, in its own words (stderr would otherwise show
    the library's warning at every sign-in on such a system)."""

    def filter(self, record: logging.LogRecord) -> bool:
        arguments = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(argument, BaseException) and _raised_by_cache(argument)
                       for argument in arguments)


for _name in FAILURE_LOGGERS:
    logging.getLogger(_name).addFilter(_CacheFailureFilter())


def memory_only_note(credential: TokenCredential) -> str:
    """What a user is told when `credential`'s tokens are not cached on disk ("" if they
    are, or it is not ours to cache)."""
    return getattr(credential, "memory_only_note", "")


def _raised_by_cache(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) was raised by azure-identity's persistent cache
    because the platform cannot encrypt one."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, (ValueError, NotImplementedError)) and \
                _raised_in(cause.__traceback__, PERSISTENT_CACHE_MODULE):
            return True
        pending += [cause.__cause__, cause.__context__]
    return False


def _raised_in(traceback: TracebackType | None, module: str) -> bool:
    last = None
    while traceback is not None:
        last, traceback = traceback, traceback.tb_next
    return last is not None and last.tb_frame.f_globals.get("__name__") == module


def _private_authority() -> bool:
    """True when AZURE_AUTHORITY_HOST (read by azure-identity itself) names an authority
    outside Microsoft's clouds (Azure Stack, a private cloud): the user named it, so it
    is used as given; instance discovery only knows Microsoft's and would refuse it."""
    from azure.identity import AzureAuthorityHosts

    named = os.environ.get("AZURE_AUTHORITY_HOST", "").strip()
    known = {value for key, value in vars(AzureAuthorityHosts).items() if key.isupper()}
    host = urlsplit(named if "://" in named else f"https://{named}").hostname or ""
    return bool(named) and host not in known


class BearerAuthentication(Authentication):
    """msrest authentication that puts a fresh Entra ID access token on the session."""

    def __init__(self, credential: TokenCredential) -> None:
        self._credential = credential

    def signed_session(self, session: requests.Session | None = None) -> requests.Session:
        session = super().signed_session(session)
        token = self._credential.get_token(AZURE_DEVOPS_SCOPE).token
        remember_secret(token)
        session.headers["Authorization"] = f"Bearer {token}"
        return session
