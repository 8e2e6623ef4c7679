"""The Problems panel: every diagnostic of the open pipeline, one row each.

Two sources feed it: the editor's model rules, re-run after each edit
(`diagnosticsChanged`) and placed in the text a save would write, and the full validation
(schema and all), which reads a fresh parse of that text on a pool thread, so the window
never waits for it. Both speak of the current text: the full results, once back, are the
whole answer (they include the model rules); until then the model rules stand in for
theirs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QTableView,
    QWidget,
)

from release_manager.core.pipeline_yaml import PipelineLoadError, loads
from release_manager.core.validation import Diagnostic, validate
from release_manager.error_messages import user_message
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.first_paint import once_on_screen
from release_manager.ui.workers import start_worker

FULL_VALIDATION_DELAY_MS = 400
"""After an edit, the full validation waits this long for the next edit before running."""

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_ICONS = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}
COLUMNS = ("", "Message", "Location", "Stage")

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def validate_text(text: str, path: str | None) -> list[Diagnostic]:
    """The full validation of `text` as the file at `path` (runs on a pool thread)."""
    try:
        document = loads(text, path)
    except PipelineLoadError as error:
        return load_error_diagnostics(error, str(path or ""))
    return validate(document)


def load_error_diagnostics(error: PipelineLoadError, file: str = "") -> list[Diagnostic]:
    return [Diagnostic("error", p.message, p.line, p.column, file=file) for p in error.problems]


def merge(full: list[Diagnostic], live: list[Diagnostic], full_is_current: bool
          ) -> list[Diagnostic]:
    """What the panel lists, errors first. The full validation runs the model rules too,
    so when it has read the current text it is the whole answer. While it runs again
    after an edit, the live model rules speak for the current text, and the last full run
    adds only what they do not check (schema, job and step conditions, load problems:
    the findings that name no stage) until its next result replaces them."""
    rows = list(full) if full_is_current else [
        *live, *(d for d in full if d.stage is None)
    ]
    return sorted(rows, key=lambda d: (_SEVERITY_RANK.get(d.severity, 3), d.line, d.column))


class ProblemsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Diagnostic] = []
        self.file_name = ""

    def set_diagnostics(self, rows: list[Diagnostic]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def diagnostics(self) -> list[Diagnostic]:
        return list(self._rows)

    def diagnostic(self, row: int) -> Diagnostic:
        return self._rows[row]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        d = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return ("", d.message, self.location(d), d.stage or "")[column]
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            pixmap = _ICONS.get(d.severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
            return QApplication.style().standardIcon(pixmap)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(d)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return d.severity
        return None

    def location(self, d: Diagnostic) -> str:
        name = Path(d.file).name if d.file else self.file_name
        return f"{name}:{d.line}:{d.column}" if d.line else name


class ProblemsPanel(QTableView):
    """Click a row: the stage is selected (the inspector focuses the field) and
    `lineRequested` asks the YAML pane to show the line."""

    lineRequested = Signal(int)
    problemsChanged = Signal(list)
    fullValidationFinished = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self._model = ProblemsModel(self)
        self.setModel(self._model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 28)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.clicked.connect(self._open_row)
        self.activated.connect(self._open_row)
        self._editor: PipelineEditor | None = None
        self._live: list[Diagnostic] = []
        self._full: list[Diagnostic] = []
        self._generation = 0
        self._done_generation = 0
        self._full_failed = False
        self._timer = QTimer(self, singleShot=True, interval=FULL_VALIDATION_DELAY_MS)
        self._timer.timeout.connect(self.run_full_validation)

    def set_editor(self, editor: PipelineEditor | None) -> None:
        """Follow `editor` (None: nothing open) and validate it in full."""
        if self._editor is not None:
            self._editor.diagnosticsChanged.disconnect(self._on_live)
            self._editor.changed.disconnect(self._schedule_full_validation)
            self._editor.saveSettled.disconnect(self.run_full_validation)
        self._editor = editor
        self._full = []
        self._live = editor.diagnostics() if editor is not None else []
        path = editor.document.path if editor is not None else None
        self._model.file_name = Path(path).name if path else ""
        if editor is not None:
            editor.diagnosticsChanged.connect(self._on_live)
            editor.changed.connect(self._schedule_full_validation)
            editor.saveSettled.connect(self.run_full_validation)
            self._generation += 1  # due from now: is_validating() until its result is back
            due = self._generation
            once_on_screen(self, lambda: self._validate_if_current(due))
        else:
            self._generation += 1
            self._done_generation = self._generation
        self._show()

    def show_load_error(self, path: Path, error: PipelineLoadError) -> None:
        """List the problems of a file that did not load (there is no editor to follow)."""
        self.set_editor(None)
        self._model.file_name = Path(path).name
        self._full = load_error_diagnostics(error, str(path))
        self._show()

    def diagnostics(self) -> list[Diagnostic]:
        """What the table shows, top to bottom."""
        return self._model.diagnostics()

    def is_validating(self) -> bool:
        """True while a full validation is due or running (after a save, it is due)."""
        settling = self._editor is not None and self._editor.is_settling()
        return settling or self._timer.isActive() or self._done_generation != self._generation

    def run_full_validation(self) -> None:
        """Validate the text a save would write, on a pool thread; stale results are dropped."""
        self._timer.stop()
        if self._editor is None:
            return
        self._generation += 1
        generation = self._generation
        document = self._editor.document
        text, path = document.dumps(), document.path
        base = document.base if text == document.text else None
        encoding = document.encoding

        def work() -> tuple[int, list[Diagnostic]]:
            if base is not None:  # as read or saved: its tree is read, not parsed again
                return generation, validate(base.document(path, encoding))
            return generation, validate_text(text, str(path) if path else None)

        # Bound methods, not lambdas: Qt drops the delivery if this panel is gone by then.
        start_worker(work, self._on_full, self._on_full_failed)

    def _validate_if_current(self, generation: int) -> None:
        """The full validation of an editor just followed (its worker loads the schema),
        unless an edit or another editor came since."""
        if generation == self._generation:
            self.run_full_validation()

    def _schedule_full_validation(self) -> None:
        self._timer.start()

    def _on_live(self, diagnostics: list[Diagnostic]) -> None:
        """The model changed: the live findings are of the new text, and a full validation
        still running reads the text before the edit, so its result is dropped."""
        self._live = list(diagnostics)
        self._generation += 1
        self._schedule_full_validation()
        self._show()

    def _on_full_failed(self, error: BaseException) -> None:
        failure = Diagnostic("error", f"the full validation failed: {user_message(error)}",
                             0, 0)
        self._take_full(self._generation, [failure], failed=True)

    def _on_full(self, result: tuple[int, list[Diagnostic]]) -> None:
        generation, diagnostics = result
        self._take_full(generation, diagnostics, failed=False)

    def _take_full(self, generation: int, diagnostics: list[Diagnostic], failed: bool) -> None:
        if generation != self._generation:
            return
        self._done_generation = generation
        self._full = list(diagnostics)
        self._full_failed = failed
        self._show()
        self.viewport().update()
        self.fullValidationFinished.emit(self.diagnostics())

    def _show(self) -> None:
        current = not self.is_validating() and not self._full_failed
        self._model.set_diagnostics(merge(self._full, self._live, current))
        self.problemsChanged.emit(self.diagnostics())

    def empty_text(self) -> str:
        """What the empty table says."""
        if self._editor is None:
            return ""
        return "Checking the pipeline…" if self.is_validating() else "No problems found."

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._model.rowCount() == 0 and (text := self.empty_text()):
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()

    def _open_row(self, index: QModelIndex) -> None:
        d = self._model.diagnostic(index.row())
        if self._editor is not None and d.stage:
            self._editor.select([d.stage], d.field or "")
        if d.line:
            self.lineRequested.emit(d.line)
