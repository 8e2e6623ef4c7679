"""Small building blocks of the inspector: collapsible sections, list editors, notes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #d13438;"
NOTE_STYLE = "color: palette(placeholder-text);"


class CollapsibleSection(QWidget):
    """A header button that shows or hides the frame under it."""

    def __init__(self, title: str, content: QWidget, expanded: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.header = QToolButton(self)
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setStyleSheet(
            "QToolButton { font-weight: 600; border: none; border-bottom: 1px solid palette(mid);"
            " padding: 4px 2px; text-align: left; }"
        )
        self.header.toggled.connect(self.set_expanded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(content)
        self.set_expanded(expanded)

    def set_expanded(self, expanded: bool) -> None:
        arrow = Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        self.header.setArrowType(arrow)
        if self.header.isChecked() != expanded:
            self.header.setChecked(expanded)
        self.content.setVisible(expanded)


def note(text: str = "", error: bool = False) -> QLabel:
    """A wrapped explanatory line under a field (grey), or a red refusal."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
    label.setVisible(bool(text))
    return label


def show_note(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class StringListEditor(QWidget):
    """A list of strings with a line to add one and a button to remove the selected one.
    `edited(list)` fires after each addition or removal. `refusal`, when given, says why
    a text cannot be added ("" when it can): the reason shows under the line, which keeps
    the text."""

    edited = Signal(list)

    def __init__(self, placeholder: str, parent: QWidget | None = None,
                 refusal: Callable[[str], str] | None = None) -> None:
        super().__init__(parent)
        self.refusal = refusal
        self.problem = note(error=True)
        self.list = QListWidget(self)
        fit_rows(self.list, 0, minimum=2)
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText(placeholder)
        # Tool buttons: compact, so the entry keeps its room in a narrow dock.
        self.add_button = QToolButton(self)
        self.add_button.setText("Add")
        self.remove_button = QToolButton(self)
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Remove the selected entry")
        self.remove_button.setEnabled(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        self.entry.returnPressed.connect(self._add)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.list.currentRowChanged.connect(
            lambda row: self.remove_button.setEnabled(row >= 0)
        )

    def values(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def set_values(self, values: list[str]) -> None:
        if values != self.values():
            self.list.clear()
            self.list.addItems(values)
            fit_rows(self.list, len(values), minimum=2, maximum=6)

    def _add(self) -> None:
        text = self.entry.text().strip()
        why = self.refusal(text) if self.refusal and text else ""
        show_note(self.problem, why)
        if why:
            return
        if text and text not in self.values():
            self.entry.clear()
            self.edited.emit(self.values() + [text])

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            values = self.values()
            del values[row]
            self.edited.emit(values)


class UndoPassThrough(QObject):
    """Lets Ctrl+Z / Ctrl+Shift+Z reach the window's undo of pipeline edits when a text
    field has no typing of its own to undo, so undo works wherever the cursor is."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if event.matches(QKeySequence.StandardKey.Undo):
            own = _undo_available(watched, redo=False)
        elif event.matches(QKeySequence.StandardKey.Redo):
            own = _undo_available(watched, redo=True)
        else:
            return False
        if own:
            return False
        event.ignore()  # not overridden: the shortcut of the window's action fires
        return True


def _undo_available(widget: QObject, redo: bool) -> bool:
    if isinstance(widget, QLineEdit):
        return widget.isRedoAvailable() if redo else widget.isUndoAvailable()
    if isinstance(widget, QPlainTextEdit):
        document = widget.document()
        return document.isRedoAvailable() if redo else document.isUndoAvailable()
    return True


def form_layout(parent: QWidget | None = None) -> QFormLayout:
    """A form whose labels move above their fields when the dock is narrow."""
    form = QFormLayout(parent)
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def compact(combo: QComboBox, characters: int = 12) -> QComboBox:
    """Let a combo with long items shrink with the dock instead of widening it."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def fit_rows(view: QAbstractItemView, rows: int, minimum: int = 1, maximum: int = 6) -> None:
    """Size a list or table to its rows (within bounds), so short lists take little room."""
    shown = max(minimum, min(rows, maximum))
    if isinstance(view, QTableView):
        row_height = view.verticalHeader().defaultSectionSize()
        extra = 0 if view.horizontalHeader().isHidden() else view.horizontalHeader().sizeHint(
        ).height()
    else:
        row_height = max(view.sizeHintForRow(0), view.fontMetrics().height() + 4)
        extra = 0
    view.setFixedHeight(shown * row_height + extra + 2 * view.frameWidth() + 2)


def patterns_line(values: list[str]) -> str:
    return ", ".join(values)


def parse_patterns(text: str) -> list[str]:
    """`main, release/*` → ["main", "release/*"]."""
    return [item.strip() for item in text.split(",") if item.strip()]


def set_line(edit: QLineEdit, text: str) -> None:
    """Show the model's value without moving the cursor when the text is already right."""
    if edit.text() != text:
        edit.setText(text)


def set_checked(box: QCheckBox, checked: bool) -> None:
    if box.isChecked() != checked:
        box.blockSignals(True)
        box.setChecked(checked)
        box.blockSignals(False)


def set_value(spin: QSpinBox, value: int) -> None:
    if spin.value() != value:
        spin.blockSignals(True)
        spin.setValue(value)
        spin.blockSignals(False)


def set_combo_data(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    if index != combo.currentIndex():
        combo.blockSignals(True)
        combo.setCurrentIndex(index)
        combo.blockSignals(False)
