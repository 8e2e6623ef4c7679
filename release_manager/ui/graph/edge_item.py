"""Arrows between stages: a curve from the upstream's output port to the downstream's
input, with an arrowhead; and the rubber-band arrow drawn while connecting."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from release_manager.ui.graph.stage_item import StageItem
from release_manager.ui.graph.style import GraphStyle

ARROW_SIZE = 9.0


def curve(start: QPointF, end: QPointF, via: list[QPointF] | None = None) -> QPainterPath:
    """A smooth left-to-right curve through `via` with horizontal tangents at every point."""
    points = [start, *(via or []), end]
    path = QPainterPath(start)
    for a, b in zip(points, points[1:], strict=False):
        reach = max(abs(b.x() - a.x()) * 0.5, 40.0)
        path.cubicTo(QPointF(a.x() + reach, a.y()), QPointF(b.x() - reach, b.y()), b)
    return path


def arrowhead(tip: QPointF, angle: float) -> QPolygonF:
    """A triangle pointing along `angle` (radians) with its point at `tip`."""
    left = tip - QPointF(math.cos(angle - 0.45), math.sin(angle - 0.45)) * ARROW_SIZE
    right = tip - QPointF(math.cos(angle + 0.45), math.sin(angle + 0.45)) * ARROW_SIZE
    return QPolygonF([tip, left, right])


class EdgeItem(QGraphicsPathItem):
    """`downstream` depends on `upstream`. Selectable: Delete removes the dependency."""

    def __init__(self, upstream: StageItem, downstream: StageItem, style: GraphStyle,
                 bends: list[QPointF] | None = None) -> None:
        super().__init__()
        self.upstream = upstream
        self.downstream = downstream
        self.graph_style = style
        self.bends: list[QPointF] = bends or []
        """Points to route through (long edges of the automatic layout), in scene
        coordinates relative to the layout; dropped as soon as an end moves by hand."""
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)
        upstream.edges.append(self)
        downstream.edges.append(self)
        self.update_path()

    @property
    def names(self) -> tuple[str, str]:
        return self.upstream.name, self.downstream.name

    def detach(self) -> None:
        for item in (self.upstream, self.downstream):
            if self in item.edges:
                item.edges.remove(self)

    def set_bends(self, bends: list[QPointF]) -> None:
        self.bends = bends
        self.update_path()

    def update_path(self) -> None:
        start = self.upstream.output_point()
        end = self.downstream.input_point() - QPointF(4, 0)
        via = self.bends if self.bends and all(
            start.x() < p.x() < end.x() for p in self.bends
        ) else []
        path = curve(start, end, via)
        self.prepareGeometryChange()
        self._head = arrowhead_of(path)
        self._shape: QPainterPath | None = None
        self._bounds = _bounds(path)
        self.setPath(path)
        self.setToolTip(f"{self.downstream.name} depends on {self.upstream.name}")

    def shape(self) -> QPainterPath:
        if self._shape is None:  # only needed for hit tests: made on first use
            stroker = QPainterPathStroker()
            stroker.setWidth(12)
            self._shape = stroker.createStroke(self.path())
        return self._shape

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        paint_arrow(painter, self.path(), self._head, self.graph_style, selected=self.isSelected())


def _bounds(path: QPainterPath) -> QRectF:
    margin = ARROW_SIZE + 3
    return path.controlPointRect().adjusted(-margin, -margin, margin, margin)


def arrowhead_of(path: QPainterPath) -> QPolygonF:
    """The arrowhead at the end of `path`, pointing the way the path arrives."""
    count = path.elementCount()
    end, control = path.elementAt(count - 1), path.elementAt(count - 2)
    tip = QPointF(end.x, end.y)
    return arrowhead(tip, math.atan2(end.y - control.y, end.x - control.x))


def paint_arrow(
    painter: QPainter, path: QPainterPath, head: QPolygonF, style: GraphStyle, *,
    selected: bool = False, dashed: bool = False,
) -> None:
    colour = style.selection if selected else style.edge
    pen = QPen(colour, 2.6 if selected else 1.6)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(head)


class ConnectionArrow(QGraphicsPathItem):
    """The dashed arrow that follows the cursor while a dependency is being drawn."""

    def __init__(self, source: StageItem, style: GraphStyle) -> None:
        super().__init__()
        self.source = source
        self.graph_style = style
        self.setZValue(10)
        self.follow(source.output_point() + QPointF(30, 0))

    def follow(self, point: QPointF) -> None:
        path = curve(self.source.output_point(), point)
        self.prepareGeometryChange()
        self._head = arrowhead_of(path)
        self._bounds = _bounds(path)
        self.setPath(path)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        paint_arrow(painter, self.path(), self._head, self.graph_style, selected=True,
                    dashed=True)
