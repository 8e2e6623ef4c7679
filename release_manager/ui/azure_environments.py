"""Environments ▸ Pull from / Push to Azure DevOps… on a connected workspace, and the
Azure checks the inspector's environment form shows.

Reading Azure, writing the file and sending run in workers (ui/workers.py) behind a
progress dialog with Cancel; the differences are shown in a DiffDialog and nothing is
written or sent until the user confirms. A failure is one sentence (error_messages),
and the file and Azure keep what they had. The rules are the engine's
(engine/azure/environment_sync.py), as the CLI's `environments pull|push`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMenu, QMessageBox, QProgressDialog
from shiboken6 import Shiboken, isValid

from release_manager.engine.azure.binding import binding_path
from release_manager.engine.backend import CancelToken
from release_manager.error_messages import user_message
from release_manager.ui.workers import Worker, start_cancellable, start_worker

if TYPE_CHECKING:
    from release_manager.engine.azure.environment_sync import EnvironmentSync
    from release_manager.engine.azure.saved_sign_ins import SavedSignIns
    from release_manager.ui.main_window import MainWindow

TITLE = "Azure DevOps"
PULL_CHOICES = ["&Write environments.yml", "Cancel"]
PUSH_CHOICES = ["&Send to Azure DevOps", "Cancel"]


class AzureEnvironments(QObject):
    """The window's pull/push actions and the inspector's Azure checks; one per window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._sign_ins: SavedSignIns | None = None
        self.menu = QMenu("E&nvironments", window)
        self.menu.setObjectName("environmentsMenu")
        window.menuBar().insertMenu(window.help_menu.menuAction(), self.menu)
        self.pull_action = self.menu.addAction("&Pull from Azure DevOps…", self.pull)
        self.push_action = self.menu.addAction("P&ush to Azure DevOps…", self.push)
        self.progress: QProgressDialog | None = None
        self.worker: Worker[Any] | None = None
        self._checks: dict[str, list[str]] = {}
        self.editor_changed()

    @property
    def sign_ins(self) -> SavedSignIns:
        """The sign-ins of this window (a session-only one lives there): the window's
        Azure DevOps part's when it has one, else made when first needed, so the keyring
        is not loaded on the way to the first paint."""
        if self._sign_ins is None:
            shared = getattr(getattr(self.window, "azure", None), "saved", None)
            if shared is None:
                from release_manager.engine.azure.saved_sign_ins import SavedSignIns

                shared = SavedSignIns()
            self._sign_ins = shared
        return self._sign_ins

    @sign_ins.setter
    def sign_ins(self, sign_ins: SavedSignIns) -> None:
        self._sign_ins = sign_ins

    # ----------------------------------------------------------------- the workspace

    def workspace(self) -> Path | None:
        """The open pipeline's folder when it is connected to Azure DevOps."""
        editor = self.window.editor
        folder = editor.workspace_dir if editor is not None else None
        return folder if folder is not None and binding_path(folder).exists() else None

    def editor_changed(self) -> None:
        """A pipeline was opened (or closed): the actions and the form follow it."""
        connected = self.workspace() is not None
        for action in (self.pull_action, self.push_action):
            action.setEnabled(connected)
            action.setToolTip("" if connected else "The open pipeline's workspace is not "
                              "connected to Azure DevOps (File ▸ Connect to Azure DevOps…)")
        self._checks.clear()
        if self.window.editor is not None:
            self.window.editor.remote_checks = self.checks_of if connected else None

    def _sync(self, folder: Path) -> EnvironmentSync:
        """On a worker: the sync of `folder` (read on the GUI thread), its sign-in read
        from the keyring."""
        from release_manager.engine.azure.environment_sync import EnvironmentSync

        sync = EnvironmentSync.connected(folder, self.sign_ins)
        assert sync is not None
        return sync

    def _pipeline_environments(self) -> list[str]:
        editor = self.window.editor
        names: list[str] = []
        for stage in editor.pipeline.stages if editor is not None else []:
            names += [name for name in stage.environments if name not in names]
        return names

    # ----------------------------------------------------------------- the form's checks

    def checks_of(self, environment: str, on_done: Callable[[list[str]], None],
                  on_failed: Callable[[BaseException], None]) -> None:
        """An environment's checks on Azure as lines (read once, then kept until the next
        pull or push)."""
        from release_manager.engine.azure.environment_sync import checks_lines

        key = environment.casefold()
        if key in self._checks:
            on_done(self._checks[key])
            return
        folder = self.workspace()
        if folder is None:
            return

        def read() -> list[str]:
            sync = self._sync(folder)
            azure = sync.read([environment])
            if azure.missing():
                return [f"Not in Azure DevOps (project {sync.binding.project}): a push "
                        "creates it when it has an approval"]
            return [line.strip() for line in checks_lines(azure, sync.binding.project)[1:]]

        def keep(lines: list[str]) -> None:
            self._checks[key] = lines
            if _alive(on_done):
                on_done(lines)

        start_worker(read, keep, lambda error: _alive(on_failed) and on_failed(error))

    # ----------------------------------------------------------------- pull

    def pull(self) -> None:
        if not self._saved_first("A pull rewrites environments.yml"):
            return
        folder, names = self.workspace(), self._pipeline_environments()
        if folder is not None:
            self._run("Reading the checks in Azure DevOps…",
                      lambda _token: self._planned(folder, names, pull=True),
                      self._confirm_pull)

    def _planned(self, folder: Path, names: list[str], *,
                 pull: bool) -> tuple[EnvironmentSync, Any]:
        """On a worker: the sync and its plan (GETs only)."""
        sync = self._sync(folder)
        return sync, sync.pull_plan(names) if pull else sync.push_plan(names)

    def _confirm_pull(self, planned: tuple[EnvironmentSync, Any]) -> None:
        sync, plan = planned
        if not plan.changed:
            self._tell("environments.yml already matches Azure DevOps: nothing to write.")
            return
        missing = (f" Not in Azure DevOps, kept as the file has them: "
                   f"{', '.join(plan.missing)}." if plan.missing else "")
        if self._ask("Pull from Azure DevOps",
                     "Below, environments.yml on disk (−) and as Azure DevOps' Approval "
                     f"checks would make it (+). Only the approvals change.{missing}",
                     "\n".join(plan.lines + [""] + plan.diff()), PULL_CHOICES) != 0:
            return
        self._run("Writing environments.yml…",
                  lambda _token: sync.apply_pull(plan), self._pulled)

    def _pulled(self, _: object) -> None:
        self._checks.clear()
        self.window.reload()  # the editor reads the file it has just been given
        self.window.statusBar().showMessage("Pulled the approvals from Azure DevOps", 6000)

    # ----------------------------------------------------------------- push

    def push(self) -> None:
        if not self._saved_first("A push sends environments.yml as saved"):
            return
        folder, names = self.workspace(), self._pipeline_environments()
        if folder is not None:
            self._run("Reading the checks in Azure DevOps…",
                      lambda _token: self._planned(folder, names, pull=False),
                      self._confirm_push)

    def _confirm_push(self, planned: tuple[EnvironmentSync, Any]) -> None:
        sync, plan = planned
        if not plan.changed:
            self._tell("Azure DevOps already matches environments.yml: nothing to send.")
            return
        if self._ask("Push to Azure DevOps",
                     f"These changes go to the Approval checks of project "
                     f"{sync.binding.project} in Azure DevOps:",
                     "\n".join(plan.diff()), PUSH_CHOICES) != 0:
            return
        self._run("Sending to Azure DevOps…",
                  lambda token: sync.apply_push(plan, token), self._pushed, stop_only=True)

    def _pushed(self, pushed: list[str]) -> None:
        self._checks.clear()
        self._refresh_form()
        self.window.statusBar().showMessage(f"Pushed {', '.join(pushed)} to Azure DevOps",
                                            6000)

    # ----------------------------------------------------------------- running work

    def _run(self, label: str, work: Callable[[CancelToken], Any],
             on_done: Callable[[Any], None], *, stop_only: bool = False) -> None:
        """`work` in a worker behind a progress dialog. Its Cancel drops the result
        (reads), or with `stop_only` asks the work to stop and still hears how it ended
        (a push says what reached Azure)."""
        progress = QProgressDialog(label, "Cancel", 0, 0, self.window)
        progress.setObjectName("environmentSyncProgress")
        progress.setWindowTitle(TITLE)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        self.progress = progress
        closed = []

        def close() -> None:
            if closed:
                return
            closed.append(True)
            progress.close()
            progress.deleteLater()
            if self.progress is progress:
                self.progress = None

        def then(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            """Close the progress, then `callback` once the worker's delivery is over (it
            may open a modal dialog)."""
            def call(value: Any) -> None:
                close()
                QTimer.singleShot(0, self, lambda: callback(value))
            return call

        def cancel() -> None:
            if self.worker is None:
                return
            if stop_only:
                self.worker.token.cancel()
                progress.setLabelText("Stopping after the environment being sent…")
            else:
                self.worker.cancel()

        self.worker = start_cancellable(work, then(on_done), then(self._failed),
                                        on_cancelled=close)
        progress.canceled.connect(cancel)
        progress.show()

    def _failed(self, error: BaseException) -> None:
        self._checks.clear()
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE, user_message(error),
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("environmentSyncError")
        box.exec()
        box.deleteLater()

    def _tell(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, TITLE, text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("environmentSyncInfo")
        box.exec()
        box.deleteLater()

    def _ask(self, title: str, message: str, diff: str, choices: list[str]) -> int:
        from release_manager.ui.diff_dialog import DiffDialog  # made when asked

        dialog = DiffDialog(title, message, diff, choices, self.window, default=1)
        dialog.setObjectName("environmentSyncDialog")
        answer = dialog.exec()
        dialog.deleteLater()
        return answer

    def _saved_first(self, why: str) -> bool:
        """True when there are no unsaved edits, or the user saved them now."""
        editor = self.window.editor
        if editor is None or not editor.is_modified():
            return True
        box = QMessageBox(QMessageBox.Icon.Question, TITLE,
                          f"{why}: save your changes first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                          self.window)
        box.setObjectName("environmentSyncSaveFirst")
        answer = box.exec()
        box.deleteLater()
        return answer == QMessageBox.StandardButton.Save and self.window.save()

    def _refresh_form(self) -> None:
        inspector = self.window.inspector
        form = getattr(inspector, "environment", None)
        if form is not None:
            form.show_azure_checks(force=True)


def _alive(callback: Callable[..., Any]) -> bool:
    """False for a method of a Qt object deleted meanwhile (a form replaced)."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, Shiboken.Object) or isValid(owner)


def install_azure_environments(window: MainWindow) -> AzureEnvironments:
    """The window's one AzureEnvironments, following the open pipeline."""
    existing: AzureEnvironments | None = getattr(window, "azure_environments", None)
    if existing is None:
        existing = AzureEnvironments(window)
        window.azure_environments = existing
    else:
        existing.editor_changed()
    return existing
