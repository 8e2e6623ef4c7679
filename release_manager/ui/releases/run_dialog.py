"""The Run pipeline dialog: a branch and the run's variables, as Azure's run dialog asks;
a variable marked secret is typed and shown as dots, masked in every log and never
written to the store (the engine keeps it in the keyring for the run's later stages)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from release_manager.ui.releases.unsaved import SaveFirst, UnsavedEdits, warning_label

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
NAME, VALUE, SECRET = range(3)
HIDDEN = "\u2022" * 8
"""What a secret value's cell shows (its length is not told either)."""


def _is_secret(index: QModelIndex | QPersistentModelIndex) -> bool:
    secret = index.siblingAtColumn(SECRET).data(Qt.ItemDataRole.CheckStateRole)
    return secret == Qt.CheckState.Checked.value or secret == Qt.CheckState.Checked


class CommitOnEnter(QStyledItemDelegate):
    """Enter in a variable's cell commits the cell and stays there: it does not reach the
    dialog, whose default button would run the pipeline with the row half filled in."""

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in ENTER_KEYS:
            self.commitData.emit(editor)
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            return True
        return super().eventFilter(editor, event)


class VariableCells(CommitOnEnter):
    """A secret variable's value is typed into a password field and painted as dots."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = super().createEditor(parent, option, index)
        if index.column() == VALUE and _is_secret(index) and isinstance(editor, QLineEdit):
            editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.column() == VALUE and _is_secret(index) and option.text:  # type: ignore[attr-defined]
            option.text = HIDDEN  # type: ignore[attr-defined]


class RunPipelineDialog(QDialog):
    """Run is the default button; with `unsaved` edits in the window, a warning on top and
    the choice to save first or to run the saved version (Cancel is then the default)."""

    def __init__(self, branches: list[str], parent: QWidget | None = None,
                 unsaved: UnsavedEdits | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run pipeline")
        self.setObjectName("runPipelineDialog")
        self.setMinimumWidth(440)
        self.branch_combo = QComboBox()
        self.branch_combo.setEditable(True)
        self.branch_combo.addItems(branches)
        self.branch_combo.setToolTip("The branch to build (type another name if needed)")

        self.variables = QTableWidget(0, 3)
        self.variables.setHorizontalHeaderLabels(["Variable", "Value", "Secret"])
        header = self.variables.horizontalHeader()
        header.setSectionResizeMode(VALUE, header.ResizeMode.Stretch)
        header.setSectionResizeMode(SECRET, header.ResizeMode.ResizeToContents)
        self.variables.horizontalHeaderItem(SECRET).setToolTip(
            "A secret value is masked (***) in every log and never written to the release "
            "store; the run's later stages read it from the keyring")
        self.variables.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.variables.setItemDelegate(VariableCells(self.variables))
        self.add_button = QPushButton("Add variable")
        self.remove_button = QPushButton("Remove")
        for button in (self.add_button, self.remove_button):  # Enter never adds nor removes
            button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_variable("", ""))
        self.remove_button.clicked.connect(self._remove_selected)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c0392b;")

        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        form = QFormLayout()
        form.addRow("Branch:", self.branch_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if unsaved is not None:
            layout.addWidget(warning_label(unsaved, "The run"))
        layout.addLayout(form)
        layout.addWidget(QLabel("Variables of this run:"))
        layout.addWidget(self.variables)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        # A default button is the dialog's only once the button is inside the dialog.
        self.run_button.setDefault(True)
        self.save_first = None if unsaved is None else SaveFirst(
            self, buttons, self.run_button, "run", self._accept_if_valid)
        if unsaved is not None:
            self.run_button.setText("Run the saved version")

    def add_variable(self, name: str, value: str, secret: bool = False) -> None:
        row = self.variables.rowCount()
        self.variables.insertRow(row)
        self.variables.setItem(row, NAME, QTableWidgetItem(name))
        self.variables.setItem(row, VALUE, QTableWidgetItem(value))
        mark = QTableWidgetItem()
        mark.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                      | Qt.ItemFlag.ItemIsSelectable)
        mark.setCheckState(Qt.CheckState.Checked if secret else Qt.CheckState.Unchecked)
        mark.setToolTip("Secret: masked in every log, never written to the store")
        self.variables.setItem(row, SECRET, mark)
        if not name:
            self.variables.editItem(self.variables.item(row, 0))

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.variables.selectedIndexes()}, reverse=True):
            self.variables.removeRow(row)

    def branch(self) -> str | None:
        return self.branch_combo.currentText().strip() or None

    def variable_values(self) -> dict[str, str]:
        """The variables not marked secret."""
        return self._values(secret=False)

    def secret_values(self) -> dict[str, str]:
        """The variables marked secret."""
        return self._values(secret=True)

    def _values(self, secret: bool) -> dict[str, str]:
        values = {}
        for row in range(self.variables.rowCount()):
            name, value = (self.variables.item(row, c) for c in (NAME, VALUE))
            key = name.text().strip() if name else ""
            if key and _is_secret(self.variables.model().index(row, NAME)) == secret:
                values[key] = value.text() if value else ""
        return values

    def problem(self) -> str:
        """Why the dialog cannot run as filled in ("" when it can)."""
        names = [self.variables.item(r, 0).text().strip() if self.variables.item(r, 0)
                 else "" for r in range(self.variables.rowCount())]
        for row, name in enumerate(names):
            value = self.variables.item(row, 1)
            if not name and value is not None and value.text():
                return f"Row {row + 1} has a value but no variable name."
        duplicates = sorted({n for n in names if n and names.count(n) > 1})
        if duplicates:
            return f"Variable {duplicates[0]} is given twice."
        return ""

    def _accept_if_valid(self) -> None:
        problem = self.problem()
        self.message.setText(problem)
        if not problem:
            self.accept()
