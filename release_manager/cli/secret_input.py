"""Values of `run --secret-var NAME`: never from the command line (other users of the
machine can read it), but from standard input, one line per name in the order given, or
from the keyring; at a terminal, a prompt that does not echo."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TextIO

from release_manager.credentials import CredentialKey, CredentialStore, NoSecureStore

KIND = "secret-variable"


def keyring_key(workspace: Path, name: str) -> CredentialKey:
    """Where a secret variable's value may be kept for the runs of `workspace`
    (service `release-manager`, account `secret-variable:<workspace>|<name>`)."""
    return CredentialKey(KIND, f"{Path(workspace).resolve()}|{name}")


class SecretInputError(Exception):
    """A secret variable has no value; the message says where one can come from."""


def _from_keyring(workspace: Path, name: str) -> str | None:
    try:
        return CredentialStore().get(keyring_key(workspace, name))
    except NoSecureStore:
        return None


def read_secret_values(names: list[str], workspace: Path,
                       stdin: TextIO | None = None) -> dict[str, str]:
    stdin = stdin or sys.stdin
    interactive = stdin.isatty()
    values: dict[str, str] = {}
    for name in names:
        if interactive:
            value = _from_keyring(workspace, name)
            if value is None:
                value = getpass.getpass(f"Value of secret variable {name}: ")
        else:
            line = stdin.readline()
            value = line.removesuffix("\n").removesuffix("\r") if line else \
                _from_keyring(workspace, name)
        if value is None:
            account = keyring_key(workspace, name).account
            raise SecretInputError(
                f"no value for secret variable {name}: give one line on standard input per "
                f"--secret-var, in the order given, or keep it in the keyring (service "
                f"release-manager, account {account})")
        values[name] = value
    return values
