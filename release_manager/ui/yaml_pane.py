"""The YAML pane: exactly what a save will write, with the edited lines marked."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPaintEvent, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from release_manager.ui.editor import PipelineEditor
from release_manager.ui.theme import is_dark
from release_manager.ui.yaml_highlighter import YamlHighlighter

REFRESH_DELAY_MS = 120
"""Edits in quick succession (typing a condition) refresh the pane once."""

_MARKER_WIDTH = 4


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
        self._highlighter = YamlHighlighter(self.document(), is_dark(self.palette()))
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
        text = document.dumps() if document is not None else ""
        self._changed = document.changed_lines() if document is not None else set()
        if text != self.toPlainText():
            scroll = self.verticalScrollBar().value()
            self.setPlainText(text)
            self.verticalScrollBar().setValue(scroll)
        self._mark_changed_lines()
        self._gutter.update()

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
