"""Shared set-up of the inspector tests: the Space Game pipeline copied to a temporary
workspace, an editor on it and the inspector panel shown offscreen."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DATA
from PySide6.QtWidgets import QApplication

from release_manager.core.pipeline_yaml import load
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.panel import InspectorPanel

SPACEGAME = DATA / "pipelines" / "spacegame.yml"


def open_panel(qtbot, tmp_path: Path, source: Path = SPACEGAME) -> InspectorPanel:
    """The panel on a copy of `source` in `tmp_path`, shown, nothing selected."""
    path = tmp_path / "azure-pipelines.yml"
    shutil.copyfile(source, path)
    editor = PipelineEditor(load(path))
    panel = InspectorPanel(editor)
    # Undo commands hold their editor, a reference cycle through Qt objects; emptying the
    # stack before the test ends keeps the garbage collector from tearing it down in an
    # order that frees a command twice.
    qtbot.addWidget(panel, before_close_func=lambda _: editor.undo_stack.clear())
    panel.resize(420, 900)
    panel.show()
    qtbot.waitExposed(panel)
    activate(qtbot, panel)
    return panel


def activate(qtbot, panel: InspectorPanel) -> None:
    """Make the panel's window the active one. The offscreen platform leaves a closed
    completion popup active, where a desktop gives the activation back to the window."""
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)


def select(panel: InspectorPanel, *names: str) -> None:
    panel.editor.select(list(names))
