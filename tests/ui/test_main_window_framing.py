"""A pipeline opens framed and the window then rests: a chain of any length paints and
leaves the event loop idle (framing once fed a resize loop at full CPU), and "Fit to
Window" shows the whole graph right after opening."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QSettings, Qt
from PySide6.QtWidgets import QWidget

from release_manager.ui.graph.view import MIN_READABLE_ZOOM
from release_manager.ui.main_window import MainWindow

TIMEOUT = 30_000
QUIET_POLLS = 5
"""pytest-qt's waitUntil polls every 10 ms: the viewport keeps its size for 50 ms."""
REST_TIMEOUT = 5_000
WINDOW_SIZE = (1400, 900)


@pytest.fixture
def window(qtbot, settings: QSettings) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(*WINDOW_SIZE)
    window.show()
    qtbot.waitExposed(window)
    return window


def chain(folder: Path, count: int) -> Path:
    """A pipeline of `count` stages, each depending on the one before (one line each:
    the fewer YAML tokens, the faster the file loads)."""
    lines = ["stages:"]
    for index in range(count):
        after = f", dependsOn: Stage{index - 1}" if index else ""
        lines.append(f"- {{stage: Stage{index}{after}, jobs: []}}")
    path = folder / f"chain-{count}" / "azure-pipelines.yml"
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class EventCounter(QObject):
    """Counts the paint and resize events of a widget."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.paints = self.resizes = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        elif event.type() == QEvent.Type.Resize:
            self.resizes += 1
        return False


def wait_until_painted_and_at_rest(qtbot, counter: EventCounter) -> None:
    """Wait until the viewport is painted, the event loop goes idle and the viewport
    keeps its size for QUIET_POLLS polls in a row: a framing loop resizes it (its
    scroll bars come and go) a few milliseconds apart, forever."""
    qtbot.waitUntil(lambda: counter.paints > 0, timeout=TIMEOUT)
    with qtbot.waitSignal(QAbstractEventDispatcher.instance().aboutToBlock, timeout=TIMEOUT):
        pass  # idle: nothing left queued (a loop of posted events never gets there)
    seen = {"resizes": counter.resizes, "quiet": 0}

    def at_rest() -> bool:
        quiet = counter.resizes == seen["resizes"]
        seen["quiet"] = seen["quiet"] + 1 if quiet else 0
        seen["resizes"] = counter.resizes
        return seen["quiet"] >= QUIET_POLLS

    qtbot.waitUntil(at_rest, timeout=REST_TIMEOUT)


def test_chains_of_1_to_120_stages_paint_and_leave_the_window_at_rest(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    for count in range(1, 121):
        window.hide()  # as `release-manager FILE` does: load, then show
        assert window.load(chain(tmp_path, count))
        viewport = window.graph.viewport()
        counter = EventCounter(viewport)
        window.show()
        wait_until_painted_and_at_rest(qtbot, counter)
        graph = window.graph
        assert MIN_READABLE_ZOOM * 0.999 <= graph.zoom_factor() <= 1.0, count
        first = graph.scene().stage_item("Stage0")
        visible = graph.mapToScene(viewport.rect()).boundingRect()
        assert visible.contains(first.sceneBoundingRect()), count  # it starts at the left


def test_fit_to_window_right_after_opening_shows_the_whole_graph(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    assert window.load(chain(tmp_path, 60))
    graph = window.graph
    qtbot.waitUntil(window.is_drawn, timeout=TIMEOUT)
    assert graph.zoom_factor() == pytest.approx(MIN_READABLE_ZOOM)  # opened readable
    assert not graph.verticalScrollBar().isVisible()  # one row: nothing to scroll down to

    button = window.toolbar.widgetForAction(graph.actions_by_name()["fit"])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    counter = EventCounter(graph.viewport())
    graph.viewport().update()
    wait_until_painted_and_at_rest(qtbot, counter)

    visible = graph.mapToScene(graph.viewport().rect()).boundingRect()
    for item in graph.scene().stage_items():
        assert visible.contains(item.sceneBoundingRect()), item.name
