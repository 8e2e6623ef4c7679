"""Two versions of a file side by side in one view: a unified diff, and the choices about
them ("Overwrite with Mine", "Reload Theirs", …)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ADDED = QColor("#1a7f37")
REMOVED = QColor("#cf222e")
HUNK = QColor("#8250df")


class DiffHighlighter(QSyntaxHighlighter):
    """Added lines green, removed lines red, hunk headers violet."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats = {}
        for mark, color in (("+", ADDED), ("-", REMOVED), ("@", HUNK)):
            text_format = QTextCharFormat()
            text_format.setForeground(color)
            self._formats[mark] = text_format

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            return
        text_format = self._formats.get(text[:1])
        if text_format is not None:
            self.setFormat(0, len(text), text_format)


class DiffDialog(QDialog):
    """`message` above the diff; a button per choice. `exec()` returns the index of the
    choice clicked in `choices`, or -1 when the dialog was closed another way."""

    def __init__(self, title: str, message: str, diff: str, choices: list[str],
                 parent: QWidget | None = None, default: int = -1) -> None:
        super().__init__(parent)
        self.setObjectName("diffDialog")
        self.setWindowTitle(title)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlainText(diff or "(no differences)")
        self._highlighter = DiffHighlighter(self.view.document())
        box = QDialogButtonBox()
        self.buttons: dict[str, QPushButton] = {}
        for index, label in enumerate(choices):
            button = box.addButton(label, QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(index == default)
            button.setDefault(index == default)
            button.clicked.connect(lambda _=False, chosen=index: self.done(chosen))
            self.buttons[label.replace("&", "")] = button
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addWidget(box)
        self.resize(820, 560)

    def reject(self) -> None:
        self.done(-1)
