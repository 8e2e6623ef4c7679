"""The window's start: its first paint shows the pipeline's graph without waiting for what
that paint does not need (the engine, the schema, the keyring, croniter, the verbs), and
all of it still comes once the window is on screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO

from release_manager.cli import VERBS, build_parser
from release_manager.engine.demo import create_demo

LATER = ("jsonschema", "keyring", "croniter", "azure", "release_manager.cli.release_commands",
         "release_manager.engine.promotion", "release_manager.engine.store",
         "release_manager.ui.releases")
"""Modules the first paint does without: the full validation's schema, the sign-ins'
keyring, the schedules' next runs, the Azure SDKs, the verbs, the releases' engine."""

PROBE = """
import json, os, sys
from PySide6.QtCore import QDeadlineTimer, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

LATER = json.loads(sys.argv[1])
app = QApplication(sys.argv[:1])
seen = {}
deadline = QDeadlineTimer(90_000)


def loaded():
    return sorted(name for name in LATER
                  if any(m == name or m.startswith(name + ".") for m in sys.modules))


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow) and not seen:
            seen["loaded"] = loaded()
            seen["stages"] = watched.graph.graph_scene.stage_count() if watched.graph else 0
            seen["releases_dock"] = watched.releases_dock.isVisible()
            QTimer.singleShot(0, lambda: wait_for(watched))
        return False


def wait_for(window):
    next_runs = window.inspector.schedules.next_runs.text()
    if not (window.is_drawn() and next_runs) and not deadline.hasExpired():
        QTimer.singleShot(20, lambda: wait_for(window))
        return
    panel = window.releases_dock.widget()
    controller = window.release_controller
    seen["later"] = {
        "releases_panel": type(panel).__name__,
        "status_read": controller is not None and controller.status is not None,
        "validated": not window.problems.is_validating(),
        "next_runs": len(next_runs.splitlines()),
        "loaded": loaded(),
    }
    print(json.dumps(seen), flush=True)
    os._exit(0)


watcher = FirstPaint()
app.installEventFilter(watcher)
from release_manager.cli import main
main(["--workspace", sys.argv[2]])
"""


def test_the_first_paint_shows_the_graph_and_the_rest_comes_after_it(tmp_path) -> None:
    """`release-manager --workspace` on the demo workspace, in a fresh interpreter."""
    workspace = create_demo(tmp_path / "space-game").parent
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    child = subprocess.run([sys.executable, "-c", PROBE, json.dumps(LATER), str(workspace)],
                           env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    assert lines, child.stderr[-3000:]
    seen = json.loads(lines[-1])

    assert seen["stages"] == 4  # Build, Dev, Test, Staging: drawn in the first paint
    assert seen["releases_dock"]  # in its place from the start: the graph is framed once
    assert seen["loaded"] == []
    later = seen["later"]
    assert later["releases_panel"] == "ReleasesPanel"
    assert later["status_read"]
    assert later["validated"]
    assert later["next_runs"] == 5
    assert {"jsonschema", "croniter", "release_manager.engine.promotion",
            "release_manager.ui.releases"} <= set(later["loaded"])


def test_the_window_knows_every_verb_without_importing_them() -> None:
    """Any first argument that is not a verb opens the window (as a file name): the list
    the window path reads must be the verbs the parser registers."""
    _, registered = build_parser()
    assert registered == VERBS
