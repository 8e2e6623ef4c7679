"""Only what was approved runs: a build keeps the pipeline definition it was queued with,
and promoting, approving or redeploying it runs that, whatever the file on disk has
become since; the approver is told how the file on disk differs (real processes)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_release_commands import cli

from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "space-game"
    done = subprocess.run([sys.executable, "-m", "release_manager", "demo", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


def add_step(workspace: Path, environment: str, marker: Path) -> None:
    """Add a first deploy step to the stage deploying to `environment`, in the file on
    disk only (not committed), as someone slipping a step in after the request."""
    pipeline = workspace / "azure-pipelines.yml"
    anchor = (f"    environment: {environment}\n    strategy:\n      runOnce:\n"
              "        deploy:\n          steps:\n")
    text = pipeline.read_text()
    assert anchor in text
    pipeline.write_text(text.replace(anchor, anchor + (
        f"          - script: echo slipped in > '{marker}'\n"
        "            displayName: 'Added after the request'\n")))


def wait_for_staging(demo: Path) -> None:
    assert cli(demo, "run", "--as", "lead").returncode == 0
    for stage in ("Dev", "Test"):
        assert cli(demo, "promote", "1", "--to", stage, "--as", "lead").returncode == 0
    assert cli(demo, "promote", "1", "--to", "Staging", "--as", "lead").returncode == 3


def test_a_step_added_after_the_request_does_not_run_when_it_is_approved(
        demo: Path, tmp_path: Path) -> None:
    wait_for_staging(demo)
    marker = tmp_path / "slipped-in"
    add_step(demo, "staging", marker)

    pending = cli(demo, "approvals")
    assert pending.returncode == 0, pending.stderr
    assert ("    runs: build 1 runs its own definition (kept when it was queued); "
            "azure-pipelines.yml on disk changed Staging since: a step was added"
            ) in pending.stdout.splitlines()
    [listed] = json.loads(cli(demo, "approvals", "--json").stdout)
    assert "on disk changed Staging since: a step was added" in listed["definition"]

    approved = cli(demo, "approve", "1", "--stage", "Staging", "--as", "qa")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert "Added after the request" not in approved.stdout
    assert not marker.exists()
    logs = cli(demo, "logs", "1", "--stage", "Staging").stdout
    assert "Release 1 is now current in staging" in logs
    assert "Added after the request" not in logs


def test_a_redeploy_runs_the_build_s_definition_and_a_new_run_the_file(
        demo: Path, tmp_path: Path) -> None:
    assert cli(demo, "run", "--as", "lead").returncode == 0
    assert cli(demo, "promote", "1", "--to", "Dev", "--as", "lead").returncode == 0
    marker = tmp_path / "slipped-in"
    add_step(demo, "dev", marker)

    plan = Promoter(Workspace(demo)).plan(1, "Dev")
    assert plan.definition is not None and plan.definition.differs
    assert plan.definition.text == (
        "build 1 runs its own definition (kept when it was queued); azure-pipelines.yml on "
        "disk changed Dev since: a step was added")

    assert cli(demo, "run", "--as", "lead").returncode == 0  # build 2 keeps the new file
    fresh = Promoter(Workspace(demo)).plan(2, "Dev").definition
    assert fresh is not None and not fresh.differs
    assert cli(demo, "promote", "2", "--to", "Dev", "--as", "lead").returncode == 0
    assert marker.read_text().strip() == "slipped in"
    marker.unlink()

    again = cli(demo, "promote", "1", "--to", "Dev", "--as", "lead")  # build 1 again
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Release 1 is now current in dev" in again.stdout
    assert not marker.exists() and "Added after the request" not in again.stdout


def test_a_build_queued_before_definitions_were_kept_runs_the_file_and_says_so(
        demo: Path, tmp_path: Path) -> None:
    wait_for_staging(demo)
    with sqlite3.connect(demo / ".release-manager" / "state.db") as db:
        db.execute("UPDATE runs SET definition = NULL")  # as a run of schema 2 reads
    marker = tmp_path / "slipped-in"
    add_step(demo, "staging", marker)
    pending = cli(demo, "approvals").stdout
    assert ("    runs: build 1 was queued before definitions were kept: it runs "
            "azure-pipelines.yml as it is on disk now") in pending.splitlines()
    approved = cli(demo, "approve", "1", "--stage", "Staging", "--as", "qa")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert marker.exists()  # what it said it would run


def test_builds_of_the_same_file_keep_one_copy_of_it(demo: Path) -> None:
    for _ in range(3):
        assert cli(demo, "run", "--as", "lead").returncode == 0
    with sqlite3.connect(demo / ".release-manager" / "state.db") as db:
        kept = db.execute("SELECT text FROM definitions").fetchall()
        digests = {row[0] for row in db.execute("SELECT definition FROM runs")}
    assert [text for (text,) in kept] == [(demo / "azure-pipelines.yml").read_text()]
    assert len(digests) == 1


def test_a_kept_definition_changed_by_hand_does_not_run_and_is_named(
        demo: Path, tmp_path: Path) -> None:
    wait_for_staging(demo)
    marker = tmp_path / "slipped-in"
    add_step(demo, "staging", marker)
    slipped = (demo / "azure-pipelines.yml").read_text()
    with sqlite3.connect(demo / ".release-manager" / "state.db") as db:
        db.execute("UPDATE definitions SET text = ?", (slipped,))  # the step, in the store

    pending = cli(demo, "approvals")
    altered = (f"the pipeline definition build 1 was queued with is changed in "
               f"{demo / '.release-manager' / 'state.db'}: it does not run (queue a new run)")
    assert f"    runs: {altered}" in pending.stdout.splitlines()
    assert "the pipeline definition" in pending.stderr and "kept for builds was changed" \
        in pending.stderr  # the audit's verdict, on every verb
    approved = cli(demo, "approve", "1", "--stage", "Staging", "--as", "qa")
    assert approved.returncode == 1
    assert approved.stdout.strip() == f"refused: {altered}"
    assert not marker.exists()
    assert cli(demo, "audit", "--verify").returncode == 5
