"""The Run pipeline dialog from the keyboard: Enter in a variable's cell commits the cell,
Enter elsewhere runs; no Enter adds or removes a row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem

from release_manager.ui.releases.run_dialog import RunPipelineDialog


def shown(qtbot) -> RunPipelineDialog:
    dialog = RunPipelineDialog(["release", "main"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def cell_editor(qtbot) -> QLineEdit:
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    return QApplication.focusWidget()


def test_enter_in_a_cell_commits_it_and_adds_no_row(qtbot) -> None:
    dialog = shown(qtbot)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = cell_editor(qtbot)
    qtbot.keyClicks(editor, "greeting")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.variables.item(0, 0).text() == "greeting")
    assert dialog.isVisible() and dialog.result() == 0  # the cell only
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.variables)

    dialog.variables.setCurrentCell(0, 1)
    qtbot.keyClick(dialog.variables, Qt.Key.Key_F2)
    editor = cell_editor(qtbot)
    qtbot.keyClicks(editor, "hello")
    qtbot.keyClick(editor, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: dialog.variables.item(0, 1).text() == "hello")
    assert dialog.variables.rowCount() == 1 and dialog.isVisible()

    with qtbot.waitSignal(dialog.accepted):  # Enter outside a cell: Run, the default
        qtbot.keyClick(dialog.variables, Qt.Key.Key_Return)
    assert dialog.variables.rowCount() == 1
    assert dialog.variable_values() == {"greeting": "hello"}


def test_enter_after_remove_removes_nothing_more(qtbot) -> None:
    dialog = shown(qtbot)
    for name in ("one", "two"):
        dialog.add_variable(name, "1")
    dialog.variables.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.variables.rowCount() == 1
    assert dialog.run_button.isDefault() and not dialog.remove_button.isDefault()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.remove_button, Qt.Key.Key_Return)
    assert dialog.variable_values() == {"two": "1"}


def test_a_variable_marked_secret_is_typed_and_shown_as_dots(qtbot) -> None:
    dialog = shown(qtbot)
    dialog.add_variable("greeting", "hello")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = cell_editor(qtbot)
    qtbot.keyClicks(editor, "DEPLOY_KEY")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.variables)
    dialog.variables.setCurrentCell(1, 2)
    qtbot.keyClick(dialog.variables, Qt.Key.Key_Space)  # tick "Secret"
    qtbot.waitUntil(lambda: dialog.variables.item(1, 2).checkState() == Qt.CheckState.Checked)

    dialog.variables.setCurrentCell(1, 1)
    qtbot.keyClick(dialog.variables, Qt.Key.Key_F2)
    editor = cell_editor(qtbot)
    assert editor.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(editor, "k3y/va+lue")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.variables.item(1, 1).text() == "k3y/va+lue")

    delegate = dialog.variables.itemDelegate()
    shown_text = [delegate_text(delegate, dialog.variables, row) for row in (0, 1)]
    assert shown_text == ["hello", "\u2022" * 8]
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.variables, Qt.Key.Key_Return)
    assert dialog.variable_values() == {"greeting": "hello"}
    assert dialog.secret_values() == {"DEPLOY_KEY": "k3y/va+lue"}


def delegate_text(delegate, table, row: int) -> str:
    """The text the value cell of `row` is painted with."""
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, table.model().index(row, 1))
    return option.text
