"""The stage condition field: colours, live errors at their column, completion, presets.

Typing never edits the pipeline; the condition is committed as one undoable edit when the
user leaves the field or presses Ctrl+Enter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontDatabase,
    QKeyEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.core import expressions
from release_manager.core.model import Pipeline, Variable
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.condition_highlighter import ConditionHighlighter
from release_manager.ui.inspector.widgets import note, show_note

DEFAULT_NOTE = "Default: runs when all dependencies succeeded (succeeded())"
TEMPLATE_NOTE = (
    "Holds a template expression (${{ }}): Azure fills it in when the run is compiled, "
    "so the condition is checked then, not here."
)
VALIDATION_DELAY_MS = 150

PREDEFINED_VARIABLES = [
    "Build.SourceBranch", "Build.SourceBranchName", "Build.Reason", "Build.BuildId",
    "Build.BuildNumber", "Build.DefinitionName", "Build.Repository.Name",
    "Build.RequestedFor", "Build.SourceVersion", "Build.SourceVersionMessage",
    "System.PullRequest.TargetBranch", "System.PullRequest.SourceBranch",
    "System.PullRequest.PullRequestId", "System.TeamProject", "System.StageName",
    "Agent.OS",
]

PRESET_NOT_PULL_REQUEST = "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))"
PRESET_SCHEDULED_OR_MANUAL = (
    "and(succeeded(), in(variables['Build.Reason'], 'Schedule', 'Manual'))"
)


def preset_only_on_branch(branch: str) -> str:
    ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
    return f"and(succeeded(), eq(variables['Build.SourceBranch'], '{ref}'))"


def preset_if_failed(stage: str) -> str:
    return f"failed('{stage}')"


def completions(pipeline: Pipeline, stage: str) -> list[str]:
    """Function names, predefined and pipeline variables, the stage's dependencies."""
    names = {entry.name for entry in pipeline.variables if isinstance(entry, Variable)}
    if pipeline.has_stage(stage):
        names |= {e.name for e in pipeline.stage(stage).variables if isinstance(e, Variable)}
    variables = [f"variables['{name}']" for name in PREDEFINED_VARIABLES + sorted(names)]
    dependencies = pipeline.dependencies(stage) if pipeline.has_stage(stage) else []
    results = [f"dependencies.{name}.result" for name in dependencies]
    return sorted(expressions.FUNCTION_NAMES, key=str.lower) + variables + results


def error_position(text: str, column: int) -> tuple[int, str]:
    """The 0-based offset of a 1-based error column and how to name it to the user:
    "Column 14" on one line, "Line 2, column 5" in a multi-line condition."""
    offset = max(0, min(column - 1, len(text)))
    if "\n" not in text.rstrip("\n"):
        return offset, f"Column {column}"
    line = text.count("\n", 0, offset) + 1
    line_column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return offset, f"Line {line}, column {line_column}"


def error_description(error: expressions.ExpressionError) -> str:
    """The engine's message without its "Located at column … within expression" tail, which
    the field shows by underlining."""
    return error.message.split(". Located at column", 1)[0]


_PREFIX = re.compile(r"[A-Za-z0-9_.\[\]']*$")


class ConditionField(QPlainTextEdit):
    """A plain text field with completion; `commitRequested` on Ctrl+Enter or focus out."""

    commitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("succeeded()")
        self.textChanged.connect(self._fit_height)
        self._fit_height()
        self.completion_model = QStringListModel(self)
        self.completer = QCompleter(self.completion_model, self)
        self.completer.setWidget(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self.insert_completion)

    def _fit_height(self) -> None:
        """Grow with the condition from 3 to 12 lines; scroll beyond."""
        # A line to spare for wrapping, which is not laid out before the field is shown.
        lines = max(3, min(12, self.document().blockCount() + 1))
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + frame + 2)

    def prefix(self) -> str:
        cursor = self.textCursor()
        before = self.toPlainText()[: cursor.position()]
        match = _PREFIX.search(before)
        return match.group(0) if match else ""

    def insert_completion(self, completion: str) -> None:
        cursor = self.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(self.prefix())
        )
        if completion in expressions.FUNCTION_NAMES:
            completion += "("
        cursor.insertText(completion)
        self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.completer.popup()
        control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if control and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            popup.hide()
            self.commitRequested.emit()
            return
        if popup.isVisible() and event.key() in (
            Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab,
            Qt.Key.Key_Backtab,
        ):
            event.ignore()  # the popup takes these
            return
        if control and event.key() == Qt.Key.Key_Space:
            self._complete(force=True)
            return
        super().keyPressEvent(event)
        if event.text() and (event.text().isalnum() or event.text() in "_.'["):
            self._complete(force=False)
        else:
            popup.hide()

    def _complete(self, force: bool) -> None:
        prefix = self.prefix()
        if len(prefix) < 2 and not force:
            self.completer.popup().hide()
            return
        self.completer.setCompletionPrefix(prefix)
        if self.completer.completionCount() == 0:
            self.completer.popup().hide()
            return
        rect = self.cursorRect()
        rect.setWidth(
            self.completer.popup().sizeHintForColumn(0)
            + self.completer.popup().verticalScrollBar().sizeHint().width()
        )
        self.completer.complete(rect)
        # The best match is chosen, so Return takes it without a Down first.
        self.completer.popup().setCurrentIndex(self.completer.completionModel().index(0, 0))

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # The completion popup, or another window, taking the focus for a while is not
        # leaving the field; moving to another field of this window is.
        if event.reason() not in (
            Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason
        ):
            self.commitRequested.emit()


class ConditionEditor(QWidget):
    """The condition of one stage. `checked(text, error)` after each debounced check, for
    the playground; `error` is "" for a valid condition."""

    checked = Signal(str, str)

    def __init__(self, editor: PipelineEditor, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.name = name
        self.error: expressions.ExpressionError | None = None
        self._synced = ""
        """The model's text last shown: the field differs from it only while typing."""
        self.ask_branch: Callable[[], str | None] = self._ask_branch
        self.ask_stage: Callable[[list[str]], str | None] = self._ask_stage

        self.field = ConditionField(self)
        self.field.setToolTip(
            "When the stage runs. Without a condition Azure runs it when all its "
            "dependencies succeeded, i.e. succeeded().\n"
            "Ctrl+Space completes function and variable names; Ctrl+Enter applies."
        )
        self.highlighter = ConditionHighlighter(self.field.document())
        self.message = note(error=True)
        self.default_note = note(DEFAULT_NOTE)
        self.template_note = note()
        self.presets = QToolButton(self)
        self.presets.setText("Presets")
        self.presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets.setMenu(self._presets_menu())
        self.presets.setToolTip("Common conditions, applied as one undoable edit")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(note("Ctrl+Space completes, Ctrl+Enter applies"), 1)
        header.addWidget(self.presets)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(header)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        layout.addWidget(self.default_note)
        layout.addWidget(self.template_note)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATION_DELAY_MS)
        self._timer.timeout.connect(self.validate)
        self.refresh()
        self.validate()
        self.field.textChanged.connect(self._timer.start)
        self.field.commitRequested.connect(self.commit)

    # ----------------------------------------------------------------- model → view

    def model_text(self) -> str:
        pipeline = self.editor.pipeline
        if not pipeline.has_stage(self.name):
            return ""
        return pipeline.stage(self.name).condition or ""

    def refresh(self) -> None:
        """Show the model's condition; the cursor stays where it is when the text is the
        same, and text being typed is not overwritten by unrelated edits."""
        text = self.model_text()
        self.field.completion_model.setStringList(completions(self.editor.pipeline, self.name))
        if self.field.toPlainText() == self._synced != text:
            self.field.setPlainText(text)
        self._synced = text
        self.default_note.setVisible(not self.field.toPlainText().strip())

    def set_text(self, text: str) -> None:
        """Put text in the field, as typing would."""
        self.field.setPlainText(text)
        self.field.moveCursor(QTextCursor.MoveOperation.End)

    # ----------------------------------------------------------------- checking

    def validate(self) -> None:
        self._timer.stop()
        text = self.field.toPlainText()
        self.default_note.setVisible(not text.strip())
        self.error = None
        templated = "${{" in text
        show_note(self.template_note, TEMPLATE_NOTE if templated else "")
        if text.strip() and not templated:
            try:
                expressions.parse(text)
            except expressions.ExpressionError as error:
                self.error = error
        selections: list[QTextEdit.ExtraSelection] = []
        if self.error is None:
            show_note(self.message, "")
        else:
            offset, where = error_position(text, self.error.column)
            show_note(self.message, f"{where}: {error_description(self.error)}")
            selections.append(self._error_selection(text, offset, len(self.error.token)))
        self.field.setExtraSelections(selections)
        self.checked.emit(text, self.message.text() if self.error else "")

    def _error_selection(self, text: str, offset: int, length: int) -> QTextEdit.ExtraSelection:
        """A red wavy underline under the token at the error (the last character when the
        error is at the very end: a missing `)`)."""
        selection = QTextEdit.ExtraSelection()
        text_format = QTextCharFormat()
        text_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        text_format.setUnderlineColor(QColor("#d13438"))
        text_format.setToolTip(self.message.text())
        selection.format = text_format
        cursor = QTextCursor(self.field.document())
        start = min(offset, max(0, len(text) - 1))
        cursor.setPosition(start)
        cursor.setPosition(min(start + max(length, 1), len(text)), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        return selection

    # ----------------------------------------------------------------- committing

    def commit(self) -> bool:
        """Apply the field's text as the stage's condition: one undoable edit."""
        if self._timer.isActive():
            self.validate()
        text, name = self.field.toPlainText(), self.name
        if text == self.model_text():
            return False
        label = "Remove condition of" if not text.strip() else "Set condition of"
        self._synced = text  # the refresh that follows the edit finds the field in sync
        applied = self.editor.apply(f"{label} {name}", lambda p: p.set_condition(name, text))
        # The typing is now one pipeline edit: Ctrl+Z takes it back as a whole.
        self.field.document().clearUndoRedoStacks()
        return applied

    def apply_preset(self, condition: str) -> None:
        self.set_text(condition)
        self.validate()
        self.commit()

    def _presets_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Only on branch…", self._preset_branch)
        menu.addAction("Only when not a pull request",
                       lambda: self.apply_preset(PRESET_NOT_PULL_REQUEST))
        menu.addAction("Always", lambda: self.apply_preset("always()"))
        menu.addAction("Only if a given stage failed…", self._preset_failed)
        menu.addAction("Only for scheduled or manual runs",
                       lambda: self.apply_preset(PRESET_SCHEDULED_OR_MANUAL))
        menu.addSeparator()
        menu.addAction("Reset to default", lambda: self.apply_preset(""))
        return menu

    def _preset_branch(self) -> None:
        branch = self.ask_branch()
        if branch:
            self.apply_preset(preset_only_on_branch(branch.strip()))

    def _preset_failed(self) -> None:
        pipeline = self.editor.pipeline
        choices = pipeline.ancestors(self.name) if pipeline.has_stage(self.name) else []
        stage = self.ask_stage(choices or [s for s in pipeline.stage_names if s != self.name])
        if stage:
            self.apply_preset(preset_if_failed(stage))

    def _ask_branch(self) -> str | None:
        branch, ok = QInputDialog.getText(
            self, "Only on branch", "Run this stage only for runs of the branch:", text="main"
        )
        return branch if ok else None

    def _ask_stage(self, stages: list[str]) -> str | None:
        stage, ok = QInputDialog.getItem(
            self, "Only if a stage failed", "Run this stage only when this stage failed:",
            stages, 0, False,
        )
        return stage if ok else None

