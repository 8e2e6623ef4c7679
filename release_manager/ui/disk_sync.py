"""The open pipeline's files against the disk: a change made by another program (an
editor, `git pull`) is offered for reload, and a save never writes over it unseen.

The window owns one `DiskSync`. It watches the pipeline and its environments' file,
remembers what the window last read or wrote (`core.disk_changes.DiskBaseline`) and
tells the user in a bar at the top of the window when the disk holds something else.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from release_manager.core.disk_changes import (
    DiskBaseline,
    DiskChange,
    changes_diff,
    decoded,
)
from release_manager.core.environments_file import (
    EnvironmentsFileError,
    environments_data,
    environments_path,
    loads,
    merge_environments,
)
from release_manager.ui.file_watch import FileWatch
from release_manager.ui.notice_bar import NoticeBar

if TYPE_CHECKING:
    from release_manager.ui.editor import PipelineEditor
    from release_manager.ui.main_window import MainWindow


class Conflict(IntEnum):
    """The choices of the save conflict dialog, in the order of its buttons."""

    OVERWRITE = 0
    SAVE_AS = 1
    RELOAD = 2
    CANCEL = 3


CONFLICT_CHOICES = ["&Overwrite with Mine", "Save Mine &As…", "&Reload Theirs", "Cancel"]


def our_data(editor: PipelineEditor) -> dict[Path, bytes | None]:
    """What a save of `editor` writes to each of its files (None: nothing)."""
    document = editor.document
    assert document.path is not None and editor.workspace_dir is not None
    return {
        Path(document.path).resolve(): document.data(),
        environments_path(editor.workspace_dir):
            environments_data(editor.workspace_dir, editor.pipeline.environments),
    }


def _names(changes: list[DiskChange]) -> str:
    return " and ".join(f"{change.path.name} was {change.kind}" for change in changes)


class DiskSync(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.baseline = DiskBaseline()
        self.bar = NoticeBar("diskChangedBar")
        self.watch = FileWatch(self)
        self.watch.changed.connect(self.check)
        self._ignored: list[DiskChange] | None = None
        """The changes the user chose to ignore: not offered again until the disk
        changes once more."""

    # ----------------------------------------------------------------- the document

    def opened(self, read: dict[Path, bytes | None]) -> None:
        """A pipeline was loaded from the files whose bytes `read` holds."""
        self.baseline = DiskBaseline()
        for path, data in read.items():
            self.baseline.remember(path, data)
        self._ignored = None
        self.bar.hide()
        self.watch.watch(self.baseline.paths())

    def closed(self) -> None:
        self.baseline = DiskBaseline()
        self.bar.hide()
        self.watch.clear()

    def saved(self, editor: PipelineEditor) -> None:
        """The editor has just written its files: what it wrote is what is on disk."""
        self.opened(our_data(editor))

    # ----------------------------------------------------------------- changes

    def changes(self) -> list[DiskChange]:
        return self.baseline.changes()

    def check(self) -> None:
        """Compare the disk with what was last read or written; offer what to do."""
        editor = self.window.editor
        changes = self.changes() if editor is not None else []
        if not changes or changes == self._ignored:
            self.bar.hide()
            return
        self._ignored = None
        if editor is not None and editor.is_modified():
            self.bar.show_notice(
                f"{_names(changes)} on disk, and you have unsaved changes here. "
                "A save will not write over it unseen.",
                [("Show &Differences…", self.window.save),
                 ("&Ignore", lambda: self._ignore(changes))])
        elif all(change.now is None for change in changes):
            self.bar.show_notice(f"{_names(changes)} on disk. Save to write it again.",
                                 [("&Ignore", lambda: self._ignore(changes))])
        else:
            self.bar.show_notice(f"{_names(changes)} on disk.",
                                 [("&Reload", self.window.reload),
                                  ("&Ignore", lambda: self._ignore(changes))])

    def _ignore(self, changes: list[DiskChange]) -> None:
        self._ignored = changes

    def confirm_overwrite(self) -> bool:
        """Before a save in place: True when nothing changed on disk, or the user chose to
        overwrite it; otherwise what they chose instead (save as, reload) is done here."""
        editor = self.window.editor
        changes = self._take_their_policies(self.changes(), editor) if editor else []
        if not changes or editor is None:
            return True
        choice = self._ask(changes, editor)
        if choice == Conflict.SAVE_AS:
            self.window.save_as()
        elif choice == Conflict.RELOAD:
            self.window.discard_edits()
            self.window.reload()
        return choice == Conflict.OVERWRITE

    def _take_their_policies(self, changes: list[DiskChange],
                             editor: PipelineEditor) -> list[DiskChange]:
        """Policies saved meanwhile by another window (another pipeline of the folder) are
        taken in, as one undoable edit, when no environment changed on both sides: the
        environments' file is then no longer a conflict. The changes left are returned."""
        assert editor.workspace_dir is not None
        path = environments_path(editor.workspace_dir)
        change = next((change for change in changes if change.path == path), None)
        if change is None:
            return changes
        try:
            base, disk = (loads(decoded(data), path) if data is not None else {}
                          for data in (change.known, change.now))
        except EnvironmentsFileError:
            return changes
        merged = merge_environments(base, editor.pipeline.environments, disk)
        if merged is None:
            return changes
        editor.apply("Take Policies Saved Elsewhere",
                     lambda pipeline: setattr(pipeline, "environments", merged))
        self.baseline.remember(path, change.now)
        return [other for other in changes if other is not change]

    def _ask(self, changes: list[DiskChange], editor: PipelineEditor) -> Conflict:
        from release_manager.ui.diff_dialog import DiffDialog  # made when asked

        dialog = DiffDialog(
            "Changed on Disk",
            f"{_names(changes)} since you opened or saved it. Below, what is on disk (−) and "
            "what you have here (+). Overwrite the disk with yours, save yours to another "
            "file, or reload the disk's version and drop your changes here.",
            changes_diff(changes, our_data(editor)), CONFLICT_CHOICES, self.window,
            default=Conflict.CANCEL,
        )
        dialog.setObjectName("saveConflictDialog")
        answer = dialog.exec()
        dialog.deleteLater()
        return Conflict(answer) if 0 <= answer < len(Conflict) else Conflict.CANCEL
