"""The audit trail as an attacker with sqlite3 meets it: every change made by hand shows,
on the verbs that read releases (a warning naming the first bad row) and in
`release-manager audit --verify` (exit 5). Real processes, a real state.db."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_release_commands import cli

from release_manager.engine.audit_chain import row_hash

AUDIT_BROKEN = 5


@pytest.fixture
def approved(tmp_path: Path) -> Path:
    """The demo after build 1 went to Staging with qa's approval: a workspace with a
    trail of ten rows and one decision."""
    path = tmp_path / "space-game"
    done = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert cli(path, "run", "--as", "lead").returncode == 0
    for stage in ("Dev", "Test"):
        assert cli(path, "promote", "1", "--to", stage, "--as", "lead").returncode == 0
    assert cli(path, "promote", "1", "--to", "Staging", "--as", "lead").returncode == 3
    assert cli(path, "approve", "1", "--stage", "Staging", "--as", "qa",
               "--comment", "smoke green").returncode == 0
    return path


def attack(workspace: Path, *statements: str, parameters: tuple = ()) -> None:
    with sqlite3.connect(workspace / ".release-manager" / "state.db") as db:
        for statement in statements:
            db.execute(statement, parameters if "?" in statement else ())


def warned(workspace: Path, verb: str = "status") -> str:
    done = cli(workspace, verb)
    assert done.returncode == 0, done.stderr  # the verb still does its work
    return done.stderr


def test_an_intact_trail_verifies_and_nothing_is_said(approved: Path) -> None:
    verified = cli(approved, "audit", "--verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip().endswith(
        "the audit trail is intact: 10 rows chained, 1 approval decision matching their "
        "audit rows, its triggers in place")
    assert warned(approved) == "" and warned(approved, "approvals") == ""
    listed = cli(approved, "audit", "--json")
    trail = json.loads(listed.stdout)["trail"]
    [decision] = [row for row in trail if row["action"] == "approve"]
    assert (decision["actor"], decision["detail"]["decision"],
            decision["detail"]["comment"]) == ("qa", "approved", "smoke green")


def test_a_dropped_trigger_and_an_edited_row_are_named(approved: Path) -> None:
    attack(approved, "DROP TRIGGER audit_no_update",
           "UPDATE audit SET actor = 'ops' WHERE action = 'approve'")
    first = ("audit row 9 (approve build 1 → Staging, by ops) does not match its hash")
    assert first in warned(approved)
    assert first in warned(approved, "approvals")
    verified = cli(approved, "audit", "--verify")
    assert verified.returncode == AUDIT_BROKEN
    assert first in verified.stdout
    assert "the trigger audit_no_update that refuses UPDATE on audit is missing" in \
        verified.stdout
    assert "approval decision 1 (approved by qa) differs from audit row 9: approver 'qa' " \
           "(audited: 'ops')" in verified.stdout


def test_a_back_dated_row_is_named_even_with_a_hash_that_fits(approved: Path) -> None:
    with sqlite3.connect(approved / ".release-manager" / "state.db") as db:
        db.row_factory = sqlite3.Row
        last = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        row = {"id": last["id"] + 1, "at": "2026-01-01T09:00:00+00:00", "actor": "ops",
               "action": "approve", "subject": "build 1 → Staging", "detail": "{}",
               "os_user": "ops"}
        db.execute("INSERT INTO audit (id, at, actor, action, subject, detail, os_user, "
                   "hash) VALUES (:id, :at, :actor, :action, :subject, :detail, :os_user, "
                   ":hash)", {**row, "hash": row_hash(last["hash"], row)})
    named = ("audit row 11 (approve build 1 → Staging, by ops) is dated "
             "2026-01-01T09:00:00+00:00, before the row above it")
    assert named in warned(approved)
    verified = cli(approved, "audit", "--verify")
    assert verified.returncode == AUDIT_BROKEN and named in verified.stdout


def test_a_naive_back_dated_insert_breaks_the_chain(approved: Path) -> None:
    attack(approved, "INSERT INTO audit (at, actor, action, subject) VALUES "
                     "('2026-01-01T09:00:00+00:00', 'ops', 'approve', 'build 1 → Staging')")
    assert "audit row 11 (approve build 1 → Staging, by ops) does not match its hash" in \
        warned(approved, "approvals")
    assert cli(approved, "audit", "--verify").returncode == AUDIT_BROKEN


def test_an_edited_decision_is_named(approved: Path) -> None:
    attack(approved, "DROP TRIGGER decisions_no_update",
           "UPDATE approval_decisions SET approver = 'lead', comment = ''")
    named = ("approval decision 1 (approved by lead) differs from audit row 9: approver "
             "'lead' (audited: 'qa'); comment '' (audited: 'smoke green')")
    assert named in warned(approved)
    verified = cli(approved, "audit", "--verify")
    assert verified.returncode == AUDIT_BROKEN and named in verified.stdout


def test_a_deleted_decision_is_named(approved: Path) -> None:
    attack(approved, "DROP TRIGGER decisions_no_delete", "DELETE FROM approval_decisions")
    verified = cli(approved, "audit", "--verify", "--json")
    assert verified.returncode == AUDIT_BROKEN
    problems = json.loads(verified.stdout)["problems"]
    assert problems[0] == ("audit row 9 records approval decision 1, which is no longer in "
                           "the store")
