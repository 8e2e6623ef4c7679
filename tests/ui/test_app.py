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
