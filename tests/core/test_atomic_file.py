"""Atomic writes: the old file or the new one, never half, and no temporary left over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_manager.core import atomic_file
from release_manager.core.atomic_file import write_bytes_atomic, write_text_atomic


def test_a_write_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "azure-pipelines.yml"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    write_text_atomic(target, "new\r\n")
    assert target.read_bytes() == b"new\r\n"  # no newline translation
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["azure-pipelines.yml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "environments.yml"
    target.write_text("old\n")

    def failing_replace(source: str, destination: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic_file.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(target, b"new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["environments.yml"]


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / ".release-manager" / "sites.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
