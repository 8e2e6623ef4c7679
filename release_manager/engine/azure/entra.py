"""Microsoft Entra ID sign-in through azure-identity, as a bearer token for the Azure
DevOps resource on every request the SDK sends.

The credential is built once per connection: azure-identity caches its token in memory
and asks for a new one when it is about to expire, so the browser or the device code is
asked for once per session, not per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import requests
from azure.core.credentials import TokenCredential
from msrest.authentication import Authentication

from release_manager.crash_report import remember_secret
from release_manager.engine.azure.sign_in import AZURE_DEVOPS_SCOPE, EntraMethod, EntraSignIn

DeviceCodePrompt = Callable[[str, str, datetime], None]
"""Told the verification URL, the code to type there, and when the code expires."""


def token_credential(sign_in: EntraSignIn,
                     device_code_prompt: DeviceCodePrompt | None = None) -> TokenCredential:
    """The azure-identity credential for `sign_in` (imported here: azure-identity is slow
    to import and only Entra sign-ins need it)."""
    from azure import identity

    tenant = sign_in.tenant or None
    if sign_in.method is EntraMethod.BROWSER:
        return identity.InteractiveBrowserCredential(tenant_id=tenant,
                                                     client_id=sign_in.client_id or None)
    if sign_in.method is EntraMethod.DEVICE_CODE:
        kwargs = {"prompt_callback": device_code_prompt} if device_code_prompt else {}
        return identity.DeviceCodeCredential(tenant_id=tenant,
                                             client_id=sign_in.client_id or None, **kwargs)
    if sign_in.method is EntraMethod.AZURE_CLI:
        return identity.AzureCliCredential(tenant_id=tenant or "")
    assert sign_in.client_id and sign_in.client_secret and tenant  # checked by EntraSignIn
    return identity.ClientSecretCredential(tenant, sign_in.client_id, sign_in.client_secret)


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
