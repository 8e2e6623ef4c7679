"""Credentials go to the OS keyring: a real Secret Service where the machine has one
(the test command starts gnome-keyring in a private D-Bus session), an in-memory backend
otherwise; and a plain refusal where there is no secure store at all."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError

from release_manager.credentials import CredentialKey, CredentialStore, NoSecureStore


class MemoryKeyring(KeyringBackend):
    """A secure-for-the-test backend for machines without a Secret Service."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def real_or_memory_store() -> CredentialStore:
    store = CredentialStore()
    return store if store.is_secure() else CredentialStore(MemoryKeyring())


def test_a_secret_round_trips_through_the_keyring() -> None:
    store = real_or_memory_store()
    key = CredentialKey("azure-devops-pat", f"https://dev.azure.com/test-{uuid.uuid4().hex}")
    assert store.get(key) is None
    store.set(key, "pat-value-123")
    assert store.get(key) == "pat-value-123"
    assert store.delete(key) is True
    assert store.get(key) is None
    assert store.delete(key) is False


def test_the_real_backend_is_used_when_the_machine_has_one() -> None:
    store = CredentialStore()
    default = type(keyring.get_keyring())
    assert store.backend_name == f"{default.__module__}.{default.__qualname__}"


def test_no_secure_store_is_refused_plainly_without_echoing_the_secret() -> None:
    store = CredentialStore(fail.Keyring())
    assert not store.is_secure()
    with pytest.raises(NoSecureStore) as refusal:
        store.set(CredentialKey("azure-devops-pat", "org"), "super-secret-value")
    assert "No secure credential store" in str(refusal.value)
    assert "super-secret-value" not in str(refusal.value)
