"""Building the real azure-mgmt-web client against an AppServiceEmulator, as the app
would: the emulator's endpoint as base_url, a service principal signed in at its
Entra ID."""

from __future__ import annotations

from azure.identity import ClientSecretCredential
from azure.mgmt.web import WebSiteManagementClient

from .arm.emulator import DEFAULT_SUBSCRIPTION, AppServiceEmulator


def credential(emulator: AppServiceEmulator, secret: str | None = None,
               client_id: str | None = None) -> ClientSecretCredential:
    """The fixture's service principal (or `client_id`), with its secret or `secret`."""
    principal = emulator.principal
    assert principal is not None, "no service principal added"
    return ClientSecretCredential(
        emulator.tenant, client_id or principal.client_id,
        principal.secret if secret is None else secret,
        authority=emulator.authority, disable_instance_discovery=True)


def web_client(emulator: AppServiceEmulator, subscription: str = DEFAULT_SUBSCRIPTION, *,
               credential_=None, **options) -> WebSiteManagementClient:
    """A client that gives up at the first failure (azure-core retries 429 and 5xx with
    back-off by default) and polls a swap without waiting, so a test sees exactly what
    the emulator answered; `options` override either."""
    options = {"retry_total": 0, "polling_interval": 0} | options
    return WebSiteManagementClient(credential_ or credential(emulator), subscription,
                                   base_url=emulator.endpoint, **options)
