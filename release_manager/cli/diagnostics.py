"""`release-manager --check-keyring`: which credential store this install would use.

The packaged app runs it in CI under a Secret Service session, so a bundle that misses a
keyring backend fails there rather than on a user's first sign-in."""

from __future__ import annotations

import sys

from release_manager.credentials import CredentialStore, NoSecureStore


def check_keyring() -> int:
    """Print the keyring backend in use; 1 when it is not a secure store."""
    store = CredentialStore()
    try:
        store.require_secure()
    except NoSecureStore as refusal:
        print(f"keyring backend: {store.backend_name} (not secure)", file=sys.stderr)
        print(f"release-manager: {refusal}", file=sys.stderr)
        return 1
    print(f"keyring backend: {store.backend_name} (secure)")
    return 0
