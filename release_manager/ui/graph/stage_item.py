"""A stage's card in the graph: title, name, environment chips, badges, an output port
and a footer row for the release status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from release_manager.ui.graph.card import Badge, StageCard
from release_manager.ui.graph.style import (
    ACCENT_WIDTH,
    CARD_HEIGHT,
    CARD_RADIUS,
    CARD_WIDTH,
    FOOTER_HEIGHT,
    PORT_RADIUS,
    GraphStyle,
)

if TYPE_CHECKING:
    from release_manager.ui.graph.edge_item import EdgeItem

PADDING = 10.0
BADGE_SIZE = 18.0
RELEASE_STATES = ("succeeded", "failed", "running", "waiting", "")


class PortItem(QGraphicsItem):
    """The output port on a card's right edge: dragging from it draws a new dependency."""

    def __init__(self, parent: StageItem) -> None:
        super().__init__(parent)
        self.stage_item = parent
        self.setPos(CARD_WIDTH, CARD_HEIGHT / 2 - FOOTER_HEIGHT / 2)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to another stage to make it depend on this one")
        self._hovered = False

    def boundingRect(self) -> QRectF:
        r = PORT_RADIUS + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        style = self.stage_item.graph_style
        radius = PORT_RADIUS + (2 if self._hovered else 0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.edge, 1.5))
        painter.setBrush(style.selection if self._hovered else style.card)
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()


class BadgeItem(QGraphicsItem):
    """A small mark at the card's top right, with its explanation as tooltip."""

    def __init__(self, parent: StageItem, badge: Badge) -> None:
        super().__init__(parent)
        self.badge = badge
        self.setToolTip(badge.tooltip)
        self._width = BADGE_SIZE + (7.0 * len(badge.text) if badge.kind == "approvals" else 0)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._width, BADGE_SIZE)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        style: GraphStyle = self.parentItem().graph_style  # type: ignore[union-attr]
        kind = self.badge.kind
        colour = {
            "condition": style.condition,
            "default-condition": style.subtle_text,
            "error": style.error,
            "warning": style.warning,
        }.get(kind, style.subtle_text)
        rect = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        filled = kind in ("condition", "error", "warning")
        painter.setPen(QPen(colour, 1.2))
        painter.setBrush(colour if filled else Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 4, 4)
        ink = QColor("white") if filled else colour
        painter.setPen(QPen(ink, 1.4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        centre = QPointF(BADGE_SIZE / 2, BADGE_SIZE / 2)
        if kind == "schedule":  # a clock
            painter.drawEllipse(centre, 5.5, 5.5)
            painter.drawLine(centre, centre + QPointF(0, -3.5))
            painter.drawLine(centre, centre + QPointF(2.8, 1.2))
            return
        if kind == "approvals":  # a person and the count
            painter.drawEllipse(QPointF(7, 6), 2.6, 2.6)
            body = QPainterPath(QPointF(2.5, 15))
            body.cubicTo(QPointF(2.5, 9), QPointF(11.5, 9), QPointF(11.5, 15))
            painter.drawPath(body)
            font = QFont(painter.font())
            font.setPointSizeF(8)
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(12, 0, self._width - 13, BADGE_SIZE),
                             Qt.AlignmentFlag.AlignCenter, self.badge.text)
            return
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        font.setBold(True)
        font.setItalic(kind in ("condition", "default-condition"))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.badge.text)


class StageItem(QGraphicsItem):
    """One stage. The scene owns it and feeds it a `StageCard` whenever the stage changes."""

    def __init__(self, card: StageCard, graph_style: GraphStyle) -> None:
        super().__init__()
        self.graph_style = graph_style
        self.card = card
        self.edges: list[EdgeItem] = []
        self.release_text = ""
        self.release_state = ""
        self.badge_items: list[BadgeItem] = []
        self.port: PortItem | None = None
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.set_card(card)

    # ----------------------------------------------------------------- content

    @property
    def name(self) -> str:
        return self.card.name

    def set_card(self, card: StageCard) -> None:
        self.card = card
        self.setToolTip(card.tooltip)
        if card.editable and self.port is None:
            self.port = PortItem(self)
        elif not card.editable and self.port is not None:
            self.port.setParentItem(None)
            self.port = None
        for item in self.badge_items:
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.badge_items = [BadgeItem(self, badge) for badge in card.badges]
        x = CARD_WIDTH - PADDING + 2
        for item in reversed(self.badge_items):
            x -= item.boundingRect().width()
            item.setPos(x, 7)
            x -= 3
        self.update()

    def set_release_status(self, text: str, state: str) -> None:
        """Show the currently deployed build / last deployment in the footer row; `state`
        (succeeded, failed, running, waiting or "") colours the accent and the dot."""
        if state not in RELEASE_STATES:
            raise ValueError(f"unknown release state {state!r}")
        self.release_text = text
        self.release_state = state
        self.update()

    def set_graph_style(self, graph_style: GraphStyle) -> None:
        self.graph_style = graph_style
        self.update()

    # ----------------------------------------------------------------- geometry

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_RADIUS - 2, -2, CARD_WIDTH + 2 * PORT_RADIUS + 4, CARD_HEIGHT + 5)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), CARD_RADIUS, CARD_RADIUS)
        return path

    @staticmethod
    def card_rect() -> QRectF:
        return QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)

    def output_point(self) -> QPointF:
        return self.pos() + QPointF(CARD_WIDTH, CARD_HEIGHT / 2 - FOOTER_HEIGHT / 2)

    def input_point(self) -> QPointF:
        return self.pos() + QPointF(0, CARD_HEIGHT / 2 - FOOTER_HEIGHT / 2)

    def title_rect(self) -> QRectF:
        return QRectF(ACCENT_WIDTH + PADDING, 6, CARD_WIDTH - 2 * PADDING - ACCENT_WIDTH, 22)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)

    # ----------------------------------------------------------------- painting

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.graph_style
        card = self.card
        rect = self.card_rect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        # Shadow, card, accent.
        shadow = QColor(0, 0, 0, 70 if style.dark else 28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawRoundedRect(rect.translated(0, 2), CARD_RADIUS, CARD_RADIUS)
        selected = self.isSelected()
        border = QPen(style.selection if selected else style.card_border, 2 if selected else 1)
        if not card.editable:
            border.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(border)
        painter.setBrush(style.card if card.editable else _transparent(style.card, 0.6))
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), CARD_RADIUS, CARD_RADIUS)
        accent = QPainterPath()
        accent.addRoundedRect(QRectF(1, 1, ACCENT_WIDTH + CARD_RADIUS, CARD_HEIGHT - 2),
                              CARD_RADIUS - 1, CARD_RADIUS - 1)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, ACCENT_WIDTH + 1, CARD_HEIGHT))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.state_colour(self.release_state))
        painter.drawPath(accent.intersected(clip))

        # Input port: a notch on the left edge where arrows arrive.
        if card.editable:
            painter.setPen(QPen(style.edge, 1.2))
            painter.setBrush(style.card)
            painter.drawEllipse(self.input_point() - self.pos(), 3.5, 3.5)

        # Title and subtitle.
        left = ACCENT_WIDTH + PADDING
        badges_width = sum(item.boundingRect().width() + 3 for item in self.badge_items)
        title_font = QFont(painter.font())
        title_font.setPointSizeF(9.5)
        title_font.setBold(True)
        title_font.setItalic(not card.editable)
        painter.setFont(title_font)
        painter.setPen(style.text)
        title_width = CARD_WIDTH - left - PADDING - badges_width - 4
        metrics = QFontMetricsF(title_font)
        painter.drawText(QRectF(left, 6, title_width, 22), _LEFT,
                         metrics.elidedText(card.title, Qt.TextElideMode.ElideRight, title_width))
        small = QFont(painter.font())
        small.setPointSizeF(8)
        small.setBold(False)
        small.setItalic(False)
        painter.setFont(small)
        painter.setPen(style.subtle_text)
        small_metrics = QFontMetricsF(small)
        width = CARD_WIDTH - left - PADDING
        subtitle = small_metrics.elidedText(card.subtitle, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRectF(left, 27, width, 16), _LEFT, subtitle)

        # Environment chips.
        x = left
        for environment in card.environments:
            label_width = min(small_metrics.horizontalAdvance(environment), CARD_WIDTH - x - 32)
            if label_width < 20:
                break
            chip = QRectF(x, 49, label_width + 24, 19)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.chip)
            painter.drawRoundedRect(chip, 9.5, 9.5)
            _draw_server_icon(painter, QPointF(chip.left() + 10, chip.center().y()), style.text)
            painter.setPen(style.text)
            painter.drawText(QRectF(chip.left() + 18, chip.top(), label_width, chip.height()),
                             _LEFT, small_metrics.elidedText(
                                 environment, Qt.TextElideMode.ElideRight, label_width))
            x = chip.right() + 5

        # Footer: the release status (blank until a release is known).
        footer_top = CARD_HEIGHT - FOOTER_HEIGHT
        separator = QColor(style.text)
        separator.setAlphaF(0.12)
        painter.setPen(QPen(separator, 1))
        painter.drawLine(QPointF(ACCENT_WIDTH + 1, footer_top), QPointF(CARD_WIDTH - 1, footer_top))
        if self.release_text or self.release_state:
            dot = QPointF(left + 4, footer_top + FOOTER_HEIGHT / 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.state_colour(self.release_state))
            painter.drawEllipse(dot, 4, 4)
            painter.setPen(style.text)
            painter.setFont(small)
            text_width = width - 14
            painter.drawText(QRectF(left + 14, footer_top, text_width, FOOTER_HEIGHT), _LEFT,
                             small_metrics.elidedText(
                                 self.release_text, Qt.TextElideMode.ElideRight, text_width))


_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _transparent(colour: QColor, alpha: float) -> QColor:
    faded = QColor(colour)
    faded.setAlphaF(alpha)
    return faded


def _draw_server_icon(painter: QPainter, centre: QPointF, colour: QColor) -> None:
    """Two stacked rounded boxes, the usual picture of an environment/server."""
    painter.setPen(QPen(colour, 1.1))
    painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
    for dy in (-3.2, 1.2):
        painter.drawRoundedRect(QRectF(centre.x() - 4.5, centre.y() + dy, 9, 3.8), 1, 1)
