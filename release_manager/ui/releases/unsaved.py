"""Runs, promotions and approvals read the pipeline file as saved, while the window may
show unsaved edits. A confirmation then says so, names what the edits change in what the
action reads, and offers to save first or to go on with the saved version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton

from release_manager.core.stage_changes import Aspect, first_stages, stage_changes
from release_manager.ui.editor import PipelineEditor

APPROVAL_READS: frozenset[Aspect] = frozenset({"stage", "environments", "approval", "checks"})
"""The condition and the dependencies were checked when the promotion was asked for."""
WARNING_STYLE = "color: #e65100; font-weight: bold;"


@dataclass
class UnsavedEdits:
    """The window has edits not in the file; `changes` lists those the action reads."""

    file_name: str
    changes: list[str]
    stages: list[str]
    aspects: frozenset[Aspect] = frozenset()
    """What the listed changes touch."""


class PipelineEdits:
    """The window's editor as the releases part sees it: whether it holds unsaved edits,
    what they change, and saving them."""

    def __init__(self, editor: PipelineEditor, save: Callable[[], bool],
                 settle: Callable[[], object] = lambda: None) -> None:
        self.editor = editor
        self._save = save
        self._settle = settle
        """Commits what is still being typed (it is shown, so it counts as an edit)."""

    def unsaved(self, stages: list[str],
                reads: frozenset[Aspect] | None = None) -> UnsavedEdits | None:
        """None when nothing is unsaved; else the edits' changes to `stages` (only the
        aspects in `reads`, all when None)."""
        self._settle()
        if not self.editor.is_modified():
            return None
        saved, edited = self.editor.saved_pipeline(), self.editor.pipeline
        changes = [(stage, change) for stage in stages
                   for change in stage_changes(saved, edited, stage)
                   if reads is None or change.aspect in reads]
        path = self.editor.document.path
        return UnsavedEdits(path.name if path else "the pipeline file",
                            [f"{stage}: {change}" for stage, change in changes], stages,
                            frozenset(change.aspect for _, change in changes))

    def unsaved_for_run(self) -> UnsavedEdits | None:
        """The unsaved edits as a run sees them: which stages it builds (it promotes the
        build to each), and how."""
        unsaved = self.unsaved(first_stages(self.editor.saved_pipeline()))
        if unsaved is not None:
            shown = first_stages(self.editor.pipeline)
            if shown != unsaved.stages:
                unsaved.changes.insert(0, f"builds {', '.join(shown) or 'nothing'} "
                                          f"(saved: {', '.join(unsaved.stages)})")
        return unsaved

    def save(self) -> bool:
        """Save as File ▸ Save does; False when it failed (the window said why)."""
        return self._save()


def gerund(verb: str) -> str:
    """Promote → Promoting, Redeploy → Redeploying."""
    return verb.removesuffix("e") + "ing"


def warning_label(unsaved: UnsavedEdits, doing: str, note: str = "") -> QLabel:
    """The line at the top of a confirmation: `doing` ("Promoting", …) uses the saved file,
    and what of the unsaved edits it leaves out; then `note`, if any."""
    touched = ", ".join(unsaved.stages) or "the stages it runs"
    lines = [f"⚠ The pipeline has unsaved changes. {doing} uses the saved "
             f"{unsaved.file_name}, not what the window shows."]
    if unsaved.changes:
        lines.append(f"Unsaved changes to {touched}:")
        lines += [f"• {change}" for change in unsaved.changes]
    else:
        lines.append(f"None of them changes what it reads of {touched}.")
    if note:
        lines.append(note)
    label = QLabel("\n".join(lines))
    label.setObjectName("unsavedWarning")
    label.setWordWrap(True)
    label.setTextFormat(label.textFormat().PlainText)
    label.setStyleSheet(WARNING_STYLE)
    return label


class SaveFirst:
    """A confirmation's choice when the window has unsaved edits: "Save and <verb>" next
    to `confirm` (which acts on the saved version) and Cancel, the default button, so that
    Enter never acts on a version the user did not pick."""

    def __init__(self, dialog: QDialog, buttons: QDialogButtonBox, confirm: QPushButton,
                 verb: str, accept: Callable[[], None]) -> None:
        self.chosen = False
        """Save and <verb> was clicked and the dialog accepted."""
        self._dialog = dialog
        self.button = QPushButton(f"Save and {verb}")
        self.button.setObjectName("saveFirstButton")
        buttons.addButton(self.button, QDialogButtonBox.ButtonRole.ActionRole)
        self._accept = accept
        self.button.clicked.connect(self._save_first)
        confirm.setDefault(False)
        for button in (confirm, self.button):
            button.setAutoDefault(False)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setDefault(True)

    def _save_first(self) -> None:
        self.chosen = True
        self._accept()  # the dialog's checks may keep it open: then nothing was chosen
        self.chosen = self._dialog.result() == QDialog.DialogCode.Accepted


def act(edits: PipelineEdits | None, save_first: SaveFirst | None,
        action: Callable[[], object]) -> None:
    """Do `action` once the edits the user chose to save are saved; nothing when saving
    failed (the window said why)."""
    if save_first is not None and save_first.chosen and (edits is None or not edits.save()):
        return
    action()
