"""Microsoft Entra ID sign-in through azure-identity, as a bearer token for the Azure
DevOps resource on every request the SDK sends.

One credential per sign-in for the life of the process: azure-identity keeps its token in
memory in that object and refreshes it when it is about to expire, so the browser or the
device code is asked for once per session (by "Test connection"), not again by each
connection the backend opens after it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import requests
from azure.core.credentials import TokenCredential
from msrest.authentication import Authentication

from release_manager.crash_report import remember_secret
from release_manager.engine.azure.sign_in import AZURE_DEVOPS_SCOPE, EntraMethod, EntraSignIn

DeviceCodePrompt = Callable[[str, str, datetime], None]
"""Told the verification URL, the code to type there, and when the code expires."""


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
    if sign_in.method is EntraMethod.AZURE_CLI:
        return identity.AzureCliCredential(tenant_id=tenant or "")
    options: dict[str, object] = {"disable_instance_discovery": _private_authority()}
    if sign_in.method is EntraMethod.BROWSER:
        return identity.InteractiveBrowserCredential(
            tenant_id=tenant, client_id=sign_in.client_id or None, **options)
    if sign_in.method is EntraMethod.DEVICE_CODE:
        if device_code_prompt:
            options["prompt_callback"] = device_code_prompt
        return identity.DeviceCodeCredential(
            tenant_id=tenant, client_id=sign_in.client_id or None, **options)
    assert sign_in.client_id and sign_in.client_secret and tenant  # checked by EntraSignIn
    return identity.ClientSecretCredential(tenant, sign_in.client_id, sign_in.client_secret,
                                           **options)


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
