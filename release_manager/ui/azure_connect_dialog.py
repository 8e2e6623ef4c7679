"""File → Connect to Azure DevOps…: the open workspace bound to a pipeline of a project,
picked from the project's pipelines (listed in a worker), as `release-manager connect`
binds it (engine/azure/connect.py, in a worker too); Disconnect removes the binding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.azure.binding import AzureBinding
from release_manager.engine.azure.organization import (
    BadOrganizationUrl,
    Organization,
    parse_organization,
)
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.backend_errors import SignedOut
from release_manager.error_messages import user_message
from release_manager.ui.working_dialog import WorkingDialog

if TYPE_CHECKING:  # engine/azure/connect.py loads the SDK: in the workers, when needed
    from release_manager.engine.azure.connect import ProjectPipelines


class ConnectDialog(WorkingDialog):
    connected = Signal(object)  # AzureBinding
    disconnected = Signal()
    signInRequested = Signal(str)  # the organization URL to sign in to

    def __init__(self, saved: SavedSignIns, workspace: Path, binding: AzureBinding | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("azureConnectDialog")
        self.setWindowTitle("Connect to Azure DevOps")
        self.saved = saved
        self.workspace = workspace

        self.organization = QComboBox()
        self.organization.setEditable(True)
        self.organization.addItems(saved.organizations())
        self.organization.lineEdit().setPlaceholderText("https://dev.azure.com/ORGANIZATION")
        self.project = QLineEdit()
        self.project.setPlaceholderText("the project holding the pipeline")
        if binding is not None:
            self.organization.setCurrentText(binding.organization_url)
            self.project.setText(binding.project)
        self.load_button = QPushButton("&Load pipelines")
        self.load_button.setAutoDefault(False)
        project_row = QHBoxLayout()
        project_row.addWidget(self.project, 1)
        project_row.addWidget(self.load_button)
        self.pipelines = QListWidget()
        self.pipelines.setObjectName("pipelineList")
        self.pipelines.setMinimumHeight(160)
        form = QFormLayout()
        form.addRow("&Organization:", self.organization)
        project_label = QLabel("&Project:")
        project_label.setBuddy(self.project)
        form.addRow(project_label, project_row)
        form.addRow("Pip&eline:", self.pipelines)
        self.workspace_label = QLabel(_bound_text(workspace, binding))
        self.workspace_label.setWordWrap(True)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.hide()
        self.result = QLabel()
        self.result.setObjectName("connectResult")
        self.result.setWordWrap(True)
        self.sign_in_button = QPushButton("Sign in…")
        self.sign_in_button.setAutoDefault(False)
        self.sign_in_button.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.progress)
        status_row.addWidget(self.cancel_button)
        status_row.addWidget(self.result, 1)
        status_row.addWidget(self.sign_in_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.connect_button = self.buttons.addButton(
            "&Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.disconnect_button = self.buttons.addButton(
            "&Disconnect", QDialogButtonBox.ButtonRole.DestructiveRole)
        self._bound = binding is not None
        self.disconnect_button.setEnabled(self._bound)
        self.connect_button.setEnabled(False)
        self.buttons.rejected.connect(self.reject)
        self.load_button.clicked.connect(self.load_pipelines)
        self.project.returnPressed.connect(self.load_pipelines)
        self.connect_button.clicked.connect(self.connect_pipeline)
        self.disconnect_button.clicked.connect(self.disconnect)
        self.cancel_button.clicked.connect(self.cancel_work)
        self.sign_in_button.clicked.connect(
            lambda: self.signInRequested.emit(self.organization.currentText().strip()))
        self.pipelines.currentItemChanged.connect(self._enable_connect)
        self.pipelines.itemDoubleClicked.connect(lambda _item: self.connect_pipeline())

        layout = QVBoxLayout(self)
        layout.addWidget(self.workspace_label)
        layout.addLayout(form)
        layout.addLayout(status_row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    # ----------------------------------------------------------------- actions

    def load_pipelines(self) -> None:
        """The project's pipelines, in a worker, into the list to pick from."""
        named = self._named()
        if named is None:
            return
        organization, project = named
        saved = self.saved
        self.pipelines.clear()

        def listed() -> ProjectPipelines:
            from release_manager.engine.azure.connect import list_pipelines, signed_in_connection

            return list_pipelines(signed_in_connection(organization, saved), project)

        self._start(listed, self._listed, "Loading the pipelines…")

    def connect_pipeline(self) -> None:
        """Bind the workspace to the picked pipeline (as `release-manager connect`)."""
        item = self.pipelines.currentItem()
        named = self._named()
        if item is None or named is None or self._worker_running():
            return
        organization, project = named
        pipeline_id = str(item.data(Qt.ItemDataRole.UserRole))
        workspace, saved = self.workspace, self.saved

        def connect() -> AzureBinding:
            from release_manager.engine.azure.connect import connect_workspace

            return connect_workspace(workspace, organization, project, pipeline_id, saved)

        self._start(connect, self._connected, "Connecting…")

    def disconnect(self) -> None:
        workspace = self.workspace

        def disconnect() -> bool:
            from release_manager.engine.azure.connect import disconnect_workspace

            return disconnect_workspace(workspace)

        self._start(disconnect, self._disconnected, "Disconnecting…")

    # ----------------------------------------------------------------- outcomes

    def _listed(self, listed: ProjectPipelines) -> None:
        self.project.setText(listed.project)
        for choice in listed.pipelines:
            item = QListWidgetItem(f"{choice.label}  (id {choice.id})")
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            self.pipelines.addItem(item)
        count = len(listed.pipelines)
        self.result.setText(f"{count} pipeline{'s' if count != 1 else ''} in "
                            f"{listed.project}: pick one." if count else
                            f"Project {listed.project} has no pipelines.")

    def _connected(self, binding: AzureBinding) -> None:
        self.result.setText(f"Connected to {binding.pipeline_name}.")
        self.connected.emit(binding)
        self.accept()

    def _disconnected(self, _removed: bool) -> None:
        self.disconnected.emit()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, SignedOut):
            self.result.setText(f"Not signed in to {error.organization}: sign in first.")
            self.sign_in_button.show()
            return
        self.result.setText(user_message(error))

    # ----------------------------------------------------------------- helpers

    def _named(self) -> tuple[Organization, str] | None:
        try:
            organization = parse_organization(self.organization.currentText())
        except BadOrganizationUrl as problem:
            self.result.setText(f"The organization URL: {problem}.")
            return None
        project = self.project.text().strip() or organization.project
        if not project:
            self.result.setText("Name the project holding the pipeline.")
            return None
        return organization, project

    def _start(self, work: Callable[[], Any], on_done: Callable[[Any], None],
               busy: str) -> None:
        self.sign_in_button.hide()
        super()._start(work, on_done, busy)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.load_button.setEnabled(not busy)
        self.disconnect_button.setEnabled(not busy and self._bound)
        self._enable_connect()

    def _enable_connect(self) -> None:
        self.connect_button.setEnabled(self.pipelines.currentItem() is not None
                                       and not self.progress.isVisible())


def _bound_text(workspace: Path, binding: AzureBinding | None) -> str:
    if binding is None:
        return f"The workspace {workspace} is not connected to Azure DevOps."
    return (f"The workspace {workspace} is connected to pipeline {binding.pipeline_name} "
            f"(id {binding.pipeline_id}) of {binding.organization_url}/{binding.project}.")
