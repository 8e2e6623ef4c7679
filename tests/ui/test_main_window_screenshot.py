"""`release-manager FILE --screenshot OUT.png` as a real process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import DATA, REPO
from PySide6.QtGui import QImage

SPACEGAME = DATA / "pipelines" / "spacegame.yml"
INVALID = DATA / "invalid" / "duplicate-top-level-keys.yml"


def run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The app in a fresh process with its settings and data in `tmp_path`."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "release_manager", *argv],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def distinct_colours(image: QImage) -> int:
    """How many colours a coarse grid of the picture holds (a blank grab has one or two)."""
    return len({
        image.pixel(x, y)
        for x in range(0, image.width(), 23)
        for y in range(0, image.height(), 23)
    })


def test_screenshot_of_a_pipeline_is_a_window_sized_png(tmp_path):
    out = tmp_path / "window.png"

    done = run(tmp_path, str(SPACEGAME), "--screenshot", str(out))

    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert distinct_colours(image) > 20


def test_screenshot_of_a_file_that_fails_to_load_exits_2_with_the_report(tmp_path):
    out = tmp_path / "error.png"

    done = run(tmp_path, str(INVALID), "--screenshot", str(out))

    assert done.returncode == 2
    assert INVALID.name in done.stderr and "could not be loaded" in done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert distinct_colours(image) > 10


def test_a_missing_file_is_reported_without_a_window(tmp_path):
    done = run(tmp_path, str(tmp_path / "nope.yml"), "--screenshot", str(tmp_path / "x.png"))

    assert done.returncode == 2
    assert "nope.yml: no such file" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_of_a_50_stage_chain_returns_with_the_graph_drawn(tmp_path):
    """Framing such a graph once fed a resize loop: the window never painted and the
    process never returned."""
    stages = ["stages:"] + [
        f"- {{stage: Stage{i}{f', dependsOn: Stage{i - 1}' if i else ''}, jobs: []}}"
        for i in range(50)
    ]
    pipeline = tmp_path / "chain" / "azure-pipelines.yml"
    pipeline.parent.mkdir()
    pipeline.write_text("\n".join(stages) + "\n", encoding="utf-8")
    out = tmp_path / "chain.png"

    done = run(tmp_path, str(pipeline), "--screenshot", str(out))  # times out if it hangs

    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert distinct_colours(image) > 20
