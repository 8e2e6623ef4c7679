"""The stage graph widget: zoom, pan, rubber-band selection, the graph's editing actions
(for the window's menus and toolbars and the context menus) and image export."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QIODevice,
    QMimeData,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsItem,
    QGraphicsView,
    QMenu,
    QMessageBox,
    QWidget,
)

from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.stage_clipboard import (
    MIME_TYPE,
    ClipboardError,
    prepare_paste,
    stages_from_json,
    stages_to_json,
    unique_name,
)
from release_manager.core.stage_graph import StageGraph
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.graph.positions import PositionStore
from release_manager.ui.graph.scene import GraphScene
from release_manager.ui.graph.stage_item import StageItem
from release_manager.ui.graph.style import GraphStyle

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
"""Zoom limits; zooming out stops at MIN_ZOOM or, for a graph too wide for that, where
the whole graph fits (what "Fit to Window" shows)."""
MIN_READABLE_ZOOM = 0.5
"""Below this the stage cards' text is too small to read: a graph opens no smaller."""
EXPORT_SCALE = 2.0
MAX_EXPORT_SIDE = 16000
"""Pixels: a PNG of a very wide graph is scaled below 2x to stay within this."""
EXPORT_MARGIN = 24.0
RECONNECT = "Reconnect its dependants to its dependencies"
REMOVE_ONLY = "Remove the dependency only"


class GraphView(QGraphicsView):
    def __init__(
        self,
        editor: PipelineEditor,
        positions: PositionStore | None = None,
        parent: QWidget | None = None,
        prepared: StageGraph | None = None,
    ) -> None:
        """`prepared`: an open's cards and layout; the graph is then drawn in slices."""
        super().__init__(parent)
        self.editor = editor
        self.graph_scene = GraphScene(editor, positions, self, prepared)
        self.setScene(self.graph_scene)
        self.graph_scene.sceneRectChanged.connect(lambda _rect: self._update_scene_rect())
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space_pan = False
        self._keep_framed = False
        self._framed_size = QSize()
        self._frame_timer = QTimer(self, singleShot=True, interval=0)
        self._frame_timer.timeout.connect(self.frame)
        self._actions = self._make_actions()
        self.addActions(list(self._actions.values()))
        editor.selectionChanged.connect(self._on_selection)
        editor.changed.connect(self._update_actions)
        self._update_actions()

    # ----------------------------------------------------------------- actions

    def actions_by_name(self) -> dict[str, QAction]:
        return dict(self._actions)

    def _make_actions(self) -> dict[str, QAction]:
        specs = [
            ("add_stage", "&Add Stage", QKeySequence("Ctrl+Shift+N"), self.add_stage,
             "Add a stage after the selected ones"),
            ("delete", "&Delete", QKeySequence(QKeySequence.StandardKey.Delete),
             self.delete_selected, "Delete the selected stages or dependencies"),
            ("rename", "&Rename Stage", QKeySequence("F2"), self.rename_selected,
             "Rename the selected stage and every reference to it"),
            ("copy", "&Copy Stages", QKeySequence(QKeySequence.StandardKey.Copy),
             self.copy_selected, "Copy the selected stages"),
            ("paste", "&Paste Stages", QKeySequence(QKeySequence.StandardKey.Paste),
             self.paste, "Paste stages as new copies"),
            ("move_earlier", "Move &Earlier", QKeySequence("Alt+Up"), self.move_earlier,
             "Move the stage up in the file's order"),
            ("move_later", "Move &Later", QKeySequence("Alt+Down"), self.move_later,
             "Move the stage down in the file's order"),
            ("zoom_in", "Zoom &In", QKeySequence(QKeySequence.StandardKey.ZoomIn), self.zoom_in,
             "Zoom in"),
            ("zoom_out", "Zoom &Out", QKeySequence(QKeySequence.StandardKey.ZoomOut),
             self.zoom_out, "Zoom out"),
            ("fit", "&Fit to Window", QKeySequence("Ctrl+0"), self.fit, "Show the whole graph"),
            ("auto_layout", "A&uto Layout", QKeySequence("Ctrl+L"),
             self.graph_scene.auto_layout,
             "Lay out every stage afresh, hand-placed ones too"),
            ("export_png", "Export Graph as &PNG…", QKeySequence(), self._ask_export_png,
             "Save the graph as a PNG image"),
            ("export_svg", "Export Graph as &SVG…", QKeySequence(), self._ask_export_svg,
             "Save the graph as an SVG drawing"),
        ]
        actions = {}
        for name, text, shortcut, slot, tip in specs:
            action = QAction(text, self)
            action.setObjectName(f"graph_{name}")
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            actions[name] = action
        return actions

    def _update_actions(self) -> None:
        selected = self._selected_editable()
        single = len(selected) == 1
        index = self.editor.pipeline.stage_names.index(selected[0]) if single else -1
        self._actions["rename"].setEnabled(single)
        self._actions["copy"].setEnabled(bool(selected))
        self._actions["move_earlier"].setEnabled(single and index > 0)
        self._actions["move_later"].setEnabled(
            single and index < len(self.editor.pipeline.stages) - 1
        )

    def _on_selection(self, names: list[str]) -> None:
        """Bring a stage selected elsewhere (a problem, the inspector) into view."""
        self._update_actions()
        item = self.graph_scene.stage_item(names[0]) if names else None
        if item is not None:
            self.ensureVisible(item, 40, 40)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.graph_scene.set_graph_style(GraphStyle.from_palette(self.palette()))
        super().changeEvent(event)

    def _selected_editable(self) -> list[str]:
        """The selected stages that can be edited, in file order."""
        selected = set(self.graph_scene.selected_stage_names())
        return [stage.name for stage in self.editor.pipeline.stages
                if stage.name in selected and stage.editable]

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        point = self.mapToScene(event.pos())
        item = self.itemAt(event.pos())
        while item is not None and not isinstance(item, StageItem):
            item = item.parentItem()
        menu = QMenu(self)
        if item is not None:
            if not item.isSelected():
                self.graph_scene.clearSelection()
                item.setSelected(True)
            for name in ("rename", "copy", "delete", None, "move_earlier", "move_later"):
                menu.addSeparator() if name is None else menu.addAction(self._actions[name])
        else:
            add_here = menu.addAction("&Add Stage Here")
            add_here.triggered.connect(lambda: self.graph_scene.add_stage_at(point))
            menu.addAction(self._actions["paste"])
            menu.addSeparator()
            for name in ("auto_layout", "fit", None, "export_png", "export_svg"):
                menu.addSeparator() if name is None else menu.addAction(self._actions[name])
        menu.exec(event.globalPos())

    # ----------------------------------------------------------------- editing

    def add_stage(self) -> str | None:
        """Add a stage depending on the selected ones, placed by the layout."""
        selected = self._selected_editable()
        name = unique_name(set(self.editor.pipeline.stage_names), "Stage")
        point = self.mapToScene(self.viewport().rect().center())
        if not self.graph_scene.apply_at(
            f"Add stage {name}", lambda p: p.add_stage(name, depends_on=selected), point
        ):
            return None
        self.editor.select([name])
        item = self.graph_scene.stage_item(name)
        if item is not None:
            self.ensureVisible(item)
        return name

    def delete_selected(self) -> bool:
        pipeline = self.editor.pipeline
        names = self._selected_editable()
        edges = [edge.names for edge in self.graph_scene.selected_edges()
                 if edge.upstream.name not in names and edge.downstream.name not in names]
        if not names and not edges:
            if self.graph_scene.selected_stage_names():
                self.graph_scene.show_notice(
                    "Template expression blocks (${{ }}) are shown, not edited: change them "
                    "in the YAML", self._action_point())
            return False
        reconnect = True
        if any(set(pipeline.dependants(name)) - set(names) for name in names):
            answer = self.ask_reconnect(names)
            if answer is None:
                return False
            reconnect = answer

        def delete(p) -> None:
            for upstream, downstream in edges:
                p.disconnect(upstream, downstream)
            for name in names:
                p.remove_stage(name, reconnect=reconnect)

        what = ", ".join(names) if names else f"{len(edges)} dependenc" + (
            "y" if len(edges) == 1 else "ies")
        return self.graph_scene.apply_at(f"Delete {what}", delete, self._action_point())

    def ask_reconnect(self, names: list[str]) -> bool | None:
        """Ask, as Azure's editor does, what becomes of the dependants of deleted stages:
        True to reconnect them to the deleted stages' dependencies, False to only drop the
        dependency, None to cancel."""
        pipeline = self.editor.pipeline
        dependants = sorted({d for n in names for d in pipeline.dependants(n)} - set(names))
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete stage")
        which = ", ".join(names)
        box.setText(f"{', '.join(dependants)} depend{'s' if len(dependants) == 1 else ''} "
                    f"on {which}.")
        box.setInformativeText("What should the stages that depend on it run after?")
        reconnect = box.addButton(RECONNECT, QMessageBox.ButtonRole.AcceptRole)
        remove_only = box.addButton(REMOVE_ONLY, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(reconnect)
        box.exec()
        clicked = box.clickedButton()
        if clicked is reconnect:
            return True
        if clicked is remove_only:
            return False
        return None

    def rename_selected(self) -> bool:
        selected = self._selected_editable()
        if len(selected) != 1:
            return False
        self.setFocus()
        return self.graph_scene.start_rename(selected[0]) is not None

    def copy_selected(self) -> bool:
        names = self._selected_editable()
        pipeline = self.editor.pipeline
        kept = [name for name in names if pipeline.stage(name).kind == "stage"]
        if len(kept) < len(names):  # a template reference is its file's: nothing to copy
            self.graph_scene.show_notice(
                "Stage template references are not copied: copy the stages in their "
                "template file", self._action_point())
        if not kept:
            return False
        text = stages_to_json(self.editor.document, kept)
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray(text.encode()))
        data.setText(text)
        QGuiApplication.clipboard().setMimeData(data)
        return True

    def paste(self) -> list[str]:
        data = QGuiApplication.clipboard().mimeData()
        if data is None:
            return []
        if data.hasFormat(MIME_TYPE):
            text = bytes(data.data(MIME_TYPE).data()).decode()
        else:
            text = data.text()
        point = self._action_point()
        try:
            stages = prepare_paste(self.editor.pipeline, stages_from_json(text))
        except ClipboardError as error:
            self.graph_scene.show_notice(str(error), point)
            return []

        def paste(p) -> None:
            for stage in stages:
                p.insert_stage(stage, len(p.stages))

        names = [stage.name for stage in stages]
        if not self.graph_scene.apply_at("Paste " + ", ".join(names), paste, point):
            return []
        self.editor.select(names)
        return names

    def move_earlier(self) -> bool:
        return self._reorder(-1)

    def move_later(self) -> bool:
        return self._reorder(+1)

    def _reorder(self, step: int) -> bool:
        selected = self._selected_editable()
        if len(selected) != 1:
            return False
        name = selected[0]
        index = self.editor.pipeline.stage_names.index(name) + step
        if not 0 <= index < len(self.editor.pipeline.stages):
            return False
        word = "earlier" if step < 0 else "later"
        return self.graph_scene.apply_at(
            f"Move {name} {word}", lambda p: p.reorder_stage(name, index), self._action_point()
        )

    def _action_point(self) -> QPointF:
        """Where to show a notice: the selected stage, else the middle of the view."""
        selected = [self.graph_scene.stage_item(n) for n in self.graph_scene.selected_stage_names()]
        if selected and selected[0] is not None:
            return selected[0].pos()
        return self.mapToScene(self.viewport().rect().center())

    # ----------------------------------------------------------------- zoom and pan

    def zoom_factor(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(self._smallest_zoom(), min(MAX_ZOOM, factor))
        self.scale(factor / self.zoom_factor(), factor / self.zoom_factor())

    def _smallest_zoom(self) -> float:
        """MIN_ZOOM, or less when the whole graph needs less to fit in the viewport."""
        rect = self.graph_scene.sceneRect()
        if rect.isEmpty():
            return MIN_ZOOM
        room = self.viewport().rect().adjusted(2, 2, -2, -2)  # fitInView's margin
        whole = min(room.width() / rect.width(), room.height() / rect.height())
        return min(MIN_ZOOM, whole)

    def zoom_in(self) -> None:
        self._stop_framing()
        self._zoom_at(QPointF(self.viewport().rect().center()), self.zoom_factor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._stop_framing()
        self._zoom_at(QPointF(self.viewport().rect().center()), self.zoom_factor() / ZOOM_STEP)

    def _visible_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def _update_scene_rect(self, also: QRectF | None = None) -> None:
        """What the scroll bars cover: the graph and what is in view now (so zooming and
        panning near the graph's edges keep their place), and nothing more, so a graph
        that fits shows no scroll bars."""
        rect = self.graph_scene.sceneRect().united(self._visible_rect())
        self.setSceneRect(rect.united(also) if also is not None else rect)

    def fit(self) -> None:
        """"Fit to Window": the whole graph, however small that makes it."""
        self._stop_framing()
        self._fit_whole()

    def keep_framed(self) -> None:
        """Frame the graph once the window is laid out, and again whenever the view's own
        size changes while the window settles (docks shown and sized), until the user
        clicks, scrolls, types or zooms in it."""
        self._keep_framed = True
        self._framed_size = QSize()
        self._frame_timer.start()

    def _stop_framing(self) -> None:
        self._keep_framed = False
        self._frame_timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Frame again only when the view itself changed size: the viewport also changes
        when the scroll bars come or go, which framing itself causes (frame, bars go,
        viewport grows, frame, bars come back, … forever at full CPU)."""
        super().resizeEvent(event)
        if self._keep_framed and self.size() != self._framed_size:
            self._frame_timer.start()

    def frame(self) -> None:
        """The whole graph, never magnified above 100%; a graph too big to read that way
        starts at its left end at the smallest readable zoom."""
        self._framed_size = self.size()
        self._fit_whole()
        items = self.graph_scene.graph_rect()  # with the cards of a graph being drawn
        if items.isEmpty() or self.zoom_factor() >= MIN_READABLE_ZOOM:
            return
        self.set_zoom(MIN_READABLE_ZOOM)
        self.setSceneRect(self.graph_scene.sceneRect())
        half_width = self.viewport().width() / MIN_READABLE_ZOOM / 2
        self.centerOn(items.left() + half_width - 20, items.center().y())
        self._update_scene_rect()

    def _fit_whole(self) -> None:
        """Fitted twice: the scroll bars of a zoomed-in view go once the graph fits, and
        the view grows."""
        self._fit_once()
        QCoreApplication.sendPostedEvents(self, QEvent.Type.LayoutRequest)
        self._fit_once()

    def _fit_once(self) -> None:
        rect = self.graph_scene.graph_rect()
        if rect.isEmpty():
            return
        self.setSceneRect(self.graph_scene.sceneRect())
        self.fitInView(self.graph_scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom_factor() > 1.0:
            self.set_zoom(1.0)
        self.centerOn(rect.center())
        self._update_scene_rect()

    def _zoom_at(self, viewport_point: QPointF, factor: float) -> None:
        """Zoom keeping the scene point under `viewport_point` where it is."""
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        before = self.mapToScene(viewport_point.toPoint())
        ratio = max(self._smallest_zoom(), min(MAX_ZOOM, factor)) / self.zoom_factor()
        visible = self._visible_rect()
        self._update_scene_rect(QRectF(  # the part of the scene in view after the zoom
            before + (visible.topLeft() - before) / ratio, visible.size() / ratio))
        self.set_zoom(factor)
        after = self.mapToScene(viewport_point.toPoint())
        shift = (after - before) * self.zoom_factor()
        horizontal, vertical = self.horizontalScrollBar(), self.verticalScrollBar()
        horizontal.setValue(horizontal.value() - round(shift.x()))
        vertical.setValue(vertical.value() - round(shift.y()))
        self.setTransformationAnchor(anchor)
        self._update_scene_rect()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms under the cursor; the wheel alone scrolls (as in a browser)."""
        self._stop_framing()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self._zoom_at(event.position(), self.zoom_factor() * 1.0015 ** delta)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._stop_framing()
        editing = self.graph_scene.name_editor is not None
        if event.key() == Qt.Key.Key_Space and not editing and not event.isAutoRepeat():
            self._space_pan = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self.setInteractive(False)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self._space_pan and not event.isAutoRepeat():
            self._space_pan = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.setInteractive(True)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._stop_framing()
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            horizontal, vertical = self.horizontalScrollBar(), self.verticalScrollBar()
            horizontal.setValue(horizontal.value() - round(delta.x()))
            vertical.setValue(vertical.value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ----------------------------------------------------------------- export

    def _export_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.graph_scene.stage_items() + self.graph_scene.edge_items():
            rect = rect.united(item.sceneBoundingRect())
        return rect.adjusted(-EXPORT_MARGIN, -EXPORT_MARGIN, EXPORT_MARGIN, EXPORT_MARGIN)

    def render_image(self, scale: float = EXPORT_SCALE) -> QImage:
        """The graph at `scale` (reduced if a side would pass MAX_EXPORT_SIDE pixels)."""
        rect = self._export_rect()
        scale = min(scale, MAX_EXPORT_SIDE / max(rect.width(), rect.height(), 1.0))
        size = QSize(round(rect.width() * scale), round(rect.height() * scale))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(self.graph_scene.graph_style.background)
        painter = QPainter(image)
        painter.setRenderHints(self.renderHints())
        self._render_uncached(painter, QRectF(image.rect()), rect)
        painter.end()
        return image

    def _render_uncached(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        """Render the scene drawing every card afresh: vector text in an SVG and sharp
        text at 2x, rather than the on-screen pixmap cache scaled."""
        items = self.graph_scene.stage_items()
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            self.graph_scene.render(painter, target, source)
        finally:
            for item in items:
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def export_png(self, path: str | os.PathLike) -> None:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.render_image().save(buffer, "PNG"):
            raise OSError(f"{path}: the image could not be encoded")
        write_bytes_atomic(Path(path), bytes(buffer.data().data()))

    def export_svg(self, path: str | os.PathLike) -> None:
        rect = self._export_rect()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(rect.size().toSize())
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle(self.editor.pipeline.name or "Pipeline stages")
        painter = QPainter(generator)
        painter.fillRect(QRectF(0, 0, rect.width(), rect.height()),
                         self.graph_scene.graph_style.background)
        self._render_uncached(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        write_bytes_atomic(Path(path), bytes(buffer.data().data()))

    def _ask_export_png(self) -> None:
        self._ask_export("PNG image (*.png)", ".png", self.export_png)

    def _ask_export_svg(self) -> None:
        self._ask_export("SVG drawing (*.svg)", ".svg", self.export_svg)

    def _ask_export(self, file_filter: str, suffix: str, export) -> None:
        start = self.editor.document.path
        default = str(Path(start).with_suffix(suffix)) if start else "pipeline" + suffix
        path, _ = QFileDialog.getSaveFileName(self, "Export graph", default, file_filter)
        if not path:
            return
        try:
            export(path)
        except OSError as error:
            QMessageBox.warning(self, "Export graph", f"Could not save {path}: {error}")
