""""Test connection": can this sign-in reach this organization (and project), and who
is it? It raises the typed error of exactly what failed: host unreachable (Unavailable),
TLS (TlsUntrusted), 401 (SignedOut / TokenExpired), 403 (Forbidden with the permission),
unknown organization or project (NotFound with `kind`). `check_and_keep` is signing in:
the check, then the sign-in kept, as `release-manager login` and the Sign-in dialog (in a
worker) do it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from release_manager.engine.azure.connection import CONNECTION_DATA_VERSION, AzureConnection
from release_manager.engine.azure.entra import DeviceCodePrompt
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.organization import Organization
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import SignIn
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import SignedOut

PROJECTS_VERSION = "7.1"


@dataclass(frozen=True)
class SignedInAs:
    organization: Organization
    display_name: str
    """Who the service says the sign-in is (its display name)."""
    project: str | None = None
    """The project's name as the service spells it, when one was checked."""


def check_connection(organization: Organization, sign_in: SignIn, project: str | None = None,
                     device_code_prompt: DeviceCodePrompt | None = None) -> SignedInAs:
    """Who `sign_in` is at `organization`, after checking `project` exists for it."""
    connection = AzureConnection(organization, sign_in, device_code_prompt)
    name = signed_in_name(connection)
    if project is None:
        return SignedInAs(organization, name)
    found = connection.rest("GET", f"/_apis/projects/{quote(project, safe='')}",
                            PROJECTS_VERSION, lookup=Lookup("project", project)) or {}
    return SignedInAs(organization, name, found.get("name") or project)


def signed_in_name(connection: AzureConnection) -> str:
    """Who the service says `connection`'s sign-in is (its display name): who it acts
    and decides as."""
    organization = connection.organization
    data = connection.rest("GET", "/_apis/connectionData", CONNECTION_DATA_VERSION,
                           lookup=Lookup("organization", organization.name)) or {}
    user = data.get("authenticatedUser") or {}
    name = user.get("providerDisplayName") or user.get("customDisplayName") or ""
    if not name:
        raise SignedOut(f"{organization.url} answered without a signed-in user: the "
                        f"sign-in was not accepted. Sign in again.", organization.url)
    return name


def check_and_keep(organization: Organization, sign_in: SignIn, saved: SavedSignIns,
                   project: str | None = None, *, this_session_only: bool = False,
                   device_code_prompt: DeviceCodePrompt | None = None,
                   cancel: CancelToken | None = None) -> SignedInAs:
    """Check the sign-in, then keep it (in the keyring, or for this session only when
    asked): NoSecureStore before anything is sent when it could not be kept, a typed
    BackendError (and nothing kept) when the check fails; nothing kept either when
    `cancel` was set meanwhile (the user who cancelled is told nothing more)."""
    if not this_session_only:
        saved.require_secure()
    who = check_connection(organization, sign_in, project, device_code_prompt)
    if cancel is None or not cancel.cancelled:
        saved.save(organization, sign_in, this_session_only=this_session_only)
    return who
