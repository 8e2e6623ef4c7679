"""Credentials in the OS keyring, never on disk in plain text.

Azure DevOps personal access tokens and service principal secrets are stored under the
service name `release-manager` with the account `<kind>:<organisation or tenant>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError, PasswordDeleteError

from release_manager.crash_report import remember_secret

SERVICE = "release-manager"


class NoSecureStore(RuntimeError):
    """The machine has no usable keyring; the message says what to do about it."""


@dataclass(frozen=True)
class CredentialKey:
    kind: str
    """"azure-devops-pat" or "azure-client-secret"."""
    scope: str
    """The organisation URL or the tenant id."""

    @property
    def account(self) -> str:
        return f"{self.kind}:{self.scope}"


class CredentialStore:
    """Read and write secrets in the keyring. Errors never carry the secret itself."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend or keyring.get_keyring()

    @property
    def backend_name(self) -> str:
        kind = type(self._backend)
        return f"{kind.__module__}.{kind.__qualname__}"

    def is_secure(self) -> bool:
        """False where keyring fell back to its failing backend (no Secret Service,
        Keychain or Credential Locker on this machine)."""
        return not isinstance(self._backend, fail.Keyring) and self._backend.priority > 0

    def _require_secure(self) -> None:
        if not self.is_secure():
            raise NoSecureStore(
                "No secure credential store was found on this machine (no Secret Service, "
                "Keychain or Windows Credential Locker). Install and unlock one, e.g. "
                "gnome-keyring, then sign in again. Release Manager never stores secrets "
                "in plain files."
            )

    def set(self, key: CredentialKey, secret: str) -> None:
        remember_secret(secret)
        self._require_secure()
        try:
            self._backend.set_password(SERVICE, key.account, secret)
        except KeyringError as error:
            raise NoSecureStore(
                f"The credential store refused to save the secret for {key.account}: "
                f"{type(error).__name__}"
            ) from None

    def get(self, key: CredentialKey) -> str | None:
        self._require_secure()
        try:
            secret = self._backend.get_password(SERVICE, key.account)
        except KeyringError as error:
            raise NoSecureStore(
                f"The credential store could not be read for {key.account}: "
                f"{type(error).__name__}"
            ) from None
        if secret is not None:
            remember_secret(secret)  # a crash report never shows it
        return secret

    def delete(self, key: CredentialKey) -> bool:
        """Forget a secret; False when there was none."""
        self._require_secure()
        try:
            self._backend.delete_password(SERVICE, key.account)
        except PasswordDeleteError:
            return False
        return True
