"""File → Sign in to Azure Resource Manager…: the management endpoint, how to sign in
(Microsoft Entra ID by Azure CLI, browser, device code or a service principal), "Test
connection" and "Sign in" (both list the subscriptions the sign-in sees, in a worker with
a busy bar and Cancel), and "Sign out".

It is `release-manager login --arm` / `logout --arm` in a window: the same engine calls
(engine/azure/arm.py check_arm / check_and_keep_arm, SavedSignIns.forget_arm), what
failed in the same sentence (error_messages). A service principal's secret is typed in a
password field and kept in the OS keyring only (no secure keyring: nothing is kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from release_manager.engine.azure.arm_sign_in import (
    ARM_ENDPOINT,
    ArmSignIn,
    BadArmEndpoint,
    parse_arm_endpoint,
)
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import EntraMethod
from release_manager.engine.backend import CancelToken
from release_manager.error_messages import user_message
from release_manager.ui.service_sign_in import ServiceSignInDialog

if TYPE_CHECKING:  # the SDK loads in the worker that first needs it, not on this thread
    from release_manager.engine.azure.arm import ArmSignedIn

METHODS = (
    (EntraMethod.AZURE_CLI, "Azure CLI (az login)"),
    (EntraMethod.BROWSER, "Browser"),
    (EntraMethod.DEVICE_CODE, "Device code"),
    (EntraMethod.SERVICE_PRINCIPAL, "Service principal"),
)


class ArmSignInDialog(ServiceSignInDialog):
    signedIn = Signal(object)
    """ArmSignedIn, once the sign-in is kept."""
    signedOut = Signal()

    def __init__(self, saved: SavedSignIns, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("armSignInDialog")
        self.setWindowTitle("Sign in to Azure Resource Manager")
        self.saved = saved

        self.endpoint = QLineEdit(ARM_ENDPOINT)
        self.endpoint.setToolTip("The Resource Manager endpoint of your cloud (Azure's "
                                 "public cloud unless you use a sovereign cloud or Azure "
                                 "Stack).")
        self.method = QComboBox()
        for method, label in METHODS:
            self.method.addItem(label, method.value)
        self.form.addRow("&Endpoint:", self.endpoint)
        self.form.addRow("&Sign in with:", self.method)
        self._add_entra_rows("client secret (kept in the OS keyring)")
        test_row = self._test_row("armSignInResult")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sign_out_button = self.buttons.addButton(
            "Sign &out", QDialogButtonBox.ButtonRole.ResetRole)
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setToolTip("Forget the Azure Resource Manager sign-in (and its "
                                        "secret in the keyring)")
        self.sign_in_button = self.buttons.addButton("Sign &in",
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.test_button.clicked.connect(self.test_connection)
        self.method.currentIndexChanged.connect(self._show_method_fields)
        for field in (self.endpoint, self.tenant, self.client_id, self.client_secret):
            field.textEdited.connect(self._forget_result)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._show_method_fields()
        self._show_kept(saved.arm_record())

    # ----------------------------------------------------------------- actions

    def test_connection(self) -> None:
        """List the subscriptions in a worker; the sentence beside the button says how
        it ended. Nothing is kept."""
        sign_in = self._chosen()
        if sign_in is None:
            return
        prompt = self._device_code_prompt

        def check() -> ArmSignedIn:
            from release_manager.engine.azure.arm import check_arm

            return check_arm(sign_in, device_code_prompt=prompt)

        self._start(check, self._tested, "Testing the connection…")

    def sign_in(self) -> None:
        """Check, then keep the sign-in (not once cancelled); close when kept."""
        sign_in = self._chosen()
        if sign_in is None:
            return
        saved, prompt = self.saved, self._device_code_prompt

        def keep(cancel: CancelToken) -> ArmSignedIn:
            from release_manager.engine.azure.arm import check_and_keep_arm

            return check_and_keep_arm(sign_in, saved, device_code_prompt=prompt,
                                      cancel=cancel)

        self._start_cancellable(keep, self._kept, "Signing in…")

    def sign_out(self) -> None:
        """Forget the sign-in (the keyring is reached in a worker)."""
        self._start(self.saved.forget_arm, self._forgotten, "Signing out…")

    # ----------------------------------------------------------------- outcomes

    def _tested(self, signed_in: ArmSignedIn) -> None:
        self.result.setText(_sees_text(signed_in))

    def _kept(self, signed_in: ArmSignedIn) -> None:
        self.result.setText(_sees_text(signed_in))
        self.signedIn.emit(signed_in)
        self.accept()

    def _forgotten(self, forgotten: bool) -> None:
        self.result.setText("Signed out of Azure Resource Manager." if forgotten
                            else "Not signed in to Azure Resource Manager: nothing to forget.")
        self.signedOut.emit()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        self.result.setText(user_message(error))

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        for button in (self.test_button, self.sign_in_button, self.sign_out_button):
            button.setEnabled(not busy)

    # ----------------------------------------------------------------- the form

    def _chosen(self) -> ArmSignIn | None:
        """What the form names; None (and the reason shown) when it cannot be used."""
        try:
            endpoint = parse_arm_endpoint(self.endpoint.text())
        except BadArmEndpoint as problem:
            self.result.setText(f"{problem}.")
            return None
        entra = self._entra_sign_in(EntraMethod(self.method.currentData()))
        if entra is None:
            return None
        return ArmSignIn(endpoint, entra)

    def _show_kept(self, record: dict[str, str] | None) -> None:
        """The sign-in kept now, to sign in again from or sign out of (its secret stays
        in the keyring: typed again to sign in again)."""
        if record is None:
            return
        self.endpoint.setText(record["endpoint"])
        self.method.setCurrentIndex(max(0, self.method.findData(record.get("method"))))
        self.tenant.setText(record.get("tenant", ""))
        self.client_id.setText(record.get("client_id", ""))
        label = self.method.currentText()
        who = f" {record['client_id']}" if record.get("client_id") else ""
        self.result.setText(f"Signed in ({label}{who}).")

    def _show_method_fields(self) -> None:
        self._show_entra_fields(EntraMethod(self.method.currentData()))


def _sees_text(signed_in: ArmSignedIn) -> str:
    """What the sign-in sees, as `login --arm` says it (and the token cache's note)."""
    count = len(signed_in.subscriptions)
    names = ", ".join(sub.name or sub.id for sub in signed_in.subscriptions)
    sees = (f"It sees {count} subscription{'s' if count != 1 else ''}: {names}."
            if count else "It sees no subscription yet.")
    return f"{sees} {signed_in.token_cache_note}".strip()
