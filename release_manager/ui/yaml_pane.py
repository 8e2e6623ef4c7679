"""The YAML pane: exactly what a save will write, with the edited lines marked."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPaintEvent, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from release_manager.ui.editor import PipelineEditor
from release_manager.ui.theme import is_dark
from release_manager.ui.yaml_highlighter import YamlHighlighter

REFRESH_DELAY_MS = 120
"""Edits in quick succession (typing a condition) refresh the pane once."""

_MARKER_WIDTH = 4
_LINE_BREAK = re.compile("\r\n|[\n\r\u2029]")
"""Where Qt's text cursor starts a new block."""


def _blocks(text: str) -> list[str]:
    """The lines of `text` as the pane's blocks hold them."""
    if "\r" in text or "\u2029" in text:
        return _LINE_BREAK.split(text)
    return text.split("\n")  # the usual case, some 30 times faster


class _Gutter(QWidget):
    """Line numbers, with a coloured bar beside each edited line."""

    def __init__(self, pane: YamlPane) -> None:
        super().__init__(pane)
        self._pane = pane

    def sizeHint(self) -> QSize:
        return QSize(self._pane.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._pane.paint_gutter(self, event)


class YamlPane(QPlainTextEdit):
    """Read-only, monospace, refreshed shortly after each change of the editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("yamlPane")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("The pipeline's YAML appears here when a file is open.")
        self._editor: PipelineEditor | None = None
        self._changed: set[int] = set()
        self.document().setUndoRedoEnabled(False)  # read-only: its text is replaced, never typed
        self._lines: list[str] = [""]
        """The lines shown, as the document's blocks hold them."""
        self._highlighter = YamlHighlighter(self, is_dark(self.palette()))
        self._gutter = _Gutter(self)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    # ----------------------------------------------------------------- content

    def set_editor(self, editor: PipelineEditor | None) -> None:
        if self._editor is not None:
            self._editor.changed.disconnect(self._schedule_refresh)
            self._editor.saveSettled.disconnect(self._schedule_refresh)
        self._editor = editor
        if editor is not None:
            editor.changed.connect(self._schedule_refresh)
            editor.saveSettled.connect(self._schedule_refresh)
        self.refresh()

    def _schedule_refresh(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Show `document.dumps()` now, keeping the scroll position."""
        self._timer.stop()
        document = self._editor.document if self._editor is not None else None
        edited = document.edited() if document is not None else None
        self._changed = edited.changed_lines() if edited is not None else set()
        lines = _blocks(edited.text if edited is not None else "")
        if lines != self._lines:  # (a save, an edit of the environments only: none)
            scroll = self.verticalScrollBar().value()
            self._replace_lines(lines)
            self.verticalScrollBar().setValue(scroll)
        self._mark_changed_lines()
        self._gutter.update()

    def setPlainText(self, text: str) -> None:
        super().setPlainText(text)
        self._lines = _blocks(text)

    def _replace_lines(self, lines: list[str]) -> None:
        """Show `lines`, replacing only the blocks between the first and the last line that
        differ (an edit changes a few lines: setting the whole text again would lay out
        and colour all of them)."""
        old = self._lines
        if lines == old:
            return
        self._lines = lines
        same = min(len(old), len(lines))
        head = next((i for i in range(same) if old[i] != lines[i]), same)
        tail = next((i for i in range(same - head) if old[-1 - i] != lines[-1 - i]),
                    same - head)
        document = self.document()
        start = document.findBlockByNumber(head)
        end = document.findBlockByNumber(len(old) - tail - 1)
        cursor = QTextCursor(document)
        # The old lines head..-tail (with the line break after them, when tail lines
        # follow) become the new ones; a line break before them when nothing follows.
        new = lines[head:len(lines) - tail]
        if head < len(old) - tail:  # lines to replace
            cursor.setPosition(start.position())
            cursor.setPosition(end.position() + end.length() - 1, QTextCursor.MoveMode.KeepAnchor)
            if not new:  # removed: take a line break with them
                if tail:
                    cursor.setPosition(end.next().position(), QTextCursor.MoveMode.KeepAnchor)
                else:
                    cursor.setPosition(start.previous().position() + start.previous().length() - 1)
                    cursor.setPosition(end.position() + end.length() - 1,
                                       QTextCursor.MoveMode.KeepAnchor)
            inserted = "\n".join(new)
        elif tail:  # lines added before line `head`
            cursor.setPosition(start.position())
            inserted = "\n".join(new) + "\n"
        else:  # lines added at the end
            cursor.movePosition(QTextCursor.MoveOperation.End)
            inserted = "\n" + "\n".join(new)
        cursor.beginEditBlock()
        cursor.insertText(inserted)
        cursor.endEditBlock()
        # The new lines and one on either side: which block keeps its old state where
        # blocks are split or joined is Qt's business.
        self._highlighter.forget(max(0, head - 1), len(new) + 2)

    def changed_lines(self) -> set[int]:
        """1-based numbers of the lines shown as edited."""
        return set(self._changed)

    def show_line(self, line: int) -> None:
        """Put the cursor on `line` (1-based) and scroll it into the middle of the view."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        if not block.isValid():
            return
        self.setTextCursor(QTextCursor(block))
        self.centerCursor()

    def current_line(self) -> int:
        return self.textCursor().blockNumber() + 1

    def _mark_changed_lines(self) -> None:
        color = self._changed_color()
        selections = []
        for line in sorted(self._changed):
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(color)
            selection.format.setProperty(
                selection.format.Property.FullWidthSelection, True
            )
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)

    def _changed_color(self) -> QColor:
        return QColor(74, 64, 24) if is_dark(self.palette()) else QColor(255, 243, 196)

    # ----------------------------------------------------------------- gutter

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return _MARKER_WIDTH + 8 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.window())
        marker = QColor(226, 164, 0)
        number_color = palette.placeholderText().color()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = block.blockNumber() + 1
                if number in self._changed:
                    painter.fillRect(0, top, _MARKER_WIDTH, bottom - top, marker)
                painter.setPen(number_color)
                painter.drawText(
                    0, top, gutter.width() - 4, height,
                    Qt.AlignmentFlag.AlignRight, str(number),
                )
            block = block.next()
            top = bottom
        painter.end()

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        self._highlighter.colour_visible()
        super().paintEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        contents = self.contentsRect()
        self._gutter.setGeometry(
            QRect(contents.left(), contents.top(), self.gutter_width(), contents.height())
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._highlighter.set_dark(is_dark(self.palette()))
            self._mark_changed_lines()
