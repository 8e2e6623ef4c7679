"""`release-manager environments show|pull|push` as a user runs them: a real subprocess
after `release-manager login` (the token in the real Secret Service: run under
dbus-run-session with gnome-keyring, as dev.py test does), the HTTPS emulator as Azure
DevOps. The differences come first; nothing is written or sent without a "y" at a
terminal or --yes; --dry-run only reads."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from azure_emulator.auth import MANAGE_ENVIRONMENT
from azure_emulator.state import CheckConfiguration
from environments_workspace import ENVIRONMENTS, TOKEN, connected_workspace, environments_file

from release_manager.credentials import CredentialStore


@pytest.fixture
def user(tmp_path: Path, azure_devops) -> dict[str, str]:
    """A user of the machine (folders of their own) signed in to the emulator as Ada."""
    assert CredentialStore().is_secure(), (
        "these tests need a Secret Service: run them under dbus-run-session with "
        "gnome-keyring (python dev.py test does)")
    home = tmp_path / "home"
    home.mkdir()
    env = {name: value for name, value in os.environ.items()
           if name not in ("AZURE_DEVOPS_EXT_PAT", "PYTHON_KEYRING_BACKEND")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_CACHE_HOME=str(home / ".cache"))
    azure_devops.ada = azure_devops.add_pat(TOKEN, "Ada Lovelace")
    azure_devops.bob = azure_devops.add_pat("pat-bob", "Bob Builder")
    login = run(env, "login", "--organization", azure_devops.organization_url,
                stdin=TOKEN + "\n")
    assert login.returncode == 0, login.stderr
    return env


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "release_manager", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def at_terminal(env: dict[str, str], answer: str, *args: str) -> tuple[int, str]:
    """Run with a terminal as standard input and output, typing `answer` at the prompt:
    the exit code and what the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "release_manager", *args], env)
    os.write(fd, answer.encode() + b"\n")
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode().replace("\r\n", "\n")


@pytest.fixture
def workspace(azure_devops, user, tmp_path: Path) -> Path:
    prod = azure_devops.add_environment("Prod")
    azure_devops.add_approval_check(prod, [azure_devops.ada, azure_devops.bob], timeout=1440)
    return connected_workspace(tmp_path / "ws", azure_devops)


PULL_LINES = ("prod: approvers Ada Lovelace → Ada Lovelace, Bob Builder\n"
              "prod: timeout (minutes) 43200 → 1440\n")


def test_pull_shows_the_diff_and_writes_only_once_confirmed(azure_devops, user, workspace):
    refused = run(user, "environments", "pull", "--workspace", str(workspace))
    declined, shown_declined = at_terminal(user, "n", "environments", "pull",
                                           "--workspace", str(workspace))
    untouched = environments_file(workspace)
    accepted, shown = at_terminal(user, "y", "environments", "pull",
                                  "--workspace", str(workspace))

    assert refused.returncode == 1
    assert refused.stdout.startswith("test: not in Azure DevOps (project Fabrikam-Fiber): "
                                     "kept as the file has it\n" + PULL_LINES)
    assert "+        - Bob Builder\n" in refused.stdout
    assert refused.stderr == ("release-manager: nothing was written: there is no terminal "
                              "to confirm on; pass --yes to pull without asking\n")
    assert declined == 1 and "not confirmed: nothing was changed" in shown_declined
    assert untouched == ENVIRONMENTS.encode()
    assert accepted == 0, shown
    assert "Write these changes to environments.yml? [y/N]" in shown
    after = environments_file(workspace).decode()
    assert "        - Bob Builder\n" in after and "      timeoutMinutes: 1440\n" in after
    assert after.endswith(ENVIRONMENTS[ENVIRONMENTS.index("    businessHours:"):])
    again = run(user, "environments", "pull", "--workspace", str(workspace))
    assert (again.returncode, again.stdout.splitlines()[-1]) == (
        0, "environments.yml already matches Azure DevOps: nothing to write")


def test_dry_runs_print_the_diff_and_send_nothing_but_reads(azure_devops, user, workspace):
    azure_devops.clear_log()

    pull = run(user, "environments", "pull", "--dry-run", "--workspace", str(workspace))
    push = run(user, "environments", "push", "--dry-run", "--workspace", str(workspace))

    assert (pull.returncode, push.returncode) == (0, 0)
    assert PULL_LINES in pull.stdout and pull.stdout.endswith("(dry run: nothing was written)\n")
    assert push.stdout == (
        "test: not in Azure DevOps (project Fabrikam-Fiber) and no approval in the file: "
        "nothing to send\n"
        "prod: approvers Ada Lovelace, Bob Builder → Ada Lovelace\n"
        "prod: timeout (minutes) 1440 → 43200\n"
        "(dry run: nothing was sent)\n")
    assert {call.method for call in azure_devops.requests} <= {"GET", "OPTIONS"}
    assert environments_file(workspace) == ENVIRONMENTS.encode()


def test_push_with_yes_sends_the_check_and_show_reads_it_back(azure_devops, user, workspace):
    prod = azure_devops.project().environment_named("Prod")
    lock = {"type": {"id": "2ef31ad6-baa0-403a-8b45-2cbc9b4e5563", "name": "ExclusiveLock"},
            "resource": {"type": "environment", "id": str(prod.id), "name": "Prod"},
            "timeout": 43200, "settings": {}}
    with azure_devops.org.lock:
        project = azure_devops.project()
        check = CheckConfiguration(project.next_id(), lock["type"], lock["resource"], 43200,
                                   {}, azure_devops.ada.ref())
        project.checks[check.id] = check

    push = run(user, "environments", "push", "--yes", "--workspace", str(workspace))
    show = run(user, "environments", "show", "--workspace", str(workspace))

    assert push.returncode == 0, push.stderr
    assert push.stdout.endswith("Pushed prod\n")
    assert len(azure_devops.calls("checks/configurations", "PATCH")) == 1
    assert show.returncode == 0, show.stderr
    assert show.stdout == (
        f"prod (Azure DevOps environment {prod.id})\n"
        "  Approval by Ada Lovelace: all needed, any order, the requester may approve, "
        "times out after 43200 minutes (editable)\n"
        "  Exclusive lock: one run at a time deploys here; later ones wait (read-only)\n"
        "test: not in Azure DevOps (project Fabrikam-Fiber)\n")


def test_a_403_on_push_names_the_permission_and_the_file_stays(azure_devops, user, workspace):
    azure_devops.tokens.add(TOKEN, azure_devops.ada, "Basic", frozenset({MANAGE_ENVIRONMENT}))

    push = run(user, "environments", "push", "--yes", "--workspace", str(workspace))

    assert push.returncode == 1
    assert push.stderr.startswith("release-manager: ")
    assert f"You need the permission {MANAGE_ENVIRONMENT}." in push.stderr
    assert len(push.stderr.splitlines()) == 1 and "Traceback" not in push.stderr
    assert environments_file(workspace) == ENVIRONMENTS.encode()


def test_an_approver_with_an_invisible_character_is_bad_input_with_its_place(
        azure_devops, user, workspace):
    path = workspace / ".release-manager" / "environments.yml"
    path.write_text(ENVIRONMENTS.replace("Ada Lovelace   #", '"Ada\\u200bLovelace"   #'),
                    encoding="utf-8")

    push = run(user, "environments", "push", "--yes", "--workspace", str(workspace))

    assert push.returncode == 2
    assert push.stderr == (
        f"release-manager: {path}:8:11: prod.approval.approvers: 'Ada\\u200bLovelace' "
        "holds an invisible character, U+200B ZERO WIDTH SPACE; type the name without it\n")
    assert azure_devops.calls("checks/configurations", "PATCH") == []


def test_a_workspace_not_connected_is_refused_saying_what_to_do(user, tmp_path: Path):
    folder = tmp_path / "local"
    folder.mkdir()

    pull = run(user, "environments", "pull", "--workspace", str(folder))

    assert pull.returncode == 1
    assert pull.stderr == (f"release-manager: {folder} is not connected to Azure DevOps (no "
                           f"{folder}/.release-manager/azure.yml): run `release-manager "
                           "connect` first\n")


def test_a_500_mid_push_says_what_was_pushed_and_what_not(azure_devops, user, tmp_path: Path):
    checks = {}
    for name in ("Dev", "Prod"):
        environment = azure_devops.add_environment(name)
        checks[name] = azure_devops.add_approval_check(environment, [azure_devops.bob])
    workspace = connected_workspace(tmp_path / "ws", azure_devops, """\
version: 1
environments:
  dev:
    approval: {approvers: [Ada Lovelace]}
  prod:
    approval: {approvers: [Ada Lovelace]}
""")
    azure_devops.faults.fail(f"configurations/{checks['Prod'].id}", 500, times=5,
                             method="PATCH")

    push = run(user, "environments", "push", "--yes", "--workspace", str(workspace))

    assert push.returncode == 1
    assert push.stderr.startswith("release-manager: Pushed dev; not pushed: prod. ")
    assert push.stderr.endswith("Push again to send the rest.\n")
    assert len(push.stderr.splitlines()) == 1
