"""Keep every secret masked: a run whose steps print a queue-time secret and a secret
output plain, in base64 at each byte alignment inside a longer string and URL-encoded,
from real `release-manager` processes. No form reaches the log, the store (the database
bytes, its WAL), `--json` output, the terminal; the later stage, another process, still
gets both values from the keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_support import KEY, SECRETS, TOKEN, SecretWorkspace, leaks

from release_manager.engine.workspace import Workspace


@pytest.fixture()
def space(tmp_path: Path) -> SecretWorkspace:
    return SecretWorkspace(tmp_path)


def test_the_forms_cover_each_secret_plain_base64_at_three_alignments_and_url() -> None:
    assert len(SECRETS) == 10  # 2 secrets x (plain, 3 base64 alignments, URL)
    assert all(len(form) >= 8 for form in SECRETS.values())


def test_no_form_of_a_secret_surfaces_and_the_later_stage_reads_both(
    space: SecretWorkspace,
) -> None:
    built = space.cli("run", "--secret-var", "DEPLOY_KEY", stdin=KEY + "\n")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "build 1: succeeded" in built.stdout
    assert "plain: ***" in built.stdout  # the step's lines are there, masked
    assert not leaks(built.stdout + built.stderr)

    promoted = space.cli("promote", "1", "--to", "Deploy", "--json")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    record = json.loads(promoted.stdout)
    assert record["state"] == "succeeded", record["message"]
    assert not leaks(promoted.stdout + promoted.stderr)

    logs = space.cli("logs", "1")
    assert "the token matches the key" in logs.stdout  # both values reached Deploy
    assert logs.stdout.count("plain: ***") == 4
    assert not leaks(logs.stdout)

    status = space.cli("status", "--json")
    assert not leaks(status.stdout)
    files = space.state_files()
    assert ".release-manager/state.db" in files
    assert {name: leaks(data) for name, data in files.items() if leaks(data)} == {}

    store = Workspace(space.root).store
    run = store.run(1)
    assert (run.variables, run.secret_variables) == ({}, ("DEPLOY_KEY",))
    build = next(r for r in store.stage_runs(1) if r.stage == "Build")
    assert build.outputs == {"Mint.mint.token": "***"}
    assert build.secret_outputs == ("Mint.mint.token",)


def test_without_a_secure_keyring_the_later_stage_says_it_cannot_read_the_secrets(
    space: SecretWorkspace,
) -> None:
    built = space.cli("run", "--secret-var", "DEPLOY_KEY", stdin=KEY + "\n", keyring=False)
    assert built.returncode == 0, built.stdout + built.stderr
    assert ("Secret variable DEPLOY_KEY is known to this process only, so a stage of build 1 "
            "promoted from another process (another command, the window) cannot read it: "
            "No secure credential store") in built.stdout
    assert "Secret output Build.Mint.mint.token is known to this process only" in built.stdout

    promoted = space.cli("promote", "1", "--to", "Deploy", keyring=False)
    assert promoted.returncode == 1
    for name in ("DEPLOY_KEY", "Build.Mint.mint.token"):
        assert (f"##[warning]Secret {name} of build 1 is not available to this stage, which "
                "runs without it: No secure credential store") in promoted.stdout
    assert "no token" in promoted.stdout
    assert not leaks(built.stdout + promoted.stdout)
    assert {name: leaks(data) for name, data in space.state_files().items()
            if leaks(data)} == {}


def test_a_secret_given_on_the_command_line_is_refused_without_echoing_it(
    space: SecretWorkspace,
) -> None:
    refused = space.cli("run", "--secret-var", f"DEPLOY_KEY={TOKEN}", keyring=False)
    assert refused.returncode == 2
    assert "--secret-var takes a NAME only" in refused.stderr
    assert TOKEN not in refused.stdout + refused.stderr
    assert Workspace(space.root).store.runs() == []  # nothing was queued


def test_a_secret_variable_without_a_value_exits_2_and_names_where_one_comes_from(
    space: SecretWorkspace,
) -> None:
    missing = space.cli("run", "--secret-var", "DEPLOY_KEY", "--secret-var", "OTHER",
                        stdin=KEY + "\n", keyring=False)
    assert missing.returncode == 2
    assert "no value for secret variable OTHER: give one line on standard input" \
        in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not leaks(missing.stderr)


SAVE_KEY = """\
import sys
from pathlib import Path
from release_manager.cli.secret_input import keyring_key
from release_manager.credentials import CredentialStore
CredentialStore().set(keyring_key(Path(sys.argv[1]), "DEPLOY_KEY"), sys.stdin.read())
"""


def test_a_secret_variable_kept_in_the_keyring_needs_no_input(space: SecretWorkspace) -> None:
    saved = space.python("-c", SAVE_KEY, str(space.root), stdin=KEY)
    assert saved.returncode == 0, saved.stderr

    built = space.cli("run", "--secret-var", "DEPLOY_KEY")  # standard input is empty
    assert built.returncode == 0, built.stdout + built.stderr
    promoted = space.cli("promote", "1", "--to", "Deploy")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert "the token matches the key" in promoted.stdout
    assert not leaks(built.stdout + promoted.stdout)
