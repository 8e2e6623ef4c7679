"""Recovery copies: in the user's data folder, written whole, read back as written."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from release_manager.core.recovery import (
    RecoveryCopy,
    all_copies,
    copy_path,
    discard_copy,
    read_copy,
    recovery_dir,
    write_copy,
)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def test_a_copy_is_kept_in_the_data_folder_and_read_back(tmp_path: Path, data_home) -> None:
    pipeline = tmp_path / "work" / "azure-pipelines.yml"
    policies = pipeline.parent / ".release-manager" / "environments.yml"
    copy = RecoveryCopy(pipeline, datetime(2026, 12, 7, 1, 2, tzinfo=UTC),
                        {pipeline: "stages: [é]\r\n".encode("utf-16-le"), policies: None},
                        {pipeline: b"\xef\xbb\xbfstages: []\n", policies: None})
    path = write_copy(copy)
    assert recovery_dir() == data_home / "release-manager" / "recovery"
    assert path == copy_path(pipeline) and path.parent == recovery_dir()
    assert [p.name for p in recovery_dir().iterdir()] == [path.name]  # no temporary left
    assert read_copy(pipeline) == copy
    assert all_copies() == [copy]

    discard_copy(pipeline)
    assert read_copy(pipeline) is None and all_copies() == []
    discard_copy(pipeline)  # nothing to remove: no error


def test_a_damaged_copy_is_not_offered_and_not_removed(tmp_path: Path, data_home) -> None:
    pipeline = tmp_path / "azure-pipelines.yml"
    path = copy_path(pipeline)
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 1, "pipeline": ')
    assert read_copy(pipeline) is None
    assert all_copies() == []
    assert path.exists()


def test_copies_of_several_files_newest_first(tmp_path: Path, data_home) -> None:
    older = RecoveryCopy(tmp_path / "a.yml", datetime(2026, 1, 1, tzinfo=UTC), {}, {})
    newer = RecoveryCopy(tmp_path / "b.yml", datetime(2026, 2, 1, tzinfo=UTC), {}, {})
    write_copy(older)
    write_copy(newer)
    assert all_copies() == [newer, older]


def test_a_copy_kept_by_a_running_process_is_its_own_until_that_process_ends(
        tmp_path: Path, data_home) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    copy = RecoveryCopy(tmp_path / "a.yml", datetime(2026, 1, 1, tzinfo=UTC), {}, {},
                        owner=other.pid)
    write_copy(copy)
    assert read_copy(copy.pipeline).is_live_elsewhere()  # another instance edits it now
    other.communicate(b"")
    assert not read_copy(copy.pipeline).is_live_elsewhere()  # that instance has ended
    assert not RecoveryCopy(tmp_path / "b.yml", copy.saved_at, {}, {}).is_live_elsewhere()
