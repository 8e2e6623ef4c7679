"""Unsaved edits recovered after a crash, offered when their file is opened again:
"Unsaved changes to FILE from <time> were recovered — Restore / Discard / Show
Differences". Restoring opens them as unsaved changes of the file: Save writes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from release_manager.core.environments_file import environments_path, loads
from release_manager.core.pipeline_yaml import load_data
from release_manager.core.recovery import RecoveryCopy, all_copies
from release_manager.ui.disk_sync import our_data
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.notice_bar import NoticeBar
from release_manager.ui.recovery_keeper import RecoveryKeeper

if TYPE_CHECKING:
    from release_manager.ui.main_window import MainWindow

RESTORE, DISCARD = 0, 1
DIFF_CHOICES = ["&Restore", "&Discard", "Decide &Later"]


def recovered_editor(copy: RecoveryCopy, parent: QObject) -> PipelineEditor:
    """An editor on the recovered text of `copy.pipeline` and its environments' policies
    (raises PipelineLoadError as a load would)."""
    pipeline = Path(copy.pipeline)
    data = copy.files.get(pipeline)
    document = load_data(data if data is not None else b"", pipeline)
    editor = PipelineEditor(document, parent)
    policies_path = environments_path(pipeline.parent)
    policies = copy.files.get(policies_path)
    if policies is not None:
        editor.pipeline.environments = loads(policies.decode("utf-8"), policies_path)
    return editor


class RecoveryOffer(QObject):
    """The window's recovery bar and the keeper of its recovery copies."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bar = NoticeBar("recoveryBar")
        self.keeper = RecoveryKeeper(lambda: window.disk.baseline, self)
        self.copy: RecoveryCopy | None = None

    def opened(self, path: Path) -> None:
        """A pipeline was opened from `path`: keep its edits, and offer the copy kept from
        a session that did not end well, if any."""
        editor = self.window.editor
        self.keeper.follow(editor)
        self.copy = copy = self.keeper.kept_copy(path) if editor is not None else None
        if copy is None or editor is None:
            self.bar.hide()
            return
        if copy.files == our_data(editor):  # saved after all: nothing to recover
            self.copy = None
            self.keeper.discard(path)
            self.bar.hide()
            return
        self.keeper.hold()
        self.bar.show_notice(
            f"Unsaved changes to {Path(path).name} from {copy.local_time()} were recovered.",
            [("&Restore", self.restore), ("&Discard", self.discard),
             ("Show &Differences…", self.show_differences)])

    def offer_others(self) -> None:
        """At start: the newest copy kept for another file than the one open is offered
        too (opening that file offers to restore it)."""
        if self.bar.isVisible():
            return
        current = self.window.path
        copies = [copy for copy in all_copies()
                  if copy.pipeline != current and copy.pipeline.is_file()
                  and not copy.is_live_elsewhere()]
        if not copies:
            return
        copy = copies[0]
        more = f" ({len(copies) - 1} other files too)" if len(copies) > 1 else ""
        self.bar.show_notice(
            f"Unsaved changes to {copy.pipeline} from {copy.local_time()} were "
            f"recovered{more}.",
            [("&Open It", lambda: self.window.open_path(copy.pipeline)),
             ("&Discard", lambda: self.keeper.discard(copy.pipeline))])

    def closed(self) -> None:
        self.keeper.follow(None)
        self.copy = None
        self.bar.hide()

    def restore(self) -> None:
        if self.copy is not None and self.window.restore_copy(self.copy):
            self.copy = None

    def discard(self) -> None:
        if self.copy is not None:
            self.keeper.discard(self.copy.pipeline)
            self.copy = None
        self.keeper.release()

    def show_differences(self) -> None:
        copy = self.copy
        if copy is None:
            return
        from release_manager.ui.diff_dialog import DiffDialog  # made when asked

        dialog = DiffDialog(
            "Recovered Changes",
            f"Unsaved changes to {Path(copy.pipeline).name} from {copy.local_time()}: what "
            "is on disk (−) and what was recovered (+).",
            copy.diff_from_disk(), DIFF_CHOICES, self.window, default=RESTORE)
        dialog.setObjectName("recoveredChangesDialog")
        choice = dialog.exec()
        dialog.deleteLater()
        if choice == RESTORE:
            self.restore()
        elif choice == DISCARD:
            self.discard()
        else:
            self.bar.show()
