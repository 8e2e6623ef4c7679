"""Who is calling: personal access tokens (HTTP Basic, any user name) and Entra ID bearer
tokens the test registered, each for one identity, with permissions it may lack."""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass, field

# The permission names the routes need, as the service's TF215106 message words them.
VIEW_PROJECT = "View project-level information"
VIEW_BUILDS = "View builds"
QUEUE_BUILDS = "Queue builds"
STOP_BUILDS = "Stop builds"
MANAGE_ENVIRONMENT = "Manage environment"
APPROVE = "Approve pipeline runs"


@dataclass(frozen=True)
class Identity:
    display_name: str
    unique_name: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def ref(self) -> dict:
        """An IdentityRef as the service embeds it (requestedBy, approvers, …)."""
        return {"id": self.id, "displayName": self.display_name,
                "uniqueName": self.unique_name, "descriptor": f"aad.{self.id}"}


@dataclass(frozen=True)
class Grant:
    identity: Identity
    scheme: str  # "Basic" (personal access token) or "Bearer" (Entra ID)
    denied: frozenset[str] = frozenset()


class AuthError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Tokens:
    """The tokens the emulator accepts. Thread-safe: tests register while requests run."""

    def __init__(self) -> None:
        self._grants: dict[tuple[str, str], Grant] = {}
        self._lock = threading.Lock()

    def add(self, token: str, identity: Identity, scheme: str,
            denied: frozenset[str] = frozenset()) -> None:
        with self._lock:
            self._grants[(scheme, token)] = Grant(identity, scheme, frozenset(denied))

    def revoke(self, token: str) -> None:
        """The token stops working (expired or revoked): its next request gets 401."""
        with self._lock:
            for key in [key for key in self._grants if key[1] == token]:
                del self._grants[key]

    def authenticate(self, authorization: str | None) -> Grant:
        """The grant behind an Authorization header; AuthError(401) when there is none."""
        scheme, _, credential = (authorization or "").partition(" ")
        if scheme == "Basic":
            try:
                _, _, token = base64.b64decode(credential).decode().partition(":")
            except ValueError:
                raise AuthError(401) from None
        elif scheme == "Bearer":
            token = credential
        else:
            raise AuthError(401)
        with self._lock:
            grant = self._grants.get((scheme, token))
        if grant is None:
            raise AuthError(401)
        return grant


def require(grant: Grant, permission: str | None, project: str | None) -> None:
    """AuthError(403) naming the permission when the grant lacks it."""
    if permission is None or permission not in grant.denied:
        return
    where = f" in team project {project}" if project else ""
    raise AuthError(403, (
        f"TF215106: Access denied. {grant.identity.display_name} needs {permission} "
        f"permissions{where} to perform the action. For more information, contact the "
        "Azure DevOps administrator."))
