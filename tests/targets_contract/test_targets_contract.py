"""The AppTargets contract: what the window, the CLI and the swap step may rely on from an
environment's App Service slots, whichever implementation serves them. Runs on each
target of `target_harnesses.TARGETS` (the local slots through real pipeline runs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from target_harnesses import TARGETS, Lines, TargetsHarness

from release_manager.core.model import PRODUCTION_SLOT
from release_manager.engine.app_targets import RUNNING, STOPPED, SwapCancelled
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import NotFound


@pytest.fixture(params=sorted(TARGETS))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TargetsHarness]:
    with TARGETS[request.param](tmp_path) as made:
        made.deploy(1, PRODUCTION_SLOT)
        made.deploy(2, made.target.slot)
        yield made


def builds(harness: TargetsHarness) -> dict[str, int | None]:
    return {status.slot: status.build
            for status in harness.targets.slots(harness.environment, harness.target,
                                                health=False)}


def test_slots_read_the_target_slot_first_then_the_one_it_swaps_with(harness):
    statuses = harness.targets.slots(harness.environment, harness.target)
    assert [s.slot for s in statuses] == ["staging", PRODUCTION_SLOT]
    assert [s.build for s in statuses] == [2, 1]
    assert all(s.state == RUNNING and s.environment == harness.environment for s in statuses)
    assert len({s.url for s in statuses}) == 2  # each slot has its own address
    assert all(s.health is not None and s.health.ok for s in statuses), statuses
    assert "build 2" in statuses[0].deployment and "build 1" in statuses[1].deployment
    unchecked = harness.targets.slots(harness.environment, harness.target, health=False)
    assert [s.health for s in unchecked] == [None, None]


def test_deploying_to_the_slot_leaves_production_as_it_was(harness):
    harness.deploy(3, harness.target.slot)
    assert builds(harness) == {"staging": 3, PRODUCTION_SLOT: 1}


def test_swap_exchanges_the_builds_reads_them_back_and_swaps_back(harness):
    log = Lines()
    outcome = harness.targets.swap(harness.environment, harness.target, PRODUCTION_SLOT,
                                   log, CancelToken())
    assert (outcome.slot, outcome.with_slot) == ("staging", PRODUCTION_SLOT)
    assert (outcome.slot_build, outcome.with_build) == (1, 2)
    assert builds(harness) == {"staging": 1, PRODUCTION_SLOT: 2}
    assert log.lines, "a swap says what it does"

    back = harness.targets.swap(harness.environment, harness.target, PRODUCTION_SLOT,
                                Lines(), CancelToken())
    assert (back.slot_build, back.with_build) == (2, 1)
    assert builds(harness) == {"staging": 2, PRODUCTION_SLOT: 1}


def test_a_swap_cancelled_before_it_is_sent_changes_nothing(harness):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(SwapCancelled):
        harness.targets.swap(harness.environment, harness.target, PRODUCTION_SLOT,
                             Lines(), cancel)
    assert builds(harness) == {"staging": 2, PRODUCTION_SLOT: 1}


def test_stop_makes_the_slot_stopped_and_unhealthy_and_start_brings_it_back(harness):
    log = Lines()
    harness.targets.stop(harness.environment, harness.target, log)
    staging, production = harness.targets.slots(harness.environment, harness.target)
    assert staging.state == STOPPED and not staging.health.ok
    assert production.state == RUNNING and production.health.ok  # only the slot stopped
    harness.targets.start(harness.environment, harness.target, log)
    staging, _ = harness.targets.slots(harness.environment, harness.target)
    assert staging.state == RUNNING and staging.health.ok, staging.health
    assert len(log.lines) >= 2


def test_restart_is_logged_and_the_slot_answers_after_it(harness):
    log = Lines()
    harness.targets.restart(harness.environment, harness.target, log)
    assert log.lines
    staging, _ = harness.targets.slots(harness.environment, harness.target)
    assert staging.state == RUNNING and staging.health.ok and staging.build == 2


def test_an_unknown_slot_is_not_found_everywhere(harness):
    unknown = replace(harness.target, slot="nope")
    for call in (lambda: harness.targets.slots(harness.environment, unknown),
                 lambda: harness.targets.stop(harness.environment, unknown, Lines()),
                 lambda: harness.targets.start(harness.environment, unknown, Lines()),
                 lambda: harness.targets.restart(harness.environment, unknown, Lines()),
                 lambda: harness.targets.swap(harness.environment, harness.target, "nope",
                                              Lines(), CancelToken())):
        with pytest.raises(NotFound):
            call()
    assert builds(harness) == {"staging": 2, PRODUCTION_SLOT: 1}
