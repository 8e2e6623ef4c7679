"""Help → About: versions, the credential store, the app's folders and the licences.

The facts come from `release_manager.about` (the same as `release-manager --version`);
the keyring is asked on a worker, as it may talk to the desktop's secret service.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from release_manager.about import (
    LICENCES,
    CredentialStoreState,
    credential_store_state,
    data_folders,
    licence_files,
    versions,
)
from release_manager.error_messages import user_message
from release_manager.ui.workers import start_worker

TITLE = "About Release Manager"
LABEL_WIDTH = 560
DESCRIPTION = ("Edit the stage graph of an azure-pipelines.yml and promote builds "
               "through its stages.")


def _link(path: Path) -> str:
    url = QUrl.fromLocalFile(str(path)).toString()
    return f'<a href="{html.escape(url)}">{html.escape(str(path))}</a>'


def _section(title: str, body: str) -> str:
    return f"<p style='margin-top:10px'><b>{title}</b><br>{body}</p>"


class AboutDialog(QDialog):
    def __init__(self, settings_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(TITLE)
        found = versions()
        self.versions_label = self._label("aboutVersions", (
            f"<h3>Release Manager {html.escape(found.app)}</h3><p>{DESCRIPTION}</p>"
            f"<p>Qt for Python (PySide6) {html.escape(found.pyside)} · Qt "
            f"{html.escape(qVersion())} · Python {html.escape(found.python)}</p>"))
        self.keyring_label = self._label(
            "aboutKeyring", _section("Credential store", "Checking the keyring…"))
        folders = "<br>".join(
            f"{html.escape(folder.label)} ({html.escape(folder.holds)}):<br>"
            f"&nbsp;&nbsp;{_link(folder.path)}" for folder in data_folders(settings_file))
        folders += ("<br>Deployment logs: in each workspace, under "
                    "<code>.release-manager/logs</code>")
        self.folders_label = self._label("aboutFolders", _section("Folders", folders))
        self.licences_label = self._label("aboutLicences", _section("Licences", _licences()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # follows its text
        for label in (self.versions_label, self.keyring_label, self.folders_label,
                      self.licences_label):
            layout.addWidget(label)
        layout.addWidget(buttons)
        start_worker(credential_store_state, self._show_keyring, self._keyring_failed)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setOpenExternalLinks(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setFixedWidth(LABEL_WIDTH)
        return label

    def _show_keyring(self, state: CredentialStoreState) -> None:
        self.keyring_label.setText(_section("Credential store", html.escape(state.describe())))

    def _keyring_failed(self, error: BaseException) -> None:
        why = html.escape(user_message(error))
        self.keyring_label.setText(_section(
            "Credential store",
            f"No secure store: the keyring could not be asked ({why}). "
            "Release Manager never writes credentials to a file."))


def _licences() -> str:
    lines = [f"{html.escape(licence.component)}: "
             f'<a href="{licence.url}">{licence.spdx}</a>' for licence in LICENCES]
    files = licence_files()
    if files:
        lines.append("The full texts ship with the app: "
                     + ", ".join(_link(path) for path in files))
    else:
        lines.append("The full texts are at the links above; Qt's source and licence "
                     "are at <a href='https://www.qt.io/licensing'>qt.io/licensing</a>.")
    lines.append("You may replace the Qt libraries this app uses with your own build "
                 "(LGPL-3.0, section 4).")
    return "<br>".join(lines)


def show_about(parent: QWidget, settings_file: Path | None) -> AboutDialog:
    """Open the window's dialog, made the first time (not blocking: the window keeps
    working behind it). It lives as long as the window, so the keyring's answer never
    arrives at a deleted dialog."""
    dialog = parent.findChild(AboutDialog)
    if dialog is None:
        dialog = AboutDialog(settings_file, parent)
    dialog.open()
    return dialog
