"""File → Sign in to Azure DevOps…: the organization, how to sign in (a personal access
token, or Microsoft Entra ID by browser, device code, Azure CLI or a service principal),
"Test connection" and "Sign in", both run in a worker with a busy bar and Cancel.

What failed is said in a sentence beside the buttons (engine/azure/connection_check.py
names it: host unreachable, TLS, 401, 403 with the permission, unknown organization or
project). Signing in keeps the sign-in in the OS keyring (`check_and_keep`); with no
secure keyring the dialog says so and offers to keep it for this session only, in
memory. The secrets are typed in password fields and go nowhere else: not QSettings,
not a log line, not a message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from release_manager.credentials import NoSecureStore
from release_manager.engine.azure.organization import (
    BadOrganizationUrl,
    Organization,
    parse_organization,
)
from release_manager.engine.azure.saved_sign_ins import SavedSignIns
from release_manager.engine.azure.sign_in import EntraMethod, PatSignIn, SignIn
from release_manager.engine.backend import CancelToken
from release_manager.error_messages import user_message
from release_manager.ui.service_sign_in import ServiceSignInDialog, secret_field

if TYPE_CHECKING:  # the SDK loads in the worker that first needs it, not on this thread
    from release_manager.engine.azure.connection_check import SignedInAs

PAT = "pat"
METHODS = (
    (PAT, "Personal access token"),
    (EntraMethod.BROWSER.value, "Microsoft Entra ID: browser"),
    (EntraMethod.DEVICE_CODE.value, "Microsoft Entra ID: device code"),
    (EntraMethod.AZURE_CLI.value, "Microsoft Entra ID: Azure CLI"),
    (EntraMethod.SERVICE_PRINCIPAL.value, "Microsoft Entra ID: service principal"),
)
NO_SECURE_KEYRING = (
    "No secure keyring (Secret Service, Keychain or Credential Locker) was found on this "
    "machine. The sign-in can be kept in memory for this session only: never in a file.")
SESSION_ONLY = "Keep for this session only"


class SignInDialog(ServiceSignInDialog):
    signedIn = Signal(object)
    """SignedInAs, once the sign-in is kept."""

    def __init__(self, saved: SavedSignIns, organization: str = "", project: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("azureSignInDialog")
        self.setWindowTitle("Sign in to Azure DevOps")
        self.saved = saved
        self._session_only = not saved.keyring_is_secure()

        self.organization = QLineEdit(organization)
        self.organization.setPlaceholderText("https://dev.azure.com/ORGANIZATION")
        self.project = QLineEdit(project)
        self.project.setPlaceholderText("optional: also check this project")
        self.method = QComboBox()
        for value, label in METHODS:
            self.method.addItem(label, value)
        self.token = secret_field("the token, from User settings → Personal access tokens")
        self.form.addRow("&Organization URL:", self.organization)
        self.form.addRow("&Project:", self.project)
        self.form.addRow("&Sign in with:", self.method)
        self.form.addRow("&Token:", self.token)
        self._add_entra_rows("client secret")

        self.keyring_notice = QLabel(NO_SECURE_KEYRING)
        self.keyring_notice.setObjectName("keyringNotice")
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setVisible(self._session_only)

        test_row = self._test_row("signInResult")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sign_in_button = self.buttons.addButton(
            SESSION_ONLY if self._session_only else "Sign &in",
            QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.test_button.clicked.connect(self.test_connection)
        self.method.currentIndexChanged.connect(self._show_method_fields)
        for field in (self.organization, self.project, self.token, self.tenant,
                      self.client_id, self.client_secret):
            field.textEdited.connect(self._forget_result)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.keyring_notice)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._show_method_fields()

    # ----------------------------------------------------------------- actions

    def test_connection(self) -> None:
        """Check the sign-in in a worker; the sentence beside the button says the end."""
        chosen = self._chosen()
        if chosen is None:
            return
        organization, sign_in, project = chosen
        prompt = self._device_code_prompt

        def check() -> SignedInAs:
            from release_manager.engine.azure.connection_check import check_connection

            return check_connection(organization, sign_in, project, prompt)

        self._start(check, self._tested, "Testing the connection…")

    def sign_in(self) -> None:
        """Check, then keep the sign-in (keyring, or this session only; not once
        cancelled); close when kept."""
        chosen = self._chosen()
        if chosen is None:
            return
        organization, sign_in, project = chosen
        session_only, saved, prompt = self._session_only, self.saved, self._device_code_prompt

        def keep(cancel: CancelToken) -> SignedInAs:
            from release_manager.engine.azure.connection_check import check_and_keep

            return check_and_keep(organization, sign_in, saved, project,
                                  this_session_only=session_only, device_code_prompt=prompt,
                                  cancel=cancel)

        self._start_cancellable(keep, self._kept, "Signing in…")

    # ----------------------------------------------------------------- outcomes

    def _tested(self, who: SignedInAs) -> None:
        self.result.setText(_signed_in_text(who))

    def _kept(self, who: SignedInAs) -> None:
        self.result.setText(_signed_in_text(who))
        self.signedIn.emit(who)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, NoSecureStore):  # the keyring went away meanwhile
            self._offer_session_only()
        self.result.setText(user_message(error))

    def _offer_session_only(self) -> None:
        self._session_only = True
        self.keyring_notice.show()
        self.sign_in_button.setText(SESSION_ONLY)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.test_button.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)

    # ----------------------------------------------------------------- the form

    def _chosen(self) -> tuple[Organization, SignIn, str | None] | None:
        """What the form names; None (and the reason shown) when it cannot be used."""
        try:
            organization = parse_organization(self.organization.text())
        except BadOrganizationUrl as problem:
            self.result.setText(f"The organization URL: {problem}.")
            return None
        method = self.method.currentData()
        if method == PAT:
            token = self.token.text().strip()
            if not token:
                self.result.setText("Type the personal access token.")
                return None
            sign_in: SignIn = PatSignIn(token)
        else:
            entra = self._entra_sign_in(EntraMethod(method))
            if entra is None:
                return None
            sign_in = entra
        project = self.project.text().strip() or organization.project
        return organization, sign_in, project

    def _show_method_fields(self) -> None:
        method = self.method.currentData()
        self.form.setRowVisible(self.token, method == PAT)
        self._show_entra_fields(None if method == PAT else EntraMethod(method))


def _signed_in_text(who: SignedInAs) -> str:
    project = f" (project {who.project})" if who.project else ""
    return f"Signed in as {who.display_name}{project}"
