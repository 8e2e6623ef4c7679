"""kill -9 of a real process swapping two local slots, at each point of a swap: held
before the exchange, held after it, and at whatever point a free-running loop of swaps has
reached. The two slots' `current` links are then always one whole assignment, never a
mix: after a kill before the exchange, the assignment before it; after it, the one after
it; anywhere else, one of the two (and never both slots on one release)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import release_manager
from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget
from release_manager.engine.local.deploy import EnvironmentFolders
from release_manager.engine.local.targets import LocalTargets
from release_manager.engine.local.workdir import STATE_DIR

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX signals")

TARGET = AppServiceTarget(slot="staging", swap_with=PRODUCTION_SLOT)

SWAPPER = '''\
import sys
from release_manager.core.model import AppServiceTarget
from release_manager.engine.backend import CancelToken
from release_manager.engine.local.targets import LocalTargets

root, hold_at, hold_line = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Log:
    swap = 0

    def write(self, line):
        print(f"{self.swap} {line}", flush=True)
        if hold_line != "-" and self.swap == hold_at and line.startswith(hold_line):
            sys.stdin.readline()  # held here until killed


log = Log()
targets = LocalTargets(root)
target = AppServiceTarget(slot="staging", swap_with="production")
while True:
    log.swap += 1
    targets.swap("web", target, "production", log, CancelToken())
'''

POINTS = [("Swapping", 0), ("Swapped", 1), ("-", None)]
"""Where the swapper is killed, and how many swaps of the held one are then done (None:
the loop runs free; the kill lands wherever it is)."""


def assignment(folders: EnvironmentFolders) -> tuple[int | None, int | None]:
    return folders.current_run("web"), folders.current_run("web", "staging")


def after(swaps: int, start: tuple[int, int]) -> tuple[int, int]:
    return start if swaps % 2 == 0 else (start[1], start[0])


def test_a_swap_killed_at_any_point_leaves_one_whole_assignment(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    folders = EnvironmentFolders(root / STATE_DIR / "environments")
    for build in (1, 2):
        package = tmp_path / f"site-{build}"
        package.mkdir()
        (package / "index.html").write_text(f"build {build}\n")
        folders.install("web", build, package, {"commit": "abc"})
    folders.switch("web", 1)
    folders.switch("web", 2, "staging")
    script = tmp_path / "swapper.py"
    script.write_text(SWAPPER)
    env_folder = folders.folder("web")
    entries = (sorted(os.listdir(env_folder)), sorted(os.listdir(env_folder / "slots" / "staging")))

    # the child imports this very package, whichever copy of it runs the tests
    child_env = {**os.environ, "PYTHONPATH": str(Path(release_manager.__file__).parents[1])}
    for iteration in range(30):
        line, done = POINTS[iteration % len(POINTS)]
        hold_at = iteration // len(POINTS) + 1
        start = assignment(folders)
        swapper = subprocess.Popen(
            [sys.executable, str(script), str(root), str(hold_at), line],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=child_env)
        wanted = f"{hold_at} {line if line != '-' else 'Swapped'}"
        for output in swapper.stdout:
            if output.startswith(wanted):
                break
        else:
            pytest.fail(f"the swapper ended first: {swapper.stderr.read()}")
        os.kill(swapper.pid, signal.SIGKILL)
        assert swapper.wait(60) == -signal.SIGKILL
        swapper.stdout.close(), swapper.stdin.close(), swapper.stderr.close()

        now = assignment(folders)
        assert sorted(now) == [1, 2], f"iteration {iteration}: {now}"  # never a mix
        if done is not None:
            assert now == after(hold_at - 1 + done, start), (iteration, line, start, now)
        for slot in (PRODUCTION_SLOT, "staging"):
            path = folders.current_path("web", slot)
            assert path is not None and (path / "release.json").is_file()
        # nothing half-made is left beside the links
        assert (sorted(os.listdir(env_folder)),
                sorted(os.listdir(env_folder / "slots" / "staging"))) == entries

    builds = {s.slot: s.build for s in LocalTargets(root).slots("web", TARGET, health=False)}
    production, staging = assignment(folders)
    assert builds == {PRODUCTION_SLOT: production, "staging": staging}
