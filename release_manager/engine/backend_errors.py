"""What can go wrong talking to a backend, as types the window and the CLI act on.

A backend (local or Azure) raises these, never a string to be parsed back: the window
offers to sign in again on `SignedOut`, names the permission on `Forbidden`, retries on
`Unavailable` when it is `retryable`. Every message is a sentence for the user and
never carries a secret (a token, a password, an Authorization header).
"""

from __future__ import annotations


class BackendError(Exception):
    """A backend could not do what was asked; `str(error)` says why, for the user."""


class SignedOut(BackendError):
    """No credentials for `organization`, or the service refused them (HTTP 401)."""

    def __init__(self, message: str, organization: str = "") -> None:
        super().__init__(message)
        self.organization = organization


class TokenExpired(SignedOut):
    """The credentials were accepted once and have expired: sign in again."""


class Forbidden(BackendError):
    """Signed in, but not allowed (HTTP 403); `permission` names what is missing when
    the service says it (e.g. "Build (Read & execute)")."""

    def __init__(self, message: str, permission: str = "") -> None:
        super().__init__(message)
        self.permission = permission


class NotFound(BackendError):
    """The thing asked for does not exist (HTTP 404): `kind` is what was looked for
    ("organization", "project", "pipeline", "run", "stage", "environment", …) and
    `name` the name or id asked for."""

    def __init__(self, message: str, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class Unavailable(BackendError):
    """The service could not be reached or did not answer (connection refused, DNS,
    timeout, 5xx, 429). `retryable` says whether trying again later can help;
    `retry_after` is the wait the service asked for, in seconds, when it said one."""

    def __init__(self, message: str, retryable: bool = True,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class TlsUntrusted(Unavailable):
    """The server's certificate is not trusted (self-signed, a corporate proxy whose
    authority is not in REQUESTS_CA_BUNDLE, a wrong host name): retrying cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)
