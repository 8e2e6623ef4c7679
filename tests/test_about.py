"""The facts Help → About shows: versions, the app's folders, the credential store."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import fail

from release_manager.about import (
    CredentialStoreState,
    credential_store_state,
    data_folders,
)


def test_the_folders_are_the_users_data_and_log_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    folders = {f.label: f.path for f in data_folders(tmp_path / "settings.ini")}

    assert folders == {
        "Demo workspace": tmp_path / "data" / "release-manager" / "demo",
        "Settings": tmp_path / "settings.ini",
        "Crash reports": tmp_path / "state" / "release-manager" / "log",
    }


def test_without_a_secure_keyring_about_says_so_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())

    state = credential_store_state()

    assert state == CredentialStoreState("keyring.backends.fail.Keyring", False)
    assert state.describe().startswith("No secure store: keyring.backends.fail.Keyring.")
    assert "never writes them to a file" in state.describe()
