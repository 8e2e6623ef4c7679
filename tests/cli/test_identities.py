"""Who acts, as a script says it: `--as` and RELEASE_MANAGER_USER are normalised (trim,
NFKC, casefold), so `qa `, `ｑａ` and `QA` are qa and cannot approve what qa requested; a
name with an invisible character is refused, naming it; the audit trail keeps the
operating-system user beside the identity acted as."""

from __future__ import annotations

import getpass
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_release_commands import cli

from release_manager.engine.workspace import Workspace

ZERO_WIDTH = "qa\u200b"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("identities") / "space-game"
    done = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


def build_through_test(demo: Path) -> str:
    built = cli(demo, "run", "--as", "lead", "--json")
    assert built.returncode == 0, built.stderr
    number = str(json.loads(built.stdout)["build"])
    for stage in ("Dev", "Test"):
        assert cli(demo, "promote", number, "--to", stage, "--as", "lead").returncode == 0
    return number


@pytest.mark.parametrize(("requester", "how"), [
    ("qa ", "--as"), ("ｑａ", "--as"), ("QA", "--as"), (" qa", "RELEASE_MANAGER_USER"),
])
def test_a_requester_spelled_differently_still_cannot_approve(
    demo: Path, requester: str, how: str,
) -> None:
    number = build_through_test(demo)
    who = ("--as", requester) if how == "--as" else ()
    asked = cli(demo, "promote", number, "--to", "Staging", *who,
                user=requester if how != "--as" else None)
    assert asked.returncode == 3, asked.stdout + asked.stderr

    pending = json.loads(cli(demo, "approvals", "--json").stdout)
    assert [p["requestedBy"] for p in pending if p["build"] == int(number)] == ["qa"]
    refused = cli(demo, "approve", number, "--stage", "Staging", "--as", "qa")
    assert refused.returncode == 1
    assert "qa requested this deployment" in refused.stdout
    assert "requester cannot approve" in refused.stdout
    approved = cli(demo, "approve", number, "--stage", "Staging", "--as", "OPS")
    assert approved.returncode == 0, approved.stdout


def test_a_name_with_an_invisible_character_is_refused_naming_it(demo: Path) -> None:
    number = build_through_test(demo)
    store = Workspace(demo).store
    before = len(store.stage_runs(int(number)))

    by_option = cli(demo, "promote", number, "--to", "Staging", "--as", ZERO_WIDTH)
    assert by_option.returncode == 2
    assert "--as: the name 'qa\\u200b' holds an invisible character, U+200B ZERO WIDTH " \
           "SPACE; type the name without it" in by_option.stderr
    by_variable = cli(demo, "approvals", user="\u202eops")
    assert by_variable.returncode == 2
    assert "RELEASE_MANAGER_USER" in by_variable.stderr
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in by_variable.stderr
    assert len(store.stage_runs(int(number))) == before  # nothing was requested


def test_the_audit_keeps_the_os_user_beside_the_identity(demo: Path) -> None:
    build_through_test(demo)
    last = Workspace(demo).store.audit_trail()[-1]
    assert (last.actor, last.os_user) == ("lead", getpass.getuser())
