"""Shared set-up of the stage graph tests: an editor on a real file, a view shown offscreen
and mouse gestures at scene positions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication, QGraphicsView

from release_manager.core.pipeline_yaml import load
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.view import GraphView

FAN_OUT = """\
stages:
- stage: Build
  jobs:
  - job: Build
    steps:
    - script: echo build
- stage: Dev
  dependsOn: Build
  jobs:
  - deployment: Deploy
    environment: dev
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo dev
- stage: Test
  dependsOn: Build
  condition: and(succeeded(), eq(variables['Build.Reason'], 'Schedule'))
  jobs: []
- stage: Prod
  displayName: Production
  dependsOn: [Dev, Test]
  jobs: []
"""


def open_view(qtbot, tmp_path: Path, text: str = FAN_OUT) -> GraphView:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(text, encoding="utf-8")
    editor = PipelineEditor(load(path))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    view = GraphView(editor, PositionStore(settings))
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    view.setFocus()
    return view


def at(view: QGraphicsView, point: QPointF) -> QPoint:
    return view.mapFromScene(point)


def drag(qtbot, view: QGraphicsView, start: QPointF, end: QPointF, steps: int = 5) -> None:
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(view, start))
    for step in range(1, steps + 1):
        point = start + (end - start) * (step / steps)
        qtbot.mouseMove(viewport, at(view, point))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(view, end))


def centre(view: GraphView, name: str) -> QPointF:
    item = view.graph_scene.stage_item(name)
    assert item is not None, name
    return item.sceneBoundingRect().center()


def port(view: GraphView, name: str) -> QPointF:
    item = view.graph_scene.stage_item(name)
    assert item is not None and item.has_port(), name
    return item.port_point()
