"""Edits never lose what the model does not hold: undo after a save brings back the text as
it was, and a pasted stage is saved with every line of the stage it was copied from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from ruamel.yaml import YAML

from release_manager.cli import build_gui_parser
from release_manager.ui.app import create_window
from release_manager.ui.graph.view import RECONNECT
from release_manager.ui.main_window import MainWindow

RICH = """\
# Release pipeline of the shop
trigger:
  - main

stages:
  # Build everything once
  - stage: Build
    displayName: Build and test
    jobs:
      - job: Compile
        timeoutInMinutes: 30
        workspace:
          clean: all
        container: mcr.microsoft.com/dotnet/sdk:8.0
        variables:
          configuration: Release
          verbose: true   # keep it loud
        strategy:
          matrix:
            linux:
              imageName: ubuntu-latest
            windows:
              imageName: windows-latest
          maxParallel: 2
        pool:
          vmImage: $(imageName)
        steps:
          - script: |
              dotnet build --configuration $(configuration)
              dotnet test
            displayName: 'Build & test'
          - publish: $(Build.ArtifactStagingDirectory)
            artifact: drop

  - stage: Dev
    dependsOn: Build
    condition: succeeded('Build')
    jobs:
      - deployment: DeployDev
        environment: dev
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo "deploy to dev"

  - stage: Test
    dependsOn: Dev
    jobs:
      - deployment: DeployTest
        environment: test
        strategy:
          runOnce:
            deploy:
              steps:
                - script: echo "deploy to test"
"""


@pytest.fixture
def window(qtbot, tmp_path: Path, settings):
    """The window on a copy of RICH, as `release-manager FILE` opens it."""
    path = tmp_path / "azure-pipelines.yml"
    path.write_bytes(RICH.encode())
    args = build_gui_parser().parse_args([str(path)])
    window, _ = create_window(args, settings)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.editor.undo_stack.setClean()
    window.close()
    window.deleteLater()


def _file(window: MainWindow) -> bytes:
    return Path(window.editor.document.path).read_bytes()


def _keys(qtbot, window: MainWindow, key: Qt.Key, shift: bool = False) -> None:
    """A shortcut typed in the graph, as a person does with the window active."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.graph.setFocus()
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.graph, key, modifiers)


def _select(qtbot, window: MainWindow, name: str) -> None:
    window.editor.select([name])
    qtbot.waitUntil(lambda: window.graph.graph_scene.stage_item(name).isSelected())


def _delete_reconnecting(qtbot, window: MainWindow, name: str) -> None:
    _select(qtbot, window, name)

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        next(b for b in box.buttons() if b.text() == RECONNECT).click()

    QTimer.singleShot(0, answer)
    window.activateWindow()
    window.graph.setFocus()
    qtbot.keyClick(window.graph, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: not window.editor.pipeline.has_stage(name))


def _stages_data(text: bytes) -> list:
    return YAML(typ="safe").load(text.decode())["stages"]


def test_delete_save_undo_save_gives_back_the_file_byte_for_byte(qtbot, window) -> None:
    original = _file(window)
    _delete_reconnecting(qtbot, window, "Build")
    _keys(qtbot, window, Qt.Key.Key_S)
    deleted = _file(window)
    assert b"stage: Build" not in deleted and b"matrix:" not in deleted

    _keys(qtbot, window, Qt.Key.Key_Z)
    assert window.isWindowModified()
    _keys(qtbot, window, Qt.Key.Key_S)
    assert _file(window) == original

    _keys(qtbot, window, Qt.Key.Key_Z, shift=True)  # redo the delete, then save it again
    _keys(qtbot, window, Qt.Key.Key_S)
    assert _file(window) == deleted
    _keys(qtbot, window, Qt.Key.Key_Z)
    _keys(qtbot, window, Qt.Key.Key_S)
    assert _file(window) == original


def test_edits_on_both_sides_of_a_save_undo_to_the_original_bytes(qtbot, window) -> None:
    original = _file(window)
    assert window.editor.apply("Condition", lambda p: p.set_condition("Test", "always()"))
    _delete_reconnecting(qtbot, window, "Build")
    _keys(qtbot, window, Qt.Key.Key_S)
    assert window.editor.apply("Rename", lambda p: p.rename_stage("Dev", "Development"))
    _keys(qtbot, window, Qt.Key.Key_S)
    for _ in range(3):
        _keys(qtbot, window, Qt.Key.Key_Z)
    assert not window.editor.undo_stack.canUndo()
    _keys(qtbot, window, Qt.Key.Key_S)
    assert _file(window) == original


def test_a_pasted_stage_is_saved_with_every_line_of_its_source(qtbot, window) -> None:
    _select(qtbot, window, "Build")
    _keys(qtbot, window, Qt.Key.Key_C)
    assert "Build" in QGuiApplication.clipboard().text()
    _keys(qtbot, window, Qt.Key.Key_V)
    assert window.editor.pipeline.stage_names == ["Build", "Dev", "Test", "Build_copy"]
    _keys(qtbot, window, Qt.Key.Key_S)

    saved = _file(window)
    source, *_, pasted = _stages_data(saved)
    assert pasted.pop("stage") == "Build_copy" and pasted.pop("dependsOn") == []
    assert pasted == {key: value for key, value in source.items() if key != "stage"}
    # Comments and quoting are the source's too, not only its values.
    assert saved.count(b"verbose: true   # keep it loud") == 2
    assert saved.count(b"# Build everything once") == 2
    assert saved.count(b"displayName: 'Build & test'") == 2


def test_a_pasted_pair_keeps_its_link_in_dependencies_and_condition(qtbot, window) -> None:
    window.editor.select(["Build", "Dev"])
    _keys(qtbot, window, Qt.Key.Key_C)
    _keys(qtbot, window, Qt.Key.Key_V)
    _keys(qtbot, window, Qt.Key.Key_S)
    *_, build, dev = _stages_data(_file(window))
    assert (build["stage"], dev["stage"]) == ("Build_copy", "Dev_copy")
    assert dev["dependsOn"] == "Build_copy"
    assert dev["condition"] == "succeeded('Build_copy')"
    assert dev["jobs"] == _stages_data(RICH.encode())[1]["jobs"]
