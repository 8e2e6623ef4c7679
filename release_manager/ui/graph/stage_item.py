"""A stage's card in the graph: title, name, environment chips, badges, an output port
and a footer row for the release status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from release_manager.core.stage_card import Badge, StageCard
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
BADGE_TOP = 26.0
"""Badges sit on the subtitle's row, so the title has the card's full width."""
STATE_WORDS = {"succeeded": "✓ succeeded", "failed": "✗ failed", "running": "● running",
               "waiting": "◷ waiting"}
RELEASE_STATES = ("succeeded", "failed", "running", "waiting", "")
FAR_AWAY = 0.3
"""Below this zoom, cards are drawn without text."""
PORT_Y = CARD_HEIGHT / 2 - FOOTER_HEIGHT / 2
"""Both ports sit at this height, halfway down the card above its footer."""
PORT_HIT_RADIUS = PORT_RADIUS + 3
"""A little more than the drawn port, so it is easy to grab."""
BOUNDS = QRectF(-PORT_HIT_RADIUS - 1, -2, CARD_WIDTH + 2 * PORT_HIT_RADIUS + 2,
               CARD_HEIGHT + 5)
"""A card's bounding rectangle, its ports included, at its position."""


def _paint_badge(painter: QPainter, rect: QRectF, badge: Badge, style: GraphStyle) -> None:
    """A small mark at the right of the subtitle's row; its explanation is the tooltip over it."""
    kind = badge.kind
    colour = {
        "condition": style.condition,
        "default-condition": style.subtle_text,
        "error": style.error,
        "warning": style.warning,
    }.get(kind, style.subtle_text)
    box = rect.adjusted(0.5, 0.5, -0.5, -0.5)
    filled = kind in ("condition", "error", "warning")
    painter.setPen(QPen(colour, 1.2))
    painter.setBrush(colour if filled else Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(box, 4, 4)
    ink = QColor("white") if filled else colour
    painter.setPen(QPen(ink, 1.4))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    centre = rect.topLeft() + QPointF(BADGE_SIZE / 2, BADGE_SIZE / 2)
    if kind == "schedule":  # a clock
        painter.drawEllipse(centre, 5.5, 5.5)
        painter.drawLine(centre, centre + QPointF(0, -3.5))
        painter.drawLine(centre, centre + QPointF(2.8, 1.2))
        return
    font = QFont(painter.font())
    font.setPointSizeF(8 if kind == "approvals" else 7.5)
    font.setBold(True)
    font.setItalic(kind in ("condition", "default-condition"))
    painter.setFont(font)
    if kind == "approvals":  # a person and the count
        left = rect.left()
        painter.drawEllipse(QPointF(left + 7, rect.top() + 6), 2.6, 2.6)
        body = QPainterPath(QPointF(left + 2.5, rect.top() + 15))
        body.cubicTo(QPointF(left + 2.5, rect.top() + 9), QPointF(left + 11.5, rect.top() + 9),
                     QPointF(left + 11.5, rect.top() + 15))
        painter.drawPath(body)
        painter.drawText(QRectF(left + 12, rect.top(), rect.width() - 13, BADGE_SIZE),
                         Qt.AlignmentFlag.AlignCenter, badge.text)
        return
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge.text)


class StageItem(QGraphicsItem):
    """One stage. The scene owns it and feeds it a `StageCard` whenever the stage changes."""

    def __init__(self, card: StageCard, graph_style: GraphStyle) -> None:
        super().__init__()
        self.graph_style = graph_style
        self.card = card
        self.edges: list[EdgeItem] = []
        self.release_text = ""
        self.release_state = ""
        self.badge_rects: list[tuple[QRectF, Badge]] = []
        self._port_hovered = False
        self.edges_follow = True
        """False while the scene places many stages at once and redraws the arrows after."""
        self.drop_hint = False
        """True while a new dependency is being dragged over this stage."""
        self._shape = QPainterPath()
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
        self._shape = self._make_shape()
        self.setToolTip(card.tooltip)
        self.badge_rects = []
        x = CARD_WIDTH - PADDING + 2
        for badge in reversed(card.badges):
            width = BADGE_SIZE + (7.0 * len(badge.text) if badge.kind == "approvals" else 0)
            x -= width
            self.badge_rects.insert(0, (QRectF(x, BADGE_TOP, width, BADGE_SIZE), badge))
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

    def set_drop_hint(self, on: bool) -> None:
        if on != self.drop_hint:
            self.drop_hint = on
            self.update()

    def set_graph_style(self, graph_style: GraphStyle) -> None:
        self.graph_style = graph_style
        self.update()

    # ----------------------------------------------------------------- geometry

    def boundingRect(self) -> QRectF:
        return QRectF(BOUNDS)

    def shape(self) -> QPainterPath:
        return self._shape

    def _make_shape(self) -> QPainterPath:
        """The card and, on an editable stage, both ports whole. United, not added: an
        added circle makes an odd-even path, which cuts out where it overlaps the card,
        so the inner half of a port was no part of the stage (a press there moved the
        card instead of starting a dependency)."""
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), CARD_RADIUS, CARD_RADIUS)
        if self.card.editable:
            ports = QPainterPath()
            for centre in (self._output_centre(), self._input_centre()):
                ports.addEllipse(centre, PORT_HIT_RADIUS, PORT_HIT_RADIUS)
            path = path.united(ports)
        return path

    @staticmethod
    def _output_centre() -> QPointF:
        return QPointF(CARD_WIDTH, PORT_Y)

    @staticmethod
    def _input_centre() -> QPointF:
        return QPointF(0, PORT_Y)

    def _on_port(self, point: QPointF) -> bool:
        """`point` (item coordinates) is within the output port's circle."""
        delta = point - self._output_centre()
        return self.has_port() and QPointF.dotProduct(delta, delta) <= PORT_HIT_RADIUS ** 2

    def has_port(self) -> bool:
        """Editable stages have an output port: dragging from it draws a dependency."""
        return self.card.editable

    def port_point(self) -> QPointF:
        """The centre of the output port, in scene coordinates."""
        return self.output_point()

    def is_on_port(self, scene_point: QPointF) -> bool:
        return self._on_port(self.mapFromScene(scene_point))

    def hoverMoveEvent(self, event) -> None:
        """The tooltip explains what is under the mouse: a badge, the port or the card."""
        point = event.pos()
        on_port = self._on_port(point)
        if on_port != self._port_hovered:
            self._port_hovered = on_port
            self.setCursor(Qt.CursorShape.CrossCursor if on_port else Qt.CursorShape.ArrowCursor)
            self.update()
        tooltip = self.card.tooltip
        if on_port:
            tooltip = "Drag to another stage to make it depend on this one"
        for rect, badge in self.badge_rects:
            if rect.contains(point):
                tooltip = badge.tooltip
        if tooltip != self.toolTip():
            self.setToolTip(tooltip)
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        if self._port_hovered:
            self._port_hovered = False
            self.unsetCursor()
            self.update()
        super().hoverLeaveEvent(event)

    @staticmethod
    def card_rect() -> QRectF:
        return QRectF(0, 0, CARD_WIDTH, CARD_HEIGHT)

    def output_point(self) -> QPointF:
        return self.pos() + self._output_centre()

    def input_point(self) -> QPointF:
        return self.pos() + self._input_centre()

    def title_rect(self) -> QRectF:
        return QRectF(ACCENT_WIDTH + PADDING, 6, CARD_WIDTH - 2 * PADDING - ACCENT_WIDTH, 22)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.edges_follow:
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
        if option.levelOfDetailFromTransform(painter.worldTransform()) < FAR_AWAY:
            self._paint_far(painter, style)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        # Shadow, card, accent.
        shadow = QColor(0, 0, 0, 70 if style.dark else 28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawRoundedRect(rect.translated(0, 2), CARD_RADIUS, CARD_RADIUS)
        selected = self.isSelected() or self.drop_hint
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
        title_font = QFont(painter.font())
        title_font.setPointSizeF(9.5)
        title_font.setBold(True)
        title_font.setItalic(not card.editable)
        painter.setFont(title_font)
        painter.setPen(style.text)
        title_width = CARD_WIDTH - left - PADDING
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
        badges_width = sum(rect.width() + 3 for rect, _ in self.badge_rects)
        subtitle_width = width - badges_width - 4
        subtitle = small_metrics.elidedText(card.subtitle, Qt.TextElideMode.ElideRight,
                                            subtitle_width)
        painter.drawText(QRectF(left, 27, subtitle_width, 16), _LEFT, subtitle)

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

        # Badges and the output port.
        for badge_rect, badge in self.badge_rects:
            _paint_badge(painter, badge_rect, badge, style)
        if card.editable:
            radius = PORT_RADIUS + (2 if self._port_hovered else 0)
            painter.setPen(QPen(style.edge, 1.5))
            painter.setBrush(style.selection if self._port_hovered else style.card)
            painter.drawEllipse(self.output_point() - self.pos(), radius, radius)

        # Footer: the release status (blank until a release is known).
        footer_top = CARD_HEIGHT - FOOTER_HEIGHT
        separator = QColor(style.text)
        separator.setAlphaF(0.12)
        painter.setPen(QPen(separator, 1))
        painter.drawLine(QPointF(ACCENT_WIDTH + 1, footer_top), QPointF(CARD_WIDTH - 1, footer_top))
        if self.release_text or self.release_state:
            self._paint_release(painter, style, QRectF(left, footer_top, width, FOOTER_HEIGHT))

    def _paint_release(self, painter: QPainter, style: GraphStyle, footer: QRectF) -> None:
        """The deployed build in bold, then what happened to it in its state's colour."""
        colour = style.state_colour(self.release_state)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(footer.left() + 4, footer.center().y()), 4.5, 4.5)
        font = QFont(painter.font())
        font.setPointSizeF(9)
        font.setBold(True)
        font.setItalic(False)
        painter.setFont(font)
        painter.setPen(style.text)
        metrics = QFontMetricsF(font)
        text_rect = footer.adjusted(14, 0, 0, 0)
        build = metrics.elidedText(self.release_text, Qt.TextElideMode.ElideRight,
                                   text_rect.width())
        painter.drawText(text_rect, _LEFT, build)
        word = STATE_WORDS.get(self.release_state, "")
        rest = text_rect.adjusted(metrics.horizontalAdvance(build) + 8, 0, 0, 0)
        if word and rest.width() > metrics.horizontalAdvance(word):
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(style.state_text(self.release_state))
            painter.drawText(rest, _LEFT, word)

    def _paint_far(self, painter: QPainter, style: GraphStyle) -> None:
        """Zoomed far out, text would be a blur: the card, its accent and a title bar."""
        painter.setPen(QPen(style.selection if self.isSelected() else style.card_border, 0))
        painter.setBrush(style.card)
        painter.drawRect(self.card_rect())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.state_colour(self.release_state))
        painter.drawRect(QRectF(0, 0, ACCENT_WIDTH * 2, CARD_HEIGHT))
        painter.setBrush(style.subtle_text)
        painter.drawRect(QRectF(ACCENT_WIDTH + PADDING, 10, CARD_WIDTH * 0.6, 14))


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
