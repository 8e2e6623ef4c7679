"""Unexpected errors in the window: a report on disk, a dialog that says what failed and
where the report is, and a window that keeps working.

Qt hands an exception raised in a slot or an event handler to `sys.excepthook` and goes
on with its event loop; a worker thread's uncaught exception reaches
`threading.excepthook`. Both are routed here; the dialog always opens on the GUI thread.
"""

from __future__ import annotations

import html
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

if TYPE_CHECKING:  # the writer loads when an error comes, not at start-up
    from release_manager.crash_report import Crash

TITLE = "Release Manager — unexpected error"


class CrashHandler(QObject):
    """Installed once per window by `install_crash_handler`."""

    crashed = Signal(object)
    """A `Crash` and its signature; queued to the GUI thread from another thread."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.dialog: QMessageBox | None = None
        self._open_folder: QAbstractButton | None = None
        self._shown: Crash | None = None
        self._open_signature: str | None = None
        """The error the open dialog tells of (None: closed); kept here, not asked of
        the dialog, as worker threads read it."""
        self.crashed.connect(self._show)

    def on_exception(self, exc_type: type[BaseException], value: BaseException | None,
                     tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, value or exc_type(), tb)
            return
        self._report(_with_traceback(exc_type, value, tb), "window, GUI thread")

    def on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self._report(_with_traceback(args.exc_type, args.exc_value, args.exc_traceback),
                     f"window, thread {name}")

    def _report(self, error: BaseException, context: str) -> None:
        from release_manager.crash_report import signature, write_report

        if signature(error) == self._open_signature:
            return  # the same error again (a paint that fails every time): one report
        crash = write_report(error, context)
        try:
            self.crashed.emit((crash, signature(error)))
        except RuntimeError:  # the window is gone (the app is closing): say it plainly
            print(f"release-manager: {crash.summary} ({_where_written(crash)})",
                  file=sys.stderr)

    def _show(self, reported: tuple[Crash, str]) -> None:
        """One dialog at a time: another error while it is open updates it."""
        crash, self._open_signature = reported
        if self.dialog is None or self._open_folder is None:
            self.dialog = QMessageBox(QMessageBox.Icon.Critical, TITLE, "",
                                      QMessageBox.StandardButton.Close, self._window)
            self.dialog.setObjectName("crashDialog")
            self.dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._open_folder = self.dialog.addButton(
                "Open Report Folder", QMessageBox.ButtonRole.ActionRole)
            self.dialog.buttonClicked.connect(self._clicked)
            self.dialog.finished.connect(self._closed)
        self._shown = crash
        self._open_folder.setEnabled(crash.report is not None)
        self.dialog.setText(f"<b>Something went wrong:</b> {html.escape(crash.summary)}")
        self.dialog.setInformativeText(
            f"It happened in {crash.where}. Release Manager is still running: check that "
            "your last change is there before you go on.\n\n" + _where_written(crash))
        self.dialog.open()

    def _closed(self) -> None:
        self._open_signature = None

    def _clicked(self, button: QAbstractButton) -> None:
        if button is self._open_folder and self._shown and self._shown.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._shown.report.parent)))


def _with_traceback(exc_type: type[BaseException], value: BaseException | None,
                    tb: TracebackType | None) -> BaseException:
    """The exception an excepthook was given, with its traceback attached."""
    error = value if value is not None else exc_type()
    return error.with_traceback(tb) if tb is not None else error


def _where_written(crash: Crash) -> str:
    if crash.report is None:
        return f"The error report could not be written: {crash.write_error}"
    return f"A report (with no secrets in it) was written to:\n{crash.report}"


def install_crash_handler(window: QWidget) -> CrashHandler:
    """Route unexpected errors of this process to `window`'s crash dialog."""
    handler = CrashHandler(window)
    sys.excepthook = handler.on_exception
    threading.excepthook = handler.on_thread_exception
    return handler
