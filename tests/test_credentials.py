"""Credentials go to the OS keyring: a real Secret Service where the machine has one
(the test command starts gnome-keyring in a private D-Bus session), an in-memory backend
otherwise; and a plain refusal where there is no secure store at all."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import PasswordDeleteError

from release_manager import credentials
from release_manager.credentials import CredentialKey, CredentialStore, NoSecureStore


class MemoryKeyring(KeyringBackend):
    """A secure-for-the-test backend for machines without a Secret Service."""

    priority = 1  # type: ignore[assignment]
    viable = False  # every backend class is a candidate of keyring's own choice: not these

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


class PlainFileKeyring(KeyringBackend):
    """Like keyrings.alt's PlaintextKeyring: a viable backend, priority 0.5, that would
    write the secret into a file as it is."""

    priority = 0.5  # type: ignore[assignment]
    viable = False

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.path.write_text(f"{service} {username} {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError(username)


def real_or_memory_store(monkeypatch: pytest.MonkeyPatch) -> CredentialStore:
    store = CredentialStore()
    if store.is_secure():
        return store
    # No Secret Service here: the memory backend stands in for one.
    memory = f"{MemoryKeyring.__module__}.{MemoryKeyring.__qualname__}"
    monkeypatch.setattr(credentials, "SECURE_BACKENDS", credentials.SECURE_BACKENDS | {memory})
    return CredentialStore(MemoryKeyring())


def test_a_secret_round_trips_through_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    store = real_or_memory_store(monkeypatch)
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


def test_a_plain_file_backend_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    secrets_file = tmp_path / "keyring_pass.cfg"
    store = CredentialStore(PlainFileKeyring(secrets_file))
    assert not store.is_secure()
    with pytest.raises(NoSecureStore):
        store.set(CredentialKey("azure-devops-pat", "org"), "super-secret-value")
    assert not secrets_file.exists()


def test_the_encrypting_stores_are_secure() -> None:
    assert CredentialStore(SecretService.Keyring()).is_secure()


class PlainChain(ChainerBackend):
    """A chain, as keyring makes when several backends are viable, of the Secret Service
    and a plain file."""

    viable = False
    backends = [SecretService.Keyring(), PlainFileKeyring(Path("unused"))]  # type: ignore


class SecretServiceChain(ChainerBackend):
    viable = False
    backends = [SecretService.Keyring()]  # type: ignore


def test_a_chain_is_secure_only_when_every_store_in_it_is() -> None:
    assert not CredentialStore(PlainChain()).is_secure()
    assert CredentialStore(SecretServiceChain()).is_secure()


def check_keyring(backend: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHON_KEYRING_BACKEND"}
    if backend is not None:
        env["PYTHON_KEYRING_BACKEND"] = backend
    return subprocess.run([sys.executable, "-m", "release_manager", "--check-keyring"],
                          capture_output=True, text=True, env=env, timeout=60)


def test_check_keyring_names_the_secure_backend_in_use() -> None:
    result = check_keyring(None)
    name = CredentialStore().backend_name
    if CredentialStore().is_secure():
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"keyring backend: {name} (secure)\n"
    else:
        assert result.returncode == 1
        assert f"keyring backend: {name} (not secure)" in result.stderr


def test_check_keyring_fails_where_there_is_no_secure_store() -> None:
    result = check_keyring("keyring.backends.fail.Keyring")
    assert result.returncode == 1
    assert "keyring backend: keyring.backends.fail.Keyring (not secure)" in result.stderr
    assert "No secure credential store" in result.stderr
    assert result.stdout == ""
