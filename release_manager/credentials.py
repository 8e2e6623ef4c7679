"""Credentials in the OS keyring, never on disk in plain text.

Azure DevOps personal access tokens and service principal secrets are stored under the
service name `release-manager` with the account `<kind>:<organisation or tenant>`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, PasswordDeleteError

from release_manager.crash_report import remember_secret

SERVICE = "release-manager"
SECURE_BACKENDS = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
})
"""The backends known to keep secrets encrypted at rest. A backend's priority says how
much keyring prefers it, not that it encrypts: keyrings.alt's plain-file backends have
priority 0.5."""


def backend_name(backend: KeyringBackend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def is_secure_backend(backend: KeyringBackend) -> bool:
    """True for a known encrypting backend, or a chain of nothing but such backends
    (a chain reads from every member, so one plain file would leak into it)."""
    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)
        return bool(members) and all(is_secure_backend(member) for member in members)
    return backend_name(backend) in SECURE_BACKENDS


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
        return backend_name(self._backend)

    def is_secure(self) -> bool:
        """False unless the backend is one known to encrypt (Secret Service, KWallet,
        Keychain, Credential Locker): keyring's failing fallback and plain files are not."""
        return is_secure_backend(self._backend)

    def require_secure(self) -> None:
        if not self.is_secure():
            raise NoSecureStore(
                "No secure credential store was found on this machine (no Secret Service, "
                "Keychain or Windows Credential Locker). Install and unlock one, e.g. "
                "gnome-keyring, then sign in again. Release Manager never stores secrets "
                "in plain files."
            )

    def set(self, key: CredentialKey, secret: str) -> None:
        remember_secret(secret)
        self.require_secure()
        try:
            self._backend.set_password(SERVICE, key.account, secret)
        except KeyringError as error:
            raise NoSecureStore(
                f"The credential store refused to save the secret for {key.account}: "
                f"{type(error).__name__}"
            ) from None

    def get(self, key: CredentialKey) -> str | None:
        self.require_secure()
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
        self.require_secure()
        try:
            self._backend.delete_password(SERVICE, key.account)
        except PasswordDeleteError:
            return False
        return True
