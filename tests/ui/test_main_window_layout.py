"""The main window's default layout at the usual window sizes: the graph gets most of the
room and shows every stage with its full name; with a workspace, the Releases dock sits
under the graph beside the log; a layout the user saved wins over the default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget

from release_manager.engine.demo import create_demo
from release_manager.ui.main_window import MainWindow
from release_manager.ui.releases import look
from release_manager.ui.theme import dark_palette

SPACEGAME = DATA / "pipelines" / "spacegame.yml"
TIMEOUT = 60_000
SIZES = [(1400, 900), (1920, 1080)]
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@pytest.fixture(autouse=True)
def acting_as_lead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_MANAGER_USER", "lead")


@pytest.fixture
def open_window(qtbot, settings: QSettings):
    """A shown window of the given size on a pipeline, drawn and with its releases read."""
    windows: list[MainWindow] = []

    def make(path: Path, size: tuple[int, int] = SIZES[0]) -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        windows.append(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        assert window.load(path)
        qtbot.waitUntil(window.is_drawn, timeout=TIMEOUT)
        return window

    yield make
    for window in windows:
        controller = window.release_controller
        if controller is not None:
            controller.dispose()
            controller.pool.waitForDone(TIMEOUT)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "plain" / "azure-pipelines.yml"
    path.parent.mkdir()
    shutil.copyfile(SPACEGAME, path)
    return path


def in_window(window: MainWindow, dock: QDockWidget) -> QRect:
    return QRect(dock.mapTo(window, dock.rect().topLeft()), dock.size())


def assert_every_stage_shows_its_full_title(qtbot, window: MainWindow) -> None:
    graph = window.graph
    qtbot.waitUntil(lambda: not graph.horizontalScrollBar().isVisible(), timeout=TIMEOUT)
    visible = graph.mapToScene(graph.viewport().rect()).boundingRect()
    title_font = QFont(graph.font())
    title_font.setPointSizeF(9.5)
    title_font.setBold(True)
    metrics = QFontMetricsF(title_font)
    for item in graph.scene().stage_items():
        assert visible.contains(item.sceneBoundingRect()), item.name
        title = item.card.title
        assert metrics.horizontalAdvance(title) <= item.title_rect().width(), title
    assert graph.zoom_factor() >= 0.7  # the cards' text stays readable


@pytest.mark.parametrize("size", SIZES)
def test_a_plain_pipeline_leaves_most_of_the_window_to_the_graph(
        qtbot, open_window, plain: Path, size: tuple[int, int]) -> None:
    window = open_window(plain, size)
    assert not window.releases_dock.isVisible()
    viewport = window.graph.viewport()
    assert viewport.width() > 0.7 * size[0]
    assert viewport.height() > 0.6 * size[1]
    assert window.problems_dock.height() < 0.2 * size[1]  # empty Problems: a few lines
    assert_every_stage_shows_its_full_title(qtbot, window)


@pytest.mark.parametrize("size", SIZES)
def test_a_workspace_shows_its_releases_under_the_graph_beside_the_log(
        qtbot, open_window, tmp_path: Path, size: tuple[int, int]) -> None:
    window = open_window(create_demo(tmp_path / "space-game"), size)
    releases, problems, log = window.releases_dock, window.problems_dock, window.log_dock
    assert releases.isVisible()
    assert window.tabifiedDockWidgets(problems) == [window.yaml_dock, log]
    assert window.dockWidgetArea(releases) == window.dockWidgetArea(log) == BOTTOM
    qtbot.waitUntil(lambda: releases.height() >= 360, timeout=TIMEOUT)
    releases_rect, tabs_rect = in_window(window, releases), in_window(window, problems)
    assert releases_rect.right() < tabs_rect.left()  # side by side: both in view
    assert releases_rect.width() > tabs_rect.width() / 2
    assert window.graph.viewport().width() > 0.7 * size[0]
    assert_every_stage_shows_its_full_title(qtbot, window)


def test_screenshots_wait_for_the_release_status(qtbot, settings: QSettings,
                                                  tmp_path: Path) -> None:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.load(create_demo(tmp_path / "space-game"))
    controller = window.release_controller
    assert not controller.settled and not window.is_drawn()  # its worker has not answered
    qtbot.waitUntil(window.is_drawn, timeout=TIMEOUT)
    assert controller.status is not None
    controller.dispose()
    controller.pool.waitForDone(TIMEOUT)


def test_a_layout_the_user_saved_wins_over_the_default(qtbot, open_window,
                                                       tmp_path: Path) -> None:
    demo = create_demo(tmp_path / "space-game")
    first = open_window(demo)
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.releases_dock)
    first.close()
    second = open_window(demo)
    assert second.releases_dock.isVisible()
    assert second.dockWidgetArea(second.releases_dock) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_release_states_are_lighter_on_a_dark_palette(qtbot) -> None:
    app = QApplication.instance()
    light = app.palette()
    on_light = look.colour("succeeded")
    app.setPalette(dark_palette())
    try:
        on_dark = look.colour("succeeded")
    finally:
        app.setPalette(light)
    background = dark_palette().color(QPalette.ColorRole.Base)
    assert on_dark.lightness() > on_light.lightness()
    assert on_dark.lightness() - background.lightness() > 70


def test_a_workspace_opens_on_the_log_of_its_latest_deployment(
        qtbot, open_window, tmp_path: Path) -> None:
    demo = create_demo(tmp_path / "space-game")
    first = open_window(demo)
    controller = first.release_controller
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        assert controller.run_pipeline("release")
    assert finished.args[0].state == "succeeded", finished.args[0].message
    first.close()

    second = open_window(demo)  # drawn: its status and that log are read
    lines = second.log_panel.view.lines()
    assert any("Run unit tests" in line for line in lines)
    assert second.log_dock.windowTitle() == "Log — Build 1 · Build (attempt 1)"
    assert not second.log_dock.visibleRegion().isEmpty()  # the tab in front
