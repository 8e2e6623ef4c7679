"""The connection of a workspace connected to Azure DevOps, as the status bar says it:
"signed in as NAME · ORG · refreshed HH:MM", "not signed in", "offline, retrying".

Fed by what the work against Azure DevOps ends in, from any worker: `refreshed()` after
an answer, `failed(error)` with the typed error (engine/backend_errors.py). A SignedOut
(expired or revoked token) asks to sign in again through `signInNeeded` and clears
nothing; an Unavailable that may pass is "offline, retrying" and the connection is
checked again in a worker (a single-shot QTimer, the waits growing) until it answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from release_manager.engine.backend_errors import SignedOut, TlsUntrusted, Unavailable
from release_manager.error_messages import user_message
from release_manager.ui.workers import Worker, start_worker

if TYPE_CHECKING:  # the SDK loads when a connection is first checked, not at start-up
    from release_manager.engine.azure.connection_check import SignedInAs

RETRY_MS = (2_000, 5_000, 15_000, 30_000, 60_000)
"""Waits before each check while offline; the last one repeats."""
PREFIX = "Azure DevOps: "


class AzureStatus(QObject):
    changed = Signal(str)
    """The indicator's text ("" when the open workspace is not connected)."""
    signInNeeded = Signal(str, str)
    """(organization URL, why): the sign-in was refused; ask to sign in again."""
    reconnected = Signal()
    """Azure DevOps answers again after it refused the sign-in or could not be reached:
    what paused (the releases' refresh) may go on."""

    def __init__(self, parent: QObject | None = None, retry_ms: tuple[int, ...] | None = None,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        super().__init__(parent)
        self.retry_ms = retry_ms or RETRY_MS
        self._clock = clock
        self._organization = ""
        self._organization_name = ""
        self._check: Callable[[], SignedInAs] | None = None
        self._who = ""
        self._retries = 0
        self._lost = False
        self._worker: Worker[SignedInAs] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check_now)
        self.text = ""
        self.detail = ""
        """What the last failure said (the indicator's tooltip)."""

    # ------------------------------------------------------------ what feeds it

    def watch(self, organization_url: str, organization_name: str,
              check: Callable[[], SignedInAs]) -> None:
        """Follow a connected workspace's organization: `check` (run in a worker) says
        who is signed in there or raises the typed error. Checks once now."""
        self._stop()
        self._organization, self._organization_name = organization_url, organization_name
        self._check, self._who, self._retries, self._lost = check, "", 0, False
        self._show("checking…", "")
        self.check_now()

    def unwatch(self) -> None:
        """The open workspace is not connected: no indicator, no checks."""
        self._stop()
        self._organization = self._organization_name = ""
        self._check = None
        self._show_text("", "")

    def refreshed(self, who: SignedInAs | str | None = None) -> None:
        """Azure DevOps answered (a refresh, a check): signed in, as `who` when known."""
        if not self._organization:
            return
        if who is not None and not isinstance(who, str):
            who = who.display_name
        self._who = who or self._who
        self._retries = 0
        self._timer.stop()
        name = f"signed in as {self._who} · " if self._who else "signed in · "
        self._show(f"{name}{self._organization_name} · refreshed "
                   f"{self._clock():%H:%M}", "")
        if self._lost:
            self._lost = False
            self.reconnected.emit()

    def failed(self, error: BaseException) -> bool:
        """Work against Azure DevOps failed with `error`: True when it was about the
        connection (and is now shown), False for any other error (the caller says it)."""
        if not self._organization:
            return False
        if isinstance(error, SignedOut):
            self._lost = True
            self._timer.stop()
            self._show("not signed in", user_message(error))
            self.signInNeeded.emit(self._organization, user_message(error))
            return True
        if isinstance(error, Unavailable) and not isinstance(error, TlsUntrusted) \
                and error.retryable:
            self._lost = True
            self._show("offline, retrying", user_message(error))
            self._retry_later(error.retry_after)
            return True
        if isinstance(error, TlsUntrusted):
            self._timer.stop()
            self._show("certificate not trusted", user_message(error))
            return True
        return False

    # ------------------------------------------------------------ checking

    @property
    def watching(self) -> str:
        """The organization URL followed, "" for none."""
        return self._organization

    def check_now(self) -> None:
        """Check the connection in a worker (one at a time)."""
        if self._check is None or (self._worker is not None and self._worker.running):
            return
        self._worker = start_worker(self._check, self.refreshed, self.failed)

    def _retry_later(self, retry_after: float | None) -> None:
        wait = self.retry_ms[min(self._retries, len(self.retry_ms) - 1)]
        if retry_after is not None:
            wait = max(wait, int(retry_after * 1000))
        self._retries += 1
        self._timer.start(wait)

    def _stop(self) -> None:
        self._timer.stop()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _show(self, state: str, detail: str) -> None:
        self._show_text(PREFIX + state, detail)

    def _show_text(self, text: str, detail: str) -> None:
        self.text, self.detail = text, detail
        self.changed.emit(text)
