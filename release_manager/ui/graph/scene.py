"""The stage graph scene: mirrors `editor.pipeline` and turns mouse gestures (connect by
dragging from a port, move, double-click to add) into editor operations.

A graph given its cards and layout ready (an open's, worked out on its worker) is drawn
in slices: its items are made a few milliseconds at a time, and the window answers the
user between two slices. Edits meanwhile are followed as ever; `drawn` says when every
item is there."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QToolTip,
)

from release_manager.core.layout import Edge, Layout, compute_layout
from release_manager.core.model import Pipeline, Stage
from release_manager.core.stage_card import StageCard, describe_stage
from release_manager.core.stage_clipboard import unique_name
from release_manager.core.stage_graph import StageGraph, cards_and_edges
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.graph.commands import (
    AutoLayoutCommand,
    LayoutState,
    MoveStagesCommand,
    Placement,
)
from release_manager.ui.graph.edge_item import ConnectionArrow, EdgeItem
from release_manager.ui.graph.overlays import NameEditor, NoticeItem
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.stage_item import BOUNDS, StageItem
from release_manager.ui.graph.style import (
    CARD_HEIGHT,
    CARD_WIDTH,
    FOOTER_HEIGHT,
    NODE_SPACING,
    SPACING,
    GraphStyle,
)
from release_manager.ui.workers import start_worker

SCENE_MARGIN = 40.0
NOTICE_MILLISECONDS = 4000
SLICE_SECONDS = 0.012
"""A graph drawn in slices is worked on this long at a time on the GUI thread."""


def _layout(names: list[str], edges: list[Edge]) -> Layout:
    return compute_layout(names, edges, layer_spacing=SPACING.layer, node_spacing=SPACING.node)


class GraphScene(QGraphicsScene):
    drawn = Signal()
    """A graph drawn in slices has every item now (`is_drawing()` turned False)."""

    def __init__(
        self,
        editor: PipelineEditor,
        positions: PositionStore | None = None,
        parent=None,
        prepared: StageGraph | None = None,
    ) -> None:
        """`prepared`: the pipeline's cards and layout as an open worked them out; given,
        the items are made in slices (`draw_now` makes the rest at once)."""
        super().__init__(parent)
        self.editor = editor
        self.graph_style = GraphStyle.from_palette()
        self.setBackgroundBrush(self.graph_style.background)
        self._store = positions if positions is not None else PositionStore()
        self._path = editor.document.path
        self.manual: dict[str, QPointF] = self._store.load(self._path)
        self._items: dict[int, StageItem] = {}
        self._named: dict[str, StageItem] = {}
        self._edges: dict[tuple[int, int], EdgeItem] = {}
        self._auto: dict[str, QPointF] = {}
        """Where the automatic layout put each stage when it first appeared (kept for
        stages since removed, so that undoing a removal puts the card back)."""
        self._fresh: dict[str, QPointF] = {}
        """The automatic layout of the graph as it is now: what "Auto Layout" applies."""
        self._bends: dict[tuple[str, str], list[QPointF]] = {}
        self._graph_rect = QRectF()
        self._structure: tuple = ()
        self._made: dict[int, tuple[Stage, tuple, StageCard]] = {}
        """Each stage's card by uid, with the stage's copy and what else it was made of."""
        self._card_context: tuple = ()
        self._pending: tuple[list[str], list[tuple[str, str]]] | None = None
        """The stages and edges a layout is being made of on a worker (None: none is)."""
        self._syncing_selection = False
        self._arrow: ConnectionArrow | None = None
        self._drop_target: StageItem | None = None
        self._drag_start: dict[str, QPointF] = {}
        self._name_editor: NameEditor | None = None
        self.notice: NoticeItem | None = None
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MILLISECONDS)
        self._notice_timer.timeout.connect(self._remove_notice)
        self._prepared = prepared
        self._drawing = prepared is not None
        self._steps: Iterator[None] | None = None
        """The work of the last `sync` not done yet (a graph being drawn in slices)."""
        self._slice_timer = QTimer(self, singleShot=True, interval=0)
        self._slice_timer.timeout.connect(self._next_slice)
        editor.changed.connect(self.sync)
        editor.undo_stack.cleanChanged.connect(self._follow_path)
        editor.selectionChanged.connect(self._select_from_editor)
        self.selectionChanged.connect(self._selection_to_editor)
        self.sync()

    # ----------------------------------------------------------------- reading

    def stage_items(self) -> list[StageItem]:
        return list(self._items.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def stage_count(self) -> int:
        return len(self._items)

    def stage_item(self, name: str) -> StageItem | None:
        return self._named.get(name)

    def edge_item(self, upstream: str, downstream: str) -> EdgeItem | None:
        item = self.stage_item(upstream)
        edges = item.edges if item is not None else []
        return next((edge for edge in edges if edge.names == (upstream, downstream)), None)

    def selected_stage_names(self) -> list[str]:
        return [item.name for item in self.selectedItems() if isinstance(item, StageItem)]

    def selected_edges(self) -> list[EdgeItem]:
        return [item for item in self.selectedItems() if isinstance(item, EdgeItem)]

    # ----------------------------------------------------------------- mirroring

    def is_drawing(self) -> bool:
        """A graph drawn in slices does not have all its items yet."""
        return self._drawing

    def draw_now(self) -> None:
        """Make the items still to come at once (a window not on screen yet)."""
        self._slice_timer.stop()
        self._run(math.inf)

    def stop_drawing(self) -> None:
        """Drop the work still to come (the scene is being replaced)."""
        self._slice_timer.stop()
        self._steps = None

    def sync(self) -> None:
        """Bring the items in line with the pipeline: new, changed and removed stages and
        dependencies. Only new stages get a place; every other card stays where it is.
        While the graph is being drawn the work goes on in slices, else it is done now."""
        prepared, self._prepared = self._prepared, None
        self._steps = self._sync_steps(prepared)
        if self._drawing:
            self._slice_timer.start()
        else:
            self._run(math.inf)

    def _next_slice(self) -> None:
        self._run(SLICE_SECONDS)

    def _run(self, seconds: float) -> None:
        """Go on with the work of the last `sync` for `seconds` at most."""
        if self._steps is None:
            return
        deadline = time.perf_counter() + seconds
        for _ in self._steps:
            if time.perf_counter() >= deadline:
                self._slice_timer.start()
                return
        self._steps = None
        if self._drawing:
            self._drawing = False
            self.drawn.emit()

    def _sync_steps(self, prepared: StageGraph | None) -> Iterator[None]:
        """`sync`'s work, pausing (yield) after each piece; at each pause the items,
        edges and places recorded are true of the scene, so a later `sync` may take
        over from any of them."""
        pipeline = self.editor.pipeline
        if prepared is not None:
            cards, edges = prepared.cards, prepared.edges
        else:
            cards, edges = cards_and_edges(pipeline, self.editor.diagnostics(), self._cards())
        wanted = {stage.uid: card for stage, card in zip(pipeline.stages, cards, strict=True)}
        for uid, item in list(self._items.items()):
            if uid not in wanted:
                for edge in list(item.edges):
                    self._remove_edge(edge)
                self.removeItem(item)
                del self._items[uid]
        new: list[tuple[int, StageCard]] = []
        for uid, card in wanted.items():
            item = self._items.get(uid)
            if item is None:
                new.append((uid, card))
            elif item.card != card:
                if item.name != card.name:
                    self._follow_rename(item.name, card.name)
                item.set_card(card)
                yield
        self._items = {uid: self._items[uid] for uid in wanted if uid in self._items}
        self._name_items()
        uids: dict[str, int] = {}
        for stage in pipeline.stages:
            uids.setdefault(stage.name, stage.uid)
        structure = (tuple(stage.uid for stage in pipeline.stages),
                     tuple((uids[up], uids[down]) for up, down in edges))
        relaid = False
        if structure != self._structure or new:  # (by uid: a rename lays nothing out)
            self._structure = structure
            if new or not self._fresh or prepared is not None:
                self._pending = None
                relaid = True
                yield from self._relayout(pipeline.stage_names, list(edges),
                                          [card.name for _, card in new],
                                          prepared.layout if prepared is not None else None)
                self.update_scene_rect([self._position(card.name) for _, card in new])
            else:
                self._lay_out_later(pipeline.stage_names, list(edges))
        for uid, card in new:
            item = StageItem(card, self.graph_style)
            item.setPos(self._position(card.name))
            self.addItem(item)
            self._items[uid] = item
            self._named.setdefault(card.name, item)
            yield
        self._items = {uid: self._items[uid] for uid in wanted}  # in the pipeline's order
        self._name_items()
        yield from self._sync_edges(pipeline, edges)
        if relaid:
            yield from self._place_steps()
        self._select_from_editor(self.editor.selected())

    def _name_items(self) -> None:
        self._named = {}
        for item in self._items.values():
            self._named.setdefault(item.name, item)

    def _lay_out_later(self, names: list[str], edges: list[Edge]) -> None:
        """A change of the graph's shape that adds no card moves none: the fresh layout
        (the arrows' routes, what Auto Layout applies; 15–25 ms at 500 stages) is made
        on a worker and taken when it is back, unless the graph changed again since."""
        pending = self._pending = (names, edges)
        start_worker(lambda: (pending, _layout(names, edges)), self._laid_out)

    def _laid_out(self, result: tuple[tuple[list[str], list[Edge]], Layout]) -> None:
        pending, layout = result
        if pending is self._pending:
            self._pending = None
            self._take_layout(layout, [], [])

    def settle(self) -> None:
        """Make the fresh layout now if a worker is still making it."""
        if self._pending is not None:
            names, edges = self._pending
            self._pending = None
            self._take_layout(_layout(names, edges), names, [])

    def _cards(self) -> Callable[[Pipeline, Stage, list[tuple[str, str]], list[str]],
                                 StageCard]:
        """What describes each stage's card now: `describe_stage`, or the card made last
        time when nothing it shows has changed since. A stage's copy in the document's
        state is shared by the states until the stage changes (`Pipeline.snapshot`), so
        the same copy means the same stage; the schedules and the environments' approvals
        the cards show are compared whole (a change of either makes every card again)."""
        snapshot = self.editor.document.state().pipeline
        context = (snapshot.schedules, snapshot.environments)
        if context != self._card_context:
            self._card_context = context
            self._made = {}
        made, self._made = self._made, {}
        records = {record.uid: record for record in snapshot.stages}

        def card(pipeline: Pipeline, stage: Stage, about: list[tuple[str, str]],
                 dependencies: list[str]) -> StageCard:
            record = records[stage.uid]
            key = (tuple(about), tuple(dependencies))
            known = made.get(stage.uid)
            if known is not None and known[0] is record and known[1] == key:
                found = known[2]
            else:
                found = describe_stage(pipeline, stage, about, dependencies)
            self._made[stage.uid] = (record, key, found)
            return found

        return card

    def _follow_rename(self, old: str, new: str) -> None:
        """A renamed stage keeps its place, and its place in the fresh layout (a rename
        does not change the graph: it is not laid out again)."""
        if old in self._auto:
            self._auto[new] = self._auto.pop(old)
        if old in self._fresh:
            self._fresh[new] = self._fresh.pop(old)
        if self._pending is not None:  # made of the old name: make it again
            self._pending, self._structure = None, ()
        self._bends = {(new if up == old else up, new if down == old else down): points
                       for (up, down), points in self._bends.items()}
        if old in self.manual:
            self.manual[new] = self.manual.pop(old)
            self._store.save(self._path, self.manual)

    def _sync_edges(self, pipeline: Pipeline, edges: tuple[Edge, ...]) -> Iterator[None]:
        by_name: dict[str, StageItem] = {}
        for stage in pipeline.stages:
            by_name.setdefault(stage.name, self._items[stage.uid])
        wanted: dict[tuple[int, int], tuple[StageItem, StageItem]] = {}
        for upstream, downstream in edges:
            up, down = by_name[upstream], by_name[downstream]
            wanted[(id(up), id(down))] = (up, down)
        for key, edge in list(self._edges.items()):
            if key not in wanted:
                self._remove_edge(edge)
        for key, (up, down) in wanted.items():
            if key not in self._edges:
                bends = self._laid_out_bends(up.name, down.name)
                edge = EdgeItem(up, down, self.graph_style, bends)
                self._edges[key] = edge
                self.addItem(edge)
                yield

    def _remove_edge(self, edge: EdgeItem) -> None:
        edge.detach()
        self._edges.pop((id(edge.upstream), id(edge.downstream)), None)
        if edge.scene() is self:
            self.removeItem(edge)

    def _relayout(self, names: list[str], edges: list[Edge], new: list[str],
                  layout: Layout | None) -> Iterator[None]:
        """Lay the graph out afresh (or take `layout`, made for these names and edges),
        but move no card: only the `new` stages are placed, where the fresh layout puts
        them, or where they were before a removal that is being undone, and lower down
        while that spot is taken."""
        yield from self._layout_steps(layout or _layout(names, edges), names, new)

    def _take_layout(self, layout: Layout, names: list[str], new: list[str]) -> None:
        """`layout` taken at once, the cards and arrows placed after it."""
        for _ in self._layout_steps(layout, names, new):
            pass
        self._place()

    def _layout_steps(self, layout: Layout, names: list[str], new: list[str]
                      ) -> Iterator[None]:
        self._fresh = {name: QPointF(x, y) for name, (x, y) in layout.positions.items()}
        port_y = CARD_HEIGHT / 2 - FOOTER_HEIGHT / 2
        self._bends = {
            edge: [QPointF(x + CARD_WIDTH / 2, y + port_y) for x, y in points]
            for edge, points in layout.bends.items()
        }
        fresh = set(new)
        taken = _TakenSpots()
        for name in names:
            if name not in fresh:
                taken.add(self._position(name))
        for name in new:
            if name not in self.manual:
                self._auto[name] = taken.free_spot(self._auto.get(name, self._fresh[name]))
            taken.add(self._position(name))
            yield

    def _position(self, name: str) -> QPointF:
        return self.manual.get(name, self._auto.get(name, QPointF()))

    def _laid_out_bends(self, upstream: str, downstream: str) -> list[QPointF]:
        """The bends of the layout for an edge whose two ends are where it put them."""
        as_laid_out = all(
            name not in self.manual and self._auto.get(name) == self._fresh.get(name)
            for name in (upstream, downstream)
        )
        return self._bends.get((upstream, downstream), []) if as_laid_out else []

    def _place(self) -> None:
        for _ in self._place_steps():
            pass

    def _place_steps(self) -> Iterator[None]:
        """Every card where it belongs; the arrows of those moved or rerouted redrawn
        (only those: each is a path made again)."""
        moved: set[int] = set()
        for item in self._items.values():
            target = self._position(item.name)
            if item.pos() != target:
                item.edges_follow = False  # the arrows are redrawn once, below
                item.setPos(target)
                item.edges_follow = True
                moved.add(id(item))
            yield
        for edge in self._edges.values():
            bends = self._laid_out_bends(*edge.names)
            if (bends != edge.bends or id(edge.upstream) in moved
                    or id(edge.downstream) in moved):
                edge.set_bends(bends)
            yield
        self.update_scene_rect()

    def update_scene_rect(self, coming: list[QPointF] | None = None) -> None:
        """The stages with a little room around them, those `coming` (the places of
        cards still to be made) too: a graph being drawn is framed as it will be."""
        rect = QRectF()
        for item in self._items.values():
            rect = rect.united(item.sceneBoundingRect())
        for point in coming or []:
            rect = rect.united(BOUNDS.translated(point))
        self._graph_rect = rect
        self.setSceneRect(rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))

    def graph_rect(self) -> QRectF:
        """Where the stage cards are (or will be, while the graph is drawn)."""
        return QRectF(self._graph_rect)

    def set_graph_style(self, graph_style: GraphStyle) -> None:
        """Redraw everything in new colours (the palette changed: light ⇄ dark)."""
        self.graph_style = graph_style
        self.setBackgroundBrush(graph_style.background)
        for item in self._items.values():
            item.set_graph_style(graph_style)
        for edge in self._edges.values():
            edge.graph_style = graph_style
            edge.update()

    def _follow_path(self) -> None:
        """After "Save As", the hand-placed positions belong to the new file too."""
        if self.editor.document.path != self._path:
            self._path = self.editor.document.path
            self._store.save(self._path, self.manual)

    def set_manual_positions(self, changes: Placement) -> None:
        """Pin stages where the user put them (None: back to the automatic layout)."""
        for name, point in changes.items():
            if point is None:
                self.manual.pop(name, None)
            else:
                self.manual[name] = QPointF(point)
        self._store.save(self._path, self.manual)
        self._place()

    def layout_state(self) -> LayoutState:
        return LayoutState(dict(self.manual), dict(self._auto))

    def set_layout_state(self, state: LayoutState) -> None:
        """Put every card back where `state` has it (undoing "Auto Layout")."""
        self.manual = dict(state.manual)
        self._auto = dict(state.automatic)
        self._store.save(self._path, self.manual)
        self._place()

    def lay_out_everything(self) -> None:
        """Every stage where the automatic layout puts it, hand-placed ones too."""
        self.set_layout_state(LayoutState({}, {**self._auto, **self._fresh}))

    def auto_layout(self) -> None:
        """Lay out every stage afresh, as one undoable step."""
        self.settle()
        if not self.manual and all(
            self._auto.get(name) == point for name, point in self._fresh.items()
        ):
            return
        self.editor.undo_stack.push(AutoLayoutCommand(self))

    # ----------------------------------------------------------------- selection

    def _select_from_editor(self, names: list[str]) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            wanted = set(names)
            selected = {item for item in self.selectedItems() if isinstance(item, StageItem)}
            for item in self._items.values():  # only those to change: Qt calls are slow
                if (item in selected) != (item.name in wanted):
                    item.setSelected(item.name in wanted)
        finally:
            self._syncing_selection = False

    def _selection_to_editor(self) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            self.editor.select(self.selected_stage_names())
        finally:
            self._syncing_selection = False

    # ----------------------------------------------------------------- editing

    def apply_at(self, text: str, mutate: Callable[[Pipeline], object], point: QPointF) -> bool:
        """`editor.apply`, showing a refusal as a notice at `point` (scene coordinates)."""
        refusals: list[str] = []
        self.editor.editRefused.connect(refusals.append)
        try:
            done = self.editor.apply(text, mutate)
        finally:
            self.editor.editRefused.disconnect(refusals.append)
        if refusals:
            self.show_notice(refusals[-1], point)
        return done

    def show_notice(self, text: str, point: QPointF) -> None:
        """Show `text` at `point` for a few seconds (and as a tooltip there)."""
        self._remove_notice()
        self.notice = NoticeItem(text, self.graph_style)
        self._notice_timer.start()
        self.addItem(self.notice)
        self.notice.setPos(point + QPointF(12, 12))
        for view in self.views():
            QToolTip.showText(view.viewport().mapToGlobal(view.mapFromScene(point)), text, view)

    def _remove_notice(self) -> None:
        if self.notice is not None and self.notice.scene() is self:
            self.removeItem(self.notice)

    def add_stage_at(self, point: QPointF, depends_on: list[str] | None = None) -> str | None:
        """Add a stage named Stage1, Stage2, … whose card is centred at `point`."""
        name = unique_name(set(self.editor.pipeline.stage_names), "Stage")
        deps = list(depends_on or [])
        if not self.apply_at(
            f"Add stage {name}", lambda p: p.add_stage(name, depends_on=deps), point
        ):
            return None
        self.set_manual_positions({name: point - QPointF(CARD_WIDTH / 2, CARD_HEIGHT / 2)})
        self.editor.select([name])
        return name

    def connect_stages(self, upstream: str, downstream: str, point: QPointF) -> bool:
        return self.apply_at(
            f"Connect {upstream} → {downstream}",
            lambda p: p.connect(upstream, downstream),
            point,
        )

    def start_rename(self, name: str) -> NameEditor | None:
        item = self.stage_item(name)
        if item is None or not item.card.editable:
            return None
        self.close_name_editor()
        rect = item.title_rect()

        def commit(new: str) -> bool:
            point = item.pos() + rect.bottomLeft()
            return new == name or self.apply_at(
                f"Rename {name} to {new}", lambda p: p.rename_stage(name, new), point
            )

        self._name_editor = NameEditor(name, self.graph_style, commit, self.close_name_editor)
        self._name_editor.setTextWidth(rect.width())
        self.addItem(self._name_editor)
        self._name_editor.setPos(item.pos() + rect.topLeft() - QPointF(4, 2))
        self._name_editor.start()
        return self._name_editor

    @property
    def name_editor(self) -> NameEditor | None:
        return self._name_editor

    def close_name_editor(self) -> None:
        editor, self._name_editor = self._name_editor, None
        if editor is not None:
            # Removing the item inside its own focus-out handler is not safe.
            QTimer.singleShot(0, self, lambda: editor.scene() is self and self.removeItem(editor))
            editor.hide()

    # ----------------------------------------------------------------- mouse

    def _stage_at(self, point: QPointF, exclude: StageItem | None = None) -> StageItem | None:
        for item in self.items(point):
            while item is not None and not isinstance(item, StageItem):
                item = item.parentItem()
            if item is not None and item is not exclude:
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        item = self._stage_at(event.scenePos())
        if (event.button() == Qt.MouseButton.LeftButton and item is not None
                and item.is_on_port(event.scenePos())):
            self._arrow = ConnectionArrow(item, self.graph_style)
            self.addItem(self._arrow)
            event.accept()
            return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and isinstance(
            self.mouseGrabberItem(), StageItem
        ):
            self._drag_start = {
                item.name: item.pos()
                for item in self.selectedItems()
                if isinstance(item, StageItem)
            }

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._arrow is not None:
            self._arrow.follow(event.scenePos())
            self._set_drop_target(self._stage_at(event.scenePos(), exclude=self._arrow.source))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def _set_drop_target(self, target: StageItem | None) -> None:
        if self._drop_target is not None and self._drop_target is not target:
            self._drop_target.set_drop_hint(False)
        self._drop_target = target
        if target is not None:
            target.set_drop_hint(True)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._arrow is not None:
            source = self._arrow.source
            self.removeItem(self._arrow)
            self._arrow = None
            self._set_drop_target(None)
            target = self._stage_at(event.scenePos(), exclude=None)
            if target is not None:
                self.connect_stages(source.name, target.name, event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        start, self._drag_start = self._drag_start, {}
        if start:
            self.update_scene_rect()
        moved = {
            name: item.pos()
            for name in start
            if (item := self.stage_item(name)) is not None and item.pos() != start[name]
        }
        if moved:
            before: Placement = {name: self.manual.get(name) for name in moved}
            after: Placement = dict(moved)
            text = "Move " + (next(iter(moved)) if len(moved) == 1 else f"{len(moved)} stages")
            self.editor.undo_stack.push(MoveStagesCommand(self, before, after, text))

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.itemAt(event.scenePos(), QTransform()) is None:
            self.add_stage_at(event.scenePos())
            event.accept()
            return
        item = self._stage_at(event.scenePos())
        if item is not None and item.title_rect().contains(event.scenePos() - item.pos()):
            self.start_rename(item.name)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


CARD_GAP = (NODE_SPACING - CARD_HEIGHT) / 2
"""Room kept around a newly placed card: half the layout's gap between two cards."""


def _card_rect(position: QPointF) -> QRectF:
    return QRectF(position, QSizeF(CARD_WIDTH, CARD_HEIGHT))


class _TakenSpots:
    """The cards placed so far, in a grid of cells as large as a card with its room
    around it: a card that overlaps a spot starts in the spot's cell or one next to it,
    so a spot is checked against a few cards, not all of them."""

    CELL_WIDTH = CARD_WIDTH + 2 * CARD_GAP
    CELL_HEIGHT = CARD_HEIGHT + 2 * CARD_GAP

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[QRectF]] = {}
        self.count = 0

    def _cell(self, position: QPointF) -> tuple[int, int]:
        return (math.floor(position.x() / self.CELL_WIDTH),
                math.floor(position.y() / self.CELL_HEIGHT))

    def add(self, position: QPointF) -> None:
        self.cells.setdefault(self._cell(position), []).append(_card_rect(position))
        self.count += 1

    def overlaps(self, position: QPointF) -> bool:
        room = _card_rect(position).adjusted(-CARD_GAP, -CARD_GAP, CARD_GAP, CARD_GAP)
        column, row = self._cell(position)
        return any(
            room.intersects(rect)
            for dx in (-1, 0, 1) for dy in (-1, 0, 1)
            for rect in self.cells.get((column + dx, row + dy), ())
        )

    def free_spot(self, position: QPointF) -> QPointF:
        """`position`, or the first spot below it where a card overlaps none taken."""
        for _ in range(2 * self.count + 1):  # a card blocks two steps at most
            if not self.overlaps(position):
                break
            position = position + QPointF(0, NODE_SPACING)
        return position
