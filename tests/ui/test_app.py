"""Interpreter settings the application makes for a responsive window while logs stream."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO

from release_manager.ui.app import SWITCH_INTERVAL_S

PROBE = """
import gc, json, sys
from release_manager.ui.app import create_application, freeze_startup_objects
before = sys.getswitchinterval()
create_application()
after = sys.getswitchinterval()
frozen_before = gc.get_freeze_count()
freeze_startup_objects()
print(json.dumps([before, after, frozen_before, gc.get_freeze_count()]))
"""


def test_the_application_shortens_the_switch_interval_and_freezes_its_start_up_objects() -> None:
    """Run in a fresh interpreter: both settings are process-wide."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    child = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    before, after, frozen_before, frozen_after = json.loads(child.stdout.splitlines()[-1])
    assert before == 0.005  # Python's default
    assert after == SWITCH_INTERVAL_S < before
    assert frozen_before == 0
    assert frozen_after > 1000  # modules, classes, Qt wrappers: all out of the collector's way


WINDOW_PROBE = """
import gc, json, sys
from release_manager.cli import main
code = main(["--screenshot", sys.argv[1], sys.argv[2]])
print(json.dumps([code, gc.isenabled(), gc.get_freeze_count()]))
"""


def test_the_window_starts_without_collections_and_turns_the_collector_on_once_painted(
    tmp_path,
) -> None:
    """The collector is off while the window starts (its objects all live on) and must be
    back on, with the start-up objects frozen, once the window is on screen."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    pipeline = REPO / "tests" / "data" / "pipelines" / "spacegame.yml"
    child = subprocess.run(
        [sys.executable, "-c", WINDOW_PROBE, str(tmp_path / "shot.png"), str(pipeline)],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )
    code, enabled, frozen = json.loads(child.stdout.splitlines()[-1])
    assert code == 0
    assert enabled
    assert frozen > 1000
