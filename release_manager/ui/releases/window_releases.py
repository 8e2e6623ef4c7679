"""The Releases dock of the main window: the dashboard and the approvals inbox of the open
pipeline's workspace, wired to the log dock and the graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from release_manager.engine.release_status import WorkspaceStatus
from release_manager.engine.workspace import has_release_state
from release_manager.ui.releases.approvals_inbox import ApprovalsInbox
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.dashboard import ReleasesDashboard
from release_manager.ui.releases.graph_status import show_release_status
from release_manager.ui.releases.unsaved import PipelineEdits

if TYPE_CHECKING:
    from release_manager.ui.main_window import MainWindow


class ReleasesPanel(QTabWidget):
    """Dashboard and inbox as tabs; the inbox's tab counts what waits."""

    def __init__(self, controller: ReleaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releasesPanel")
        self.controller = controller
        self.dashboard = ReleasesDashboard(controller)
        self.inbox = ApprovalsInbox(controller)
        self.addTab(self.dashboard, "Dashboard")
        self.addTab(self.inbox, "Approvals")
        self.inbox.countChanged.connect(
            lambda count: self.setTabText(1, f"Approvals ({count})" if count else "Approvals"))


LOG_TITLE = "Log"


def _show_log_dock(window: MainWindow, title: str) -> None:
    """Bring the log forward, its title naming the build and stage it is the log of."""
    window.log_dock.setWindowTitle(f"{LOG_TITLE} — {title}" if title else LOG_TITLE)
    window.log_dock.raise_()


def _commit_typing(window: MainWindow) -> None:
    """The condition being typed in the inspector is what the window shows: commit it.
    Its field commits when the focus moves within the window, not when another window
    (a floating Releases dock) takes it."""
    condition = window.inspector.condition if window.inspector is not None else None
    if condition is not None:
        condition.commit()


def install_releases(window: MainWindow) -> ReleaseController | None:
    """Give the window's Releases dock the open pipeline's workspace (the previous
    controller is disposed). The workspace opens in a worker: nothing waits here."""
    old: ReleaseController | None = getattr(window, "release_controller", None)
    if old is not None:
        old.dispose()
    window.release_controller = None
    window.log_dock.setWindowTitle(LOG_TITLE)
    previous = window.releases_dock.widget()
    if window.editor is None or window.editor.document.path is None:
        controller, panel = None, QLabel("Open a pipeline to see its releases.")
        panel.setAlignment(Qt.AlignmentFlag.AlignCenter)
    else:
        controller = ReleaseController(window.editor.document.path, parent=window)
        controller.edits = PipelineEdits(window.editor, window.save,
                                         lambda: _commit_typing(window))
        panel = ReleasesPanel(controller)
    window.releases_dock.setWidget(panel)
    if previous is not None:
        previous.deleteLater()
    if controller is None:
        return None
    controller.attach_log(window.log_panel)

    def on_status(status: WorkspaceStatus) -> None:
        if window.graph is not None:
            show_release_status(window.graph.scene(), status)

    controller.statusChanged.connect(on_status)
    connection = window.azure.status  # says nothing for a workspace not on Azure DevOps
    controller.answered.connect(lambda: connection.refreshed())
    controller.report_connection = connection.failed
    connection.reconnected.connect(controller.resume)
    controller.operationStarted.connect(lambda _: window.log_dock.raise_())
    controller.logShown.connect(lambda title: _show_log_dock(window, title))
    window.release_controller = controller
    if has_release_state(Path(window.editor.document.path).parent):
        window.show_releases()  # now, so the graph is framed in the room that is left
    controller.open()
    return controller
