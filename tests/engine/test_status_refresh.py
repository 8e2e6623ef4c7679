"""The status is read again only when something it shows moved: a dashboard left open
asks neither the store's tables nor the backend's environments on every tick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from release_manager.engine.demo import create_demo
from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.promotion import Promoter
from release_manager.engine.status_refresh import StatusRefresher
from release_manager.engine.store import Store
from release_manager.engine.workspace import Workspace


class CountingBackend:
    """The local backend, counting how often environments' releases are asked for."""

    def __init__(self, backend: LocalBackend) -> None:
        self._backend = backend
        self.release_reads = 0

    def releases(self, environment: str) -> list:
        self.release_reads += 1
        return self._backend.releases(environment)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Workspace, Promoter, CountingBackend, StatusRefresher, Clock]:
    root = create_demo(tmp_path / "space-game").parent
    plain = Workspace(root)
    backend = CountingBackend(plain.backend)
    workspace = Workspace(root, backend=backend)  # type: ignore[arg-type]
    promoter = Promoter(workspace)
    clock = Clock()
    return workspace, promoter, backend, StatusRefresher(workspace, promoter, clock=clock), clock


def test_ticks_with_nothing_moved_read_nothing(setup) -> None:
    _, _, backend, refresher, _ = setup
    assert refresher.read() is not None
    asked = backend.release_reads
    assert asked > 0
    for _ in range(10):
        assert refresher.read() is None
    assert backend.release_reads == asked
    assert refresher.reads == 1


def test_a_build_run_here_is_read_at_the_next_tick(setup) -> None:
    _, promoter, _, refresher, _ = setup
    first = refresher.read()
    assert first is not None and first.status.builds == []
    run, _ = promoter.run_pipeline("lead")
    read = refresher.read()
    assert read is not None and [b.id for b in read.status.builds] == [run.id]


def test_a_write_by_another_connection_is_read(setup) -> None:
    workspace, _, _, refresher, _ = setup
    refresher.read()
    other = Store(workspace.state_dir / "state.db")  # as another process has it
    try:
        other.audit("lead", "note", "Dev")
    finally:
        other.close()
    assert refresher.read() is not None


def test_the_pipeline_file_saved_is_read(setup) -> None:
    workspace, _, _, refresher, _ = setup
    refresher.read()
    path = workspace.pipeline_path
    path.write_text(path.read_text("utf-8") + "\n# saved again\n", "utf-8")
    assert refresher.read() is not None


def test_what_only_the_clock_changes_is_read_after_max_age(setup) -> None:
    _, _, _, refresher, clock = setup
    refresher.read()
    clock.now += refresher.max_age - 1
    assert refresher.read() is None
    clock.now += 1
    assert refresher.read() is not None
