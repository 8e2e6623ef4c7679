"""Azure in the main window: File → Sign in… and Connect… (Azure DevOps), File → Sign in
to Azure Resource Manager… (App Service: what it lists fills the inspector's pickers,
ui/arm_listings.py), the status-bar indicator of the open workspace's connection (click:
sign in), and the bar that asks to sign in again when a token expired or was revoked,
leaving everything on screen as it is.

One `SavedSignIns` lives as long as the window (the sign-ins kept for this session only
live in it). Work that reaches Azure DevOps reports to `status` (ui/azure_status.py):
`status.refreshed()` after an answer, `status.failed(error)` with the typed error."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton
from shiboken6 import isValid

from release_manager.engine.azure.binding import AzureBinding, load_binding
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.backend_errors import SignedOut
from release_manager.error_messages import user_message
from release_manager.ui.arm_listings import ArmListings
from release_manager.ui.azure_status import AzureStatus
from release_manager.ui.first_paint import once_on_screen
from release_manager.ui.notice_bar import NoticeBar
from release_manager.ui.workers import start_worker

if TYPE_CHECKING:
    from release_manager.engine.azure.arm import ArmSignedIn
    from release_manager.engine.azure.connection_check import SignedInAs
    from release_manager.engine.azure.saved_sign_ins import SavedSignIns
    from release_manager.ui.arm_sign_in_dialog import ArmSignInDialog
    from release_manager.ui.azure_connect_dialog import ConnectDialog
    from release_manager.ui.azure_sign_in_dialog import SignInDialog
    from release_manager.ui.main_window import MainWindow


class AzureInWindow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._saved: SavedSignIns | None = None
        self.workspace: Path | None = None
        self.binding: AzureBinding | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.connect_dialog: ConnectDialog | None = None
        self.arm_sign_in_dialog: ArmSignInDialog | None = None
        self.arm_listings = ArmListings(lambda: self.saved, self)
        self.arm_listings.signInRequested.connect(self.sign_in_arm)

        self.status = AzureStatus(self)
        self.indicator = QToolButton()
        self.indicator.setObjectName("azureStatus")
        self.indicator.setAutoRaise(True)
        self.indicator.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.indicator.hide()
        self.indicator.clicked.connect(lambda: self.sign_in())
        window.statusBar().addPermanentWidget(self.indicator)
        self.status.changed.connect(self._show_status)
        self.status.signInNeeded.connect(self._ask_to_sign_in)

        self.notice = NoticeBar("azureSignInNotice")
        window.centralWidget().layout().insertWidget(0, self.notice)

        self.sign_in_action = QAction("Sign &in to Azure DevOps…", window)
        self.sign_in_action.triggered.connect(lambda: self.sign_in())
        self.connect_action = QAction("&Connect to Azure DevOps…", window)
        self.connect_action.triggered.connect(self.connect_workspace)
        self.arm_sign_in_action = QAction("Sign in to Azure &Resource Manager…", window)
        self.arm_sign_in_action.setToolTip("Sign in to list your subscriptions and App "
                                           "Service apps, and reach their slots")
        self.arm_sign_in_action.triggered.connect(lambda: self.sign_in_arm())
        window.file_menu.insertActions(window.quit_action,
                                       [self.sign_in_action, self.connect_action,
                                        self.arm_sign_in_action])
        window.file_menu.insertSeparator(window.quit_action)

    @property
    def saved(self) -> SavedSignIns:
        """The sign-ins (made on first use: finding the keyring takes a moment)."""
        if self._saved is None:
            from release_manager.engine.azure.saved_sign_ins import SavedSignIns

            self._saved = SavedSignIns()
        return self._saved

    # ----------------------------------------------------------------- the workspace

    def follow_workspace(self) -> None:
        """The open pipeline changed: read its workspace's binding (in a worker)."""
        editor = self.window.editor
        if editor is not None:
            editor.arm_listings = self.arm_listings
        path = editor.document.path if editor is not None else None
        self.workspace = Path(path).parent if path is not None else None
        self.connect_action.setEnabled(self.workspace is not None)
        if self.workspace is None:
            self._bound(None)
            return
        workspace = self.workspace

        def read() -> tuple[Path, AzureBinding | None]:
            import keyring

            keyring.get_keyring()  # found here once, so signing in does not wait for it
            return workspace, load_binding(workspace)

        # After the first paint in a window being built: finding the keyring takes a while.
        once_on_screen(self.window, lambda: start_worker(read, self._read_binding,
                                                         self._binding_unreadable))

    def _read_binding(self, read: tuple[Path, AzureBinding | None]) -> None:
        workspace, binding = read
        if workspace != self.workspace:
            return  # another pipeline was opened meanwhile
        if binding is not None and binding == self.binding and self.status.watching:
            return  # the same connection (a reload): no need to check it again
        self._bound(binding)

    def _binding_unreadable(self, error: BaseException) -> None:
        self._bound(None)
        self.window.statusBar().showMessage(
            f"The Azure DevOps connection could not be read: {user_message(error)}", 10000)

    def _bound(self, binding: AzureBinding | None) -> None:
        self.binding = binding
        if binding is None:
            self.status.unwatch()
            return
        organization = parse_organization(binding.organization_url)
        saved = self.saved

        def check() -> SignedInAs:
            from release_manager.engine.azure.connection_check import check_connection

            try:
                sign_in = saved.load(organization)
            except SignedOut:  # its message names the CLI's login: the window has its own
                raise SignedOut(f"Not signed in to {organization.url}.",
                                organization.url) from None
            return check_connection(organization, sign_in)

        self.status.watch(organization.url, organization.name, check)

    # ----------------------------------------------------------------- dialogs

    def sign_in(self, organization: str = "") -> SignInDialog:
        """Open the Sign-in dialog (window-modal; nothing waits for it)."""
        from release_manager.ui.azure_sign_in_dialog import SignInDialog

        bound = self.binding
        shown = self.sign_in_dialog
        if shown is not None and isValid(shown) and shown.isVisible():
            shown.raise_()
            return shown
        dialog = SignInDialog(
            self.saved, organization or (bound.organization_url if bound else ""),
            bound.project if bound else "", parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signedIn.connect(self._signed_in)
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def sign_in_arm(self) -> ArmSignInDialog:
        """Open the Azure Resource Manager sign-in dialog (window-modal)."""
        from release_manager.ui.arm_sign_in_dialog import ArmSignInDialog

        shown = self.arm_sign_in_dialog
        if shown is not None and isValid(shown) and shown.isVisible():
            shown.raise_()
            return shown
        dialog = ArmSignInDialog(self.saved, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signedIn.connect(self._signed_in_arm)
        dialog.signedOut.connect(self.arm_listings.sign_in_changed)
        self.arm_sign_in_dialog = dialog
        dialog.open()
        return dialog

    def connect_workspace(self) -> ConnectDialog | None:
        """Open the Connect dialog for the open pipeline's workspace."""
        from release_manager.ui.azure_connect_dialog import ConnectDialog

        if self.workspace is None:
            self.window.statusBar().showMessage(
                "Open a pipeline first: its folder is the workspace to connect.", 6000)
            return None
        dialog = ConnectDialog(self.saved, self.workspace, self.binding, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.connected.connect(self._connected)
        dialog.disconnected.connect(self._disconnected)
        dialog.signInRequested.connect(self.sign_in)
        self.connect_dialog = dialog
        dialog.open()
        return dialog

    def _signed_in(self, who: SignedInAs) -> None:
        self.notice.hide()
        self.window.statusBar().showMessage(
            f"Signed in to {who.organization.url} as {who.display_name}", 6000)
        if self.status.watching == who.organization.url:
            self.status.refreshed(who)

    def _signed_in_arm(self, signed_in: ArmSignedIn) -> None:
        count = len(signed_in.subscriptions)
        self.window.statusBar().showMessage(
            f"Signed in to Azure Resource Manager: {count} "
            f"subscription{'s' if count != 1 else ''}", 6000)
        self.arm_listings.sign_in_changed()

    def _connected(self, binding: AzureBinding) -> None:
        self._bound(binding)
        self.window.statusBar().showMessage(
            f"Connected to pipeline {binding.pipeline_name} of {binding.project}", 6000)
        self._reopen_releases()

    def _disconnected(self) -> None:
        self._bound(None)
        self.window.statusBar().showMessage("Disconnected from Azure DevOps", 6000)
        self._reopen_releases()

    def _reopen_releases(self) -> None:
        """The workspace's releases come from another backend now."""
        from release_manager.ui.releases.window_releases import install_releases

        install_releases(self.window)

    # ----------------------------------------------------------------- showing

    def _show_status(self, text: str) -> None:
        self.indicator.setText(text)
        self.indicator.setToolTip(self.status.detail or "Click to sign in to Azure DevOps")
        self.indicator.setVisible(bool(text))

    def _ask_to_sign_in(self, organization: str, why: str) -> None:
        self.notice.show_notice(
            f"{why} Everything on screen stays as it is.",
            [("Sign in again…", lambda: self.sign_in(organization)), ("Later", lambda: None)])
