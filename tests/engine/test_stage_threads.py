"""The local backend's stages observed by reference: a long-lived window keeps the log
lines of the latest finished stages only (the run's log files keep them all)."""

from __future__ import annotations

import pytest

from release_manager.engine.backend import StageOutcome
from release_manager.engine.backend_errors import NotFound
from release_manager.engine.local.stage_threads import KEPT, StageThreads


def test_only_the_latest_finished_stages_are_kept_for_reading_back() -> None:
    threads = StageThreads()

    def work(log, cancel) -> StageOutcome:
        log.write("done")
        return StageOutcome("Succeeded")

    refs = []
    for run_id in range(1, KEPT + 3):
        refs.append(threads.start(run_id, "Build", work))
        assert threads.get(refs[-1]).wait(60, None).finished
    for gone in refs[:2]:
        with pytest.raises(NotFound):
            threads.get(gone)
    assert [threads.get(ref).lines(0) for ref in refs[2:]] == [["done"]] * KEPT
