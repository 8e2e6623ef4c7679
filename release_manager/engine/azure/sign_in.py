"""How a user signs in to an organization: a personal access token, or Microsoft Entra ID
by one of four methods. The secrets (`token`, `client_secret`) are left out of `repr`,
so a log line or a crash report that shows one of these never shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

PAT_KIND = "azure-devops-pat"
CLIENT_SECRET_KIND = "azure-client-secret"
AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
"""The Azure DevOps resource, as Entra ID names it (the same in every tenant)."""


class EntraMethod(StrEnum):
    BROWSER = "browser"
    DEVICE_CODE = "device-code"
    AZURE_CLI = "azure-cli"
    SERVICE_PRINCIPAL = "service-principal"


@dataclass(frozen=True)
class PatSignIn:
    token: str = field(repr=False)


@dataclass(frozen=True)
class EntraSignIn:
    method: EntraMethod
    tenant: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    """A service principal's secret; None for the other methods."""

    def __post_init__(self) -> None:
        if self.method is EntraMethod.SERVICE_PRINCIPAL and not (
                self.tenant and self.client_id and self.client_secret):
            raise ValueError("a service principal needs a tenant, a client id and its secret")


SignIn = PatSignIn | EntraSignIn
