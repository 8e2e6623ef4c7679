"""Service-principal sign-in offline: azure-identity's ClientSecretCredential gets a token
from the emulator's Entra ID, and the SDK calls Azure DevOps with it as a bearer token."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from azure_emulator.sdk import connection

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"


def credential(emulator, secret: str) -> ClientSecretCredential:
    return ClientSecretCredential(TENANT, "app-1", secret, authority=emulator.base_url,
                                  disable_instance_discovery=True)


def test_service_principal_signs_in_and_calls_azure_devops(azure_devops):
    azure_devops.add_service_principal(TENANT, "app-1", "s3cret", "release-bot")

    token = credential(azure_devops, "s3cret").get_token(AZURE_DEVOPS_SCOPE)
    conn = connection(azure_devops.organization_url, token.token, bearer=True)
    data = conn.clients_v7_1.get_location_client().get_connection_data()

    assert data.authenticated_user.provider_display_name == "release-bot"
    assert azure_devops.calls(f"/{TENANT}/oauth2/v2.0/token", "POST")


def test_wrong_client_secret_is_refused(azure_devops):
    azure_devops.add_service_principal(TENANT, "app-1", "s3cret")

    with pytest.raises(ClientAuthenticationError) as refused:
        credential(azure_devops, "wrong").get_token(AZURE_DEVOPS_SCOPE)

    assert "AADSTS7000215" in str(refused.value)
