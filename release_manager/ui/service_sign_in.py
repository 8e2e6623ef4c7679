"""What the Azure DevOps and the Azure Resource Manager sign-in dialogs share: the
Microsoft Entra ID fields (tenant, client id, a service principal's secret) shown for the
chosen method, the "Test connection" row (the button, a busy bar, Cancel and the sentence
saying how it ended), and a device code said in that sentence."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn
from release_manager.ui.working_dialog import WorkingDialog

WITH_TENANT = (EntraMethod.BROWSER, EntraMethod.DEVICE_CODE, EntraMethod.SERVICE_PRINCIPAL)
"""The methods that take a tenant and a client id."""


def secret_field(placeholder: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


class ServiceSignInDialog(WorkingDialog):
    """Subclasses lay out `form` (adding the Entra ID rows with `_add_entra_rows`) and the
    row `_test_row` returns, and implement `_busy` and `_failed` (WorkingDialog)."""

    _deviceCode = Signal(str, str)  # from the worker: where to go, the code to enter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.tenant = QLineEdit()
        self.client_id = QLineEdit()
        self.client_id.setPlaceholderText("application (client) id")
        self._deviceCode.connect(self._show_device_code)

    def _add_entra_rows(self, secret_placeholder: str) -> None:
        self.client_secret = secret_field(secret_placeholder)
        self.form.addRow("T&enant:", self.tenant)
        self.form.addRow("&Client id:", self.client_id)
        self.form.addRow("Client s&ecret:", self.client_secret)

    def _test_row(self, result_name: str) -> QHBoxLayout:
        """"Test connection", the busy bar and Cancel (shown while work runs), and
        `result`, the sentence of how it ended."""
        self.test_button = QPushButton("&Test connection")
        self.test_button.setAutoDefault(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        self.result = QLabel()
        self.result.setObjectName(result_name)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button.clicked.connect(self.cancel_work)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        row.addWidget(self.result, 1)
        return row

    def _entra_sign_in(self, method: EntraMethod) -> EntraSignIn | None:
        """The Entra ID sign-in the fields name; None (and the reason shown) when a
        service principal lacks one of its three."""
        try:
            return EntraSignIn(method, self.tenant.text().strip() or None,
                               self.client_id.text().strip() or None,
                               self.client_secret.text().strip() or None)
        except ValueError:
            self.result.setText("A service principal needs a tenant, a client id and its "
                                "secret.")
            return None

    def _show_entra_fields(self, method: EntraMethod | None) -> None:
        """The Entra ID rows `method` takes (None: a method that is not Entra ID)."""
        self._forget_result()
        self.tenant.setPlaceholderText("tenant id or domain"
                                       if method is EntraMethod.SERVICE_PRINCIPAL
                                       else "optional: tenant id or domain")
        self.form.setRowVisible(self.tenant, method in WITH_TENANT)
        self.form.setRowVisible(self.client_id, method in WITH_TENANT)
        self.form.setRowVisible(self.client_secret, method is EntraMethod.SERVICE_PRINCIPAL)
        self.adjustSize()

    def _forget_result(self) -> None:
        """The sentence was about what the form said before: it goes with the edit."""
        if not self.progress.isVisible():
            self.result.clear()

    def _device_code_prompt(self, url: str, code: str, expires_on: datetime) -> None:
        """On the worker's thread: the signal brings it to the dialog (if still open)."""
        try:
            self._deviceCode.emit(url, f"{code} (before {expires_on:%H:%M})")
        except RuntimeError:  # the dialog was closed meanwhile: nobody to tell
            pass

    def _show_device_code(self, url: str, code: str) -> None:
        self.result.setText(f"Open {url} and enter the code {code}.")
