"""Help → About as a user opens it: versions, credential store, folders, licences."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QSettings, qVersion

from release_manager import __version__
from release_manager.ui.about_dialog import AboutDialog
from release_manager.ui.app import app_settings
from release_manager.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    shown = MainWindow(app_settings())
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_about_shows_versions_keyring_folders_and_licences(qtbot, window, tmp_path):
    window.about_action.trigger()
    dialog = window.findChild(AboutDialog)
    qtbot.waitUntil(lambda: dialog.isVisible()
                    and "Checking" not in dialog.keyring_label.text())

    versions = dialog.versions_label.text()
    assert f"Release Manager {__version__}" in versions
    assert f"PySide6) {metadata.version('PySide6-Essentials')}" in versions
    assert f"Qt {qVersion()}" in versions
    assert f"Python {platform.python_version()}" in versions
    assert "No secure store: keyring.backends.fail.Keyring" in dialog.keyring_label.text()
    folders = dialog.folders_label.text()
    assert str(tmp_path / "data" / "release-manager" / "demo") in folders
    assert str(tmp_path / "state" / "release-manager" / "log") in folders
    assert str(tmp_path / "settings") in folders
    licences = dialog.licences_label.text()
    assert "Release Manager: <a href=\"https://opensource.org/license/mit\">MIT</a>" in licences
    assert ">LGPL-3.0-only</a>" in licences

    dialog.reject()
    window.about_action.trigger()
    assert window.findChildren(AboutDialog) == [dialog] and dialog.isVisible()
    dialog.reject()
