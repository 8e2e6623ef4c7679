"""A sign-in to Azure Resource Manager (App Service): the management endpoint (Azure's
public cloud unless another is named: a sovereign cloud, Azure Stack) and the Microsoft
Entra ID sign-in to it.

Its token is asked for the scope of the cloud whose endpoint it is (azure-mgmt-core's
table: https://management.azure.com/.default for the public cloud, the US Government
cloud's is not its endpoint's host); for another endpoint, the one azure-mgmt-web itself
asks by default (the public cloud's), as it does for any base URL it is given."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core import AzureClouds
from azure.mgmt.core.tools import get_arm_endpoints

from release_manager.engine.azure.sign_in import EntraSignIn

ARM_ENDPOINT = "https://management.azure.com"
ARM_LOGIN = "release-manager login --arm --entra METHOD"
"""What a user runs to sign in (said when there is no sign-in, or it was refused)."""


class BadArmEndpoint(ValueError):
    """Not an Azure Resource Manager endpoint URL; the message says what one looks like."""


def parse_arm_endpoint(text: str) -> str:
    """The endpoint a user typed, normalised: https, host in lower case, no trailing slash
    (`https://Management.Azure.com/` → https://management.azure.com)."""
    given = text.strip()
    parts = urlsplit(given if "://" in given else f"https://{given}")
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise BadArmEndpoint(f"{text!r} is not an Azure Resource Manager endpoint: give its "
                             f"https URL, e.g. {ARM_ENDPOINT}")
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise BadArmEndpoint(f"{text!r} is not an Azure Resource Manager endpoint: give only "
                             f"its https://host, e.g. {ARM_ENDPOINT}")
    port = f":{parts.port}" if parts.port and parts.port != 443 else ""
    return f"https://{parts.hostname.lower()}{port}"


@dataclass(frozen=True)
class ArmSignIn:
    endpoint: str
    """Normalised by parse_arm_endpoint, e.g. https://management.azure.com."""
    entra: EntraSignIn

    @property
    def scope(self) -> str:
        """What the token is asked for (see the module's note)."""
        return arm_scope(self.endpoint)


def arm_scope(endpoint: str) -> str:
    clouds = [get_arm_endpoints(cloud) for cloud in AzureClouds]
    for cloud in clouds:
        if cloud["resource_manager"].rstrip("/") == endpoint:
            return cloud["credential_scopes"][0]
    return get_arm_endpoints(AzureClouds.AZURE_PUBLIC_CLOUD)["credential_scopes"][0]
