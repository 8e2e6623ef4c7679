"""What is on disk against what was last read or written: a change by someone else is
found, the window's own writes are not taken for one."""

from __future__ import annotations

import os
from pathlib import Path

from release_manager.core.disk_changes import DiskBaseline, DiskChange, unified_diff


def test_a_file_written_by_someone_else_is_a_change_and_ours_is_not(tmp_path: Path) -> None:
    pipeline = tmp_path / "azure-pipelines.yml"
    pipeline.write_bytes(b"stages: []\n")
    baseline = DiskBaseline()
    baseline.remember(pipeline, pipeline.read_bytes())
    assert baseline.changes() == []

    pipeline.write_bytes(b"stages: [a]\n")
    assert baseline.changes() == [DiskChange(pipeline, b"stages: []\n", b"stages: [a]\n")]
    assert baseline.changes()[0].kind == "changed"

    baseline.remember(pipeline, b"stages: [a]\n")  # what the window has just written
    assert baseline.changes() == []


def test_created_and_deleted_files_are_changes_too(tmp_path: Path) -> None:
    policies = tmp_path / ".release-manager" / "environments.yml"
    pipeline = tmp_path / "azure-pipelines.yml"
    pipeline.write_text("stages: []\n")
    baseline = DiskBaseline()
    baseline.remember(pipeline, pipeline.read_bytes())
    baseline.remember(policies, None)  # no file yet
    policies.parent.mkdir()
    policies.write_text("version: 1\n")
    os.remove(pipeline)
    assert [(c.path.name, c.kind) for c in baseline.changes()] == [
        ("azure-pipelines.yml", "deleted"), ("environments.yml", "created")]


def test_the_diff_goes_from_the_disk_to_ours() -> None:
    diff = unified_diff(b"a\nb\n", b"a\nc", "azure-pipelines.yml").splitlines()
    assert diff[:2] == ["--- azure-pipelines.yml (on disk)", "+++ azure-pipelines.yml (yours)"]
    assert diff[3:] == [" a", "-b", "+c"]
    assert unified_diff(b"same\n", b"same\n", "x.yml") == ""
    assert unified_diff(None, b"new\n", "x.yml").splitlines()[-1] == "+new"
