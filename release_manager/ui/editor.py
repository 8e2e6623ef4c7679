"""The one way the window edits a pipeline: every change is an undoable command.

`PipelineEditor` owns the open document, its undo stack, the selection and the latest
diagnostics. Views (graph, inspector, problems, YAML pane) listen to its signals and call
`apply` with a model operation; none of them edits the model or the YAML directly.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from release_manager.core.environments_file import load_environments, save_environments
from release_manager.core.model import ModelError, Pipeline
from release_manager.core.pipeline_yaml import DocumentState, PipelineDocument, SavedReading
from release_manager.core.validation import Diagnostic, validate_edited
from release_manager.ui.workers import start_worker

if TYPE_CHECKING:
    from release_manager.ui.arm_listings import ArmListings

RemoteChecks = Callable[[str, Callable[[list[str]], None], Callable[[BaseException], None]],
                        None]


class SnapshotCommand(QUndoCommand):
    """An edit recorded as the document before and after it: undo and redo restore one of
    the two. Simple and always right, whatever the operation did. The state after is
    taken at the first undo (it is the current state then); a state shares with the one
    before it every stage the edit did not change, so an edit costs what it changed.
    A state holds the text the model was read from as well as the model, so undoing past
    a save brings back the text as it was, not what the model holds of it.

    It holds its editor weakly: the editor owns the stack that owns the command, and a
    cycle through Qt's stack can be torn down by the garbage collector in an order that
    crashes `QUndoStack.clear`."""

    def __init__(self, editor: PipelineEditor, text: str, before: DocumentState):
        super().__init__(text)
        self._editor_ref = weakref.ref(editor)
        self._before = before
        self._after: DocumentState | None = None
        self._first_redo = True

    def redo(self) -> None:
        if self._first_redo:  # the edit has just been made by `apply`
            self._first_redo = False
            return
        assert self._after is not None  # set by the undo that came before this redo
        editor = self._editor_ref()
        if editor is not None:
            editor._restore(self._after)

    def undo(self) -> None:
        editor = self._editor_ref()
        if editor is None:
            return
        if self._after is None:
            self._after = editor.document.state()
        editor._restore(self._before)


class PipelineEditor(QObject):
    changed = Signal()
    selectionChanged = Signal(list)
    editRefused = Signal(str)
    diagnosticsChanged = Signal(list)
    saveSettled = Signal()
    """A saved text has been read again on a worker: it is the base of edits now, unless
    they went on meanwhile (its full validation may run; the YAML pane's changed lines
    are those since the save)."""

    def __init__(self, document: PipelineDocument, parent: QObject | None = None, *,
                 diagnostics: list[Diagnostic] | None = None) -> None:
        """`diagnostics`: the document came from an open's worker (core/opening.py), its
        environments already read into it and these its `validate_edited` findings."""
        super().__init__(parent)
        self.document = document
        self.undo_stack = QUndoStack(self)
        self._selected: list[str] = []
        self._diagnostics: list[Diagnostic] = []
        self._settling = 0
        self.focus_field = ""
        """The inspector field to focus with the selection ("condition", …)."""
        self.remote_checks: RemoteChecks | None = None
        """On a workspace connected to Azure DevOps: `remote_checks(environment, on_done,
        on_failed)` reads that environment's checks there in a worker; its lines reach
        `on_done` (set by ui/azure_environments.py)."""
        self.arm_listings: ArmListings | None = None
        """What the Azure Resource Manager sign-in lists for the App Service form's
        pickers (set by ui/azure_window.py; None: the fields are typed only)."""
        if diagnostics is None and self.workspace_dir is not None:
            self.pipeline.environments = load_environments(self.workspace_dir)
        self._saved_environments = copy.deepcopy(self.pipeline.environments)
        if diagnostics is None:
            self._revalidate()
        else:
            self._diagnostics = list(diagnostics)

    @property
    def pipeline(self) -> Pipeline:
        return self.document.pipeline

    @property
    def workspace_dir(self) -> Path | None:
        path = self.document.path
        return Path(path).resolve().parent if path else None

    # ----------------------------------------------------------------- editing

    def apply(self, text: str, mutate: Callable[[Pipeline], object]) -> bool:
        """Run `mutate` on the pipeline as one undoable command named `text`. A refused
        operation (ModelError) changes nothing and is reported through `editRefused`."""
        before = self.document.state()
        try:
            mutate(self.pipeline)
        except ModelError as refusal:
            self.document.restore(before)
            self.editRefused.emit(str(refusal))
            return False
        if self.document.state() == before:
            return False
        self.undo_stack.push(SnapshotCommand(self, text, before))
        self._after_change()
        return True

    def _restore(self, state: DocumentState) -> None:
        self.document.restore(state)
        self._after_change()

    def _after_change(self) -> None:
        self._selected = [name for name in self._selected if self.pipeline.has_stage(name)]
        self._revalidate()
        self.changed.emit()

    # ----------------------------------------------------------------- selection

    def select(self, names: list[str], field: str = "") -> None:
        """Select stages (the graph and the inspector follow); `field` names the inspector
        field to focus, e.g. "condition", when a problem was clicked."""
        names = [name for name in names if self.pipeline.has_stage(name)]
        self.focus_field = field
        if names != self._selected or field:
            self._selected = names
            self.selectionChanged.emit(list(names))

    def selected(self) -> list[str]:
        return list(self._selected)

    # ----------------------------------------------------------------- state

    def diagnostics(self) -> list[Diagnostic]:
        return list(self._diagnostics)

    def _revalidate(self) -> None:
        self._diagnostics = validate_edited(self.document)
        self.diagnosticsChanged.emit(list(self._diagnostics))

    def is_modified(self) -> bool:
        """Whether the commands between the saved state and now change the document.
        Environments' policies are part of the pipeline, so the stack covers them; commands
        with `changes_document = False` (the graph's stage positions, kept in the user's
        settings) do not count."""
        stack = self.undo_stack
        if stack.cleanIndex() < 0:  # the saved state was undone and replaced
            return True
        low, high = sorted((stack.cleanIndex(), stack.index()))
        return any(
            getattr(stack.command(index), "changes_document", True)
            for index in range(low, high)
        )

    def save(self, path: Path | None = None) -> None:
        """Write the YAML (only the edited parts change) and the environments' policies.
        The written text is read again on a worker and becomes the base of later edits
        once it is back (`rebased`); until then they are spliced into the text before."""
        _, text = self.document.write(path)
        if self.workspace_dir is not None:
            save_environments(self.workspace_dir, self.pipeline.environments)
        self._saved_environments = copy.deepcopy(self.pipeline.environments)
        self.undo_stack.setClean()
        document = self.document
        self._settling += 1
        start_worker(lambda: document.read_saved(text), self._adopt, self._not_adopted)

    def is_settling(self) -> bool:
        """A saved text is still being read again (`saveSettled` is to come)."""
        return self._settling > 0

    def _adopt(self, reading: SavedReading) -> None:
        self.document.adopt(reading)
        self._settled()

    def _not_adopted(self, _error: BaseException) -> None:
        """The saved text did not read back (the full validation will say why); edits go
        on being spliced into the text before it, which stays right."""
        self._settled()

    def _settled(self) -> None:
        self._settling -= 1
        self.saveSettled.emit()

    def saved_pipeline(self) -> Pipeline:
        """The pipeline as its files hold it since it was opened or saved: what the release
        engine reads, whatever the window shows."""
        saved = copy.copy(self.document.saved)
        saved.environments = self._saved_environments
        return saved
