"""A run reads the pipeline file as saved, while the window may show unsaved edits; a
promotion, a redeploy or an approval runs the build's own definition (kept when it was
queued), with its environments' approvals and checks as saved. A confirmation says which,
names what the edits change in what the action reads, and, where saving changes what
runs, offers to save first or to go on with the saved version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton

from release_manager.core.environments_file import FILE_NAME as ENVIRONMENTS_FILE
from release_manager.core.stage_changes import Aspect, first_stages, stage_changes
from release_manager.ui.editor import PipelineEditor

BUILD_READS: frozenset[Aspect] = frozenset({"approval", "checks"})
"""What a promotion or an approval of a build reads from the saved files: its stages come
from the build's own definition, its environments' approvals and checks from the saved
environments.yml."""
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


def warning_label(unsaved: UnsavedEdits, doing: str, note: str = "",
                  runs: str = "") -> QLabel:
    """The line at the top of a confirmation: `doing` ("Promoting", …) uses the saved file
    or, given `runs` ("build 7's own definition"), runs that while reading its
    environments' approvals and checks as saved; and what of the unsaved edits it leaves
    out; then `note`, if any."""
    touched = ", ".join(unsaved.stages) or "the stages it runs"
    if runs:
        lines = [f"⚠ The pipeline has unsaved changes. {doing} runs {runs}, kept when it "
                 f"was queued: neither the saved {unsaved.file_name} nor what the window "
                 "shows changes its stages (a new run builds the saved file). The approvals "
                 f"and checks of its environments are read from the saved {ENVIRONMENTS_FILE}."]
        heading = f"Unsaved changes to the environments of {touched}:"
        untouched = f"None of them changes the approvals or checks of {touched}."
    else:
        lines = [f"⚠ The pipeline has unsaved changes. {doing} uses the saved "
                 f"{unsaved.file_name}, not what the window shows."]
        heading = f"Unsaved changes to {touched}:"
        untouched = f"None of them changes what it reads of {touched}."
    if unsaved.changes:
        lines.append(heading)
        lines += [f"• {change}" for change in unsaved.changes]
    else:
        lines.append(untouched)
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
