"""The step process groups a killed deployment leaves behind: recovery ends those whose
starter is gone, and only those (a live starter's group, or a pid now used by another
process, is left alone)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_manager.engine.liveness import process_alive
from release_manager.engine.local.process_groups import ProcessGroups

WAIT = [sys.executable, "-c", "import signal; signal.pause()"]


@pytest.fixture()
def step() -> Iterator[subprocess.Popen[bytes]]:
    """A step's process, leader of its own group, waiting to be killed."""
    process = subprocess.Popen(WAIT, start_new_session=True)
    yield process
    process.kill()
    process.wait()


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def record(groups: ProcessGroups, step: subprocess.Popen[bytes], owner: int,
           leader_start: int | None = None) -> Path:
    """What a starter `owner` wrote for `step`'s group (its leader's start as read now
    unless given)."""
    groups.started(step.pid)
    path = groups.folder / f"{step.pid}.json"
    entry = json.loads(path.read_text("utf-8"))
    entry["owner"] = owner
    if leader_start is not None:
        entry["leader_start"] = leader_start
    path.write_text(json.dumps(entry), "utf-8")
    return path


def test_a_group_whose_starter_died_is_ended(tmp_path: Path, step) -> None:
    groups = ProcessGroups(tmp_path / "processes")
    path = record(groups, step, dead_pid())
    assert groups.end_orphans() == [step.pid]
    assert step.wait(60) == -9
    assert not path.exists()


def test_a_group_whose_starter_runs_is_left_alone(tmp_path: Path, step) -> None:
    groups = ProcessGroups(tmp_path / "processes")
    path = record(groups, step, step.pid)  # any live process will do as its starter
    assert groups.end_orphans() == []
    assert process_alive(step.pid) and path.exists()


def test_a_pid_now_used_by_another_process_is_left_alone(tmp_path: Path, step) -> None:
    groups = ProcessGroups(tmp_path / "processes")
    path = record(groups, step, dead_pid(), leader_start=1)  # another process had it then
    assert groups.end_orphans() == []  # (told apart by the start times of Linux's /proc)
    assert process_alive(step.pid)
    assert not path.exists()
