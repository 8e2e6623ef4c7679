"""What the window shows for a file that does not load: each problem where it is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.pipeline_yaml import PipelineLoadError
from release_manager.core.regular_file import read_regular
from release_manager.core.yaml_guard import MAX_BYTES

CONTEXT_LINES = 2
"""Source lines shown above the offending one."""


def describe(line: int, column: int, message: str) -> str:
    return f"line {line}, column {column}: {message}" if line else message


def source_excerpt(text: str, line: int, column: int) -> str:
    """The lines up to `line` (1-based) with their numbers and a caret under `column`.
    Tabs show as `→`, one column wide, so the caret stays under the right character."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    first = max(1, line - CONTEXT_LINES)
    width = len(str(line))
    shown = [
        f"{number:>{width}} | {lines[number - 1].replace(chr(9), '→')}"
        for number in range(first, line + 1)
    ]
    shown.append(" " * width + " | " + " " * max(0, column - 1) + "^")
    return "\n".join(shown)


class LoadErrorView(QScrollArea):
    """A report of a `PipelineLoadError`, with a way out: open another file or reload."""

    openAnotherRequested = Signal()
    reloadRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadErrorView")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.path: Path | None = None
        self.open_button = QPushButton("Open another file…")
        self.open_button.clicked.connect(self.openAnotherRequested)
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(self.reloadRequested)
        self._content = QWidget()
        self.setWidget(self._content)

    def show_error(self, path: Path, error: PipelineLoadError) -> None:
        self.path = Path(path)
        try:  # a regular file only: the report of a named pipe must not wait on it
            text = read_regular(self.path, MAX_BYTES).decode("utf-8", errors="replace")
        except OSError:
            text = ""
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        layout.addLayout(self._heading(self.path, len(error.problems)))
        for problem in error.problems:
            layout.addWidget(self._problem(text, problem.line, problem.column, problem.message))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._content = content
        self.setWidget(content)  # the old content and its labels are deleted with it

    def problem_texts(self) -> list[str]:
        """The problems as shown, "line L, column C: message"."""
        return [label.text() for label in self._content.findChildren(QLabel, "problemText")]

    def _heading(self, path: Path, count: int) -> QHBoxLayout:
        row = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(40, 40)
        )
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        title = QLabel(f"{path.name} could not be opened")
        title.setObjectName("errorTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        words.addWidget(title)
        plural = "problem" if count == 1 else "problems"
        where = QLabel(
            f"{count} {plural} in {path}. Fix the file and reload, or open another one."
        )
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        words.addWidget(where)
        row.addLayout(words, 1)
        return row

    def _problem(self, text: str, line: int, column: int, message: str) -> QWidget:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(box)
        label = QLabel(describe(line, column, message))
        label.setObjectName("problemText")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        layout.addWidget(label)
        excerpt = source_excerpt(text, line, column)
        if excerpt:
            source = QLabel(excerpt)
            source.setObjectName("sourceExcerpt")
            source.setTextFormat(Qt.TextFormat.PlainText)
            source.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            source.setAutoFillBackground(True)
            source.setBackgroundRole(QPalette.ColorRole.Base)
            source.setMargin(8)
            layout.addWidget(source)
        return box
