"""Transient items over the graph: a refusal notice, the in-place name editor."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
)

from release_manager.ui.graph.style import GraphStyle


class NoticeItem(QGraphicsSimpleTextItem):
    """A message in a box at the place of a refused edit (the scene removes it soon)."""

    def __init__(self, text: str, style: GraphStyle) -> None:
        super().__init__(text)
        self._style = style
        self.setZValue(100)
        self.setBrush(QColor("white"))
        font = QFont(self.font())
        font.setPointSizeF(9)
        self.setFont(font)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-8, -5, 8, 5)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._style.error)
        painter.drawRoundedRect(self.boundingRect(), 5, 5)
        super().paint(painter, option, widget)


class NameEditor(QGraphicsTextItem):
    """Edits a stage name in place: Enter commits (the callback says whether the name was
    taken), Escape or clicking elsewhere cancels."""

    def __init__(
        self, text: str, style: GraphStyle, commit: Callable[[str], bool],
        cancel: Callable[[], None],
    ) -> None:
        super().__init__(text)
        self._style = style
        self._commit = commit
        self._cancel = cancel
        self._closing = False
        self.setDefaultTextColor(style.text)
        font = QFont(self.font())
        font.setPointSizeF(9.5)
        font.setBold(True)
        self.setFont(font)
        self.setZValue(50)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)

    def start(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = self.textCursor()
        cursor.select(cursor.SelectionType.Document)
        self.setTextCursor(cursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._commit(self.toPlainText().strip()):
                self._close()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self._close()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._close()

    def _close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._cancel()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(QPen(self._style.selection, 1.5))
        painter.setBrush(self._style.card)
        painter.drawRoundedRect(self.boundingRect(), 3, 3)
        super().paint(painter, option, widget)
