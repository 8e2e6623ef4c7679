"""The main window: the stage graph in the middle, docks around it, one open pipeline.

Opening a file replaces the `PipelineEditor`; the graph and the inspector are made anew
for it, the other docks follow it. Every edit goes through the editor, so the undo
stack's clean state is the window's "modified" state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.opening import OpenedPipeline, open_pipeline
from release_manager.core.pipeline_yaml import PipelineLoadError
from release_manager.core.recovery import RecoveryCopy
from release_manager.core.stage_graph import StageGraph
from release_manager.core.validation import Diagnostic
from release_manager.engine.workspace import has_release_state
from release_manager.ui.azure_window import AzureInWindow
from release_manager.ui.collector import freeze_long_lived
from release_manager.ui.disk_sync import DiskSync
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.first_paint import once_on_screen
from release_manager.ui.graph.style import SPACING
from release_manager.ui.graph.view import GraphView
from release_manager.ui.inspector.panel import InspectorPanel
from release_manager.ui.log_view import LogPanel
from release_manager.ui.opening_view import OpeningView
from release_manager.ui.problems_panel import ProblemsPanel
from release_manager.ui.recent_files import RecentFiles
from release_manager.ui.recovery_offer import RecoveryOffer, recovered_editor
from release_manager.ui.turns import Turns
from release_manager.ui.welcome_view import WelcomeView
from release_manager.ui.workers import Worker, start_worker
from release_manager.ui.yaml_pane import YamlPane

if TYPE_CHECKING:
    from release_manager.ui.load_error_view import LoadErrorView

APP_TITLE = "Release Manager"
DEFAULT_SIZE = (1400, 900)
STATE_VERSION = 1
YAML_FILTER = "Azure Pipelines YAML (*.yml *.yaml);;All files (*)"
YAML_SUFFIXES = (".yml", ".yaml")
INSPECTOR_WIDTH = 340
BOTTOM_HEIGHT = 150
"""The Problems / YAML / Log tabs by default: a few lines, the graph keeps the room."""
RELEASES_HEIGHT = (0.45, 420)
RELEASES_WIDTH = (0.55, 900)
"""With a workspace, the Releases dock takes this share of the window's height (so the
bottom docks grow to it) and of the bottom row's width beside the Log, up to so many
pixels: enough for the environment cards and a few builds of the matrix."""

EDIT_ACTIONS = (("add_stage", "rename", "delete"), ("copy", "paste"),
                ("move_earlier", "move_later"))
VIEW_ACTIONS = ("zoom_in", "zoom_out", "fit", "auto_layout")
EXPORT_ACTIONS = ("export_png", "export_svg")
TOOLBAR_GRAPH_ACTIONS = ("add_stage", "delete", "fit")


def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("placeholder")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)
    return label


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings
        self.recent = RecentFiles(settings)
        self.editor: PipelineEditor | None = None
        self.graph: GraphView | None = None
        self.inspector: InspectorPanel | None = None
        self.path: Path | None = None
        """The file shown: the open pipeline, or the one whose load failed."""
        self._releases_due = False
        """The Releases dock waits for the window's first paint to be filled."""
        self._sizes_settled = False
        """True once the dock sizes are the user's (restored from the settings) or the
        Releases dock's default size was given: later showings keep what is there."""
        self.undo_group = QUndoGroup(self)
        self.undo_group.cleanChanged.connect(self._update_title)
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )

        self.welcome = WelcomeView()
        self.opening_view = OpeningView()
        self.opening_view.cancelRequested.connect(self.cancel_opening)
        self._opening: Worker[OpenedPipeline] | None = None
        self._turns = Turns(self)
        """What an open leaves to later event-loop turns (`_set_editor`)."""
        self._shown_before_opening: QWidget = self.welcome
        self.graph_page = QWidget()
        self.graph_page.setObjectName("graphPage")
        QVBoxLayout(self.graph_page).setContentsMargins(0, 0, 0, 0)
        self.central = QStackedWidget()
        self._error_view: LoadErrorView | None = None
        for page in (self.welcome, self.opening_view, self.graph_page):
            self.central.addWidget(page)
        self.disk = DiskSync(self)
        self.undo_group.cleanChanged.connect(self.disk.check)  # Reload would drop edits
        self.recovery = RecoveryOffer(self)
        self.setCentralWidget(_stacked(self.recovery.bar, self.disk.bar, self.central))

        self.problems = ProblemsPanel()
        self.yaml_pane = YamlPane()
        self.log_panel = LogPanel()
        self.inspector_dock = self._dock("Inspector", "inspectorDock", QWidget())
        self.problems_dock = self._dock("Problems", "problemsDock", self.problems)
        self.yaml_dock = self._dock("YAML", "yamlDock", self.yaml_pane)
        self.log_dock = self._dock("Log", "logDock", self.log_panel)
        self.releases_dock = self._dock("Releases", "releasesDock", QWidget())
        self.undo_dock = self._dock("Undo History", "undoHistoryDock",
                                    QUndoView(self.undo_group))
        self._arrange_docks()

        self._create_actions()
        self._create_menus()
        self._status = QLabel()
        self.statusBar().addPermanentWidget(self._status)
        self.recovery.keeper.failed.connect(lambda error: self.statusBar().showMessage(
            f"Your unsaved changes could not be kept aside for recovery: {error}", 10000))
        self.azure = AzureInWindow(self)

        self.welcome.openRequested.connect(self.open_dialog)
        self.welcome.recentRequested.connect(self.open_path)
        self.problems.lineRequested.connect(self.yaml_pane.show_line)
        self.problems.problemsChanged.connect(self._show_problem_counts)

        self._set_editor(None)
        self._show_welcome()
        self._restore_window()

    # ----------------------------------------------------------------- building

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        return dock

    def _arrange_docks(self) -> None:
        """The default layout: the graph in the middle with the Inspector on its right; at
        the bottom, the Releases dock (when the pipeline has a workspace) at the left of
        the Problems / YAML / Log tabs, so that graph, what is deployed where and the
        deployment log are all in view at once."""
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.addDockWidget(right, self.inspector_dock)
        self.addDockWidget(right, self.undo_dock)
        self.tabifyDockWidget(self.inspector_dock, self.undo_dock)
        self.addDockWidget(bottom, self.releases_dock)
        self.splitDockWidget(self.releases_dock, self.problems_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.problems_dock, self.yaml_dock)
        self.tabifyDockWidget(self.yaml_dock, self.log_dock)
        self.undo_dock.hide()
        self.releases_dock.hide()
        self.inspector_dock.raise_()
        self.problems_dock.raise_()
        self.resizeDocks([self.inspector_dock], [INSPECTOR_WIDTH], Qt.Orientation.Horizontal)
        self.resizeDocks([self.problems_dock], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)

    @property
    def error_view(self) -> LoadErrorView:
        """The page that reports a file that did not load (made when first needed)."""
        if self._error_view is None:
            from release_manager.ui.load_error_view import LoadErrorView

            self._error_view = LoadErrorView()
            self._error_view.openAnotherRequested.connect(self.open_dialog)
            self._error_view.reloadRequested.connect(self.reload)
            self.central.addWidget(self._error_view)
        return self._error_view

    def show_releases(self) -> None:
        """Show the Releases dock; the first time, unless the user's own layout was
        restored, at its default share of the bottom row, tall enough for the dashboard."""
        if self.releases_dock.isVisible():
            return
        self.releases_dock.show()
        if not self._sizes_settled:
            QTimer.singleShot(0, self._size_releases)  # once the window has its size

    def _size_releases(self) -> None:
        if not self.releases_dock.isVisible() or self._sizes_settled:
            return
        self._sizes_settled = True
        width, height = self.width(), self.height()
        releases = _share(width, RELEASES_WIDTH)
        self.resizeDocks([self.releases_dock, self.problems_dock], [releases, width - releases],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.releases_dock], [_share(height, RELEASES_HEIGHT)],
                         Qt.Orientation.Vertical)

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None,
                icon: QIcon | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(slot)
        return action

    def _create_actions(self) -> None:
        style = self.style()
        pixmap = style.StandardPixmap
        self.open_action = self._action(
            "&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
            QIcon.fromTheme(QIcon.ThemeIcon.DocumentOpen,
                            style.standardIcon(pixmap.SP_DialogOpenButton)))
        self.save_action = self._action(
            "&Save", self.save, QKeySequence.StandardKey.Save,
            QIcon.fromTheme(QIcon.ThemeIcon.DocumentSave,
                            style.standardIcon(pixmap.SP_DialogSaveButton)))
        self.save_as_action = self._action("Save &As…", self.save_as, "Ctrl+Shift+S")
        self.revert_action = self._action("&Revert", self.revert)
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.undo_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.EditUndo))
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(QIcon.fromTheme(QIcon.ThemeIcon.EditRedo))
        for action, word in ((self.undo_action, "Undo"), (self.redo_action, "Redo")):
            # The menu names the command ("Undo Rename Dev to …"); the toolbar button
            # keeps one short word, so it does not grow and shift the buttons after it
            # under the mouse. Its tooltip and status tip name the command.
            action.setIconText(word)
            action.changed.connect(lambda a=action: a.setStatusTip(a.toolTip()))
        self.undo_history_action = self.undo_dock.toggleViewAction()
        self.undo_history_action.setText("Undo &History")
        self.about_action = self._action("&About Release Manager", self.about)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

    def _create_menus(self) -> None:
        """The menus and the toolbar; the graph's actions go in at the `_anchors`."""
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.edit_menu = bar.addMenu("&Edit")
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self._anchors: list[tuple[QWidget, QAction, tuple[str, ...]]] = []
        self._inserted: list[tuple[QWidget, QAction]] = []

        def anchor(widget: QWidget, names: tuple[str, ...]) -> None:
            separator = QAction(self)
            separator.setSeparator(True)
            widget.addAction(separator)
            self._anchors.append((widget, separator, names))

        self.file_menu.addActions([self.open_action, self.recent_menu.menuAction()])
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.save_action, self.save_as_action, self.revert_action])
        anchor(self.file_menu, EXPORT_ACTIONS)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.edit_menu.addActions([self.undo_action, self.redo_action])
        self.edit_menu.addSeparator()
        for group in EDIT_ACTIONS:
            anchor(self.edit_menu, group)
        self.edit_menu.addAction(self.undo_history_action)

        anchor(self.view_menu, VIEW_ACTIONS)
        for dock in (self.inspector_dock, self.problems_dock, self.yaml_dock, self.log_dock,
                     self.releases_dock):
            self.view_menu.addAction(dock.toggleViewAction())

        self.help_menu.addAction(self.about_action)
        self.help_menu.addAction("About &Qt", QApplication.aboutQt)

        self.toolbar = QToolBar("Main Toolbar")
        self.toolbar.setObjectName("mainToolBar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)
        self.toolbar.addActions([self.open_action, self.save_action])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.undo_action, self.redo_action])
        anchor(self.toolbar, TOOLBAR_GRAPH_ACTIONS)
        self.view_menu.addAction(self.toolbar.toggleViewAction())

    def _place_graph_actions(self) -> None:
        """Put the current graph's actions in the menus and the toolbar (the previous
        graph's come out)."""
        for widget, action in self._inserted:
            widget.removeAction(action)
        self._inserted = []
        graph_actions = self.graph.actions_by_name() if self.graph is not None else {}
        for widget, separator, names in self._anchors:
            for name in names:
                if name in graph_actions:
                    widget.insertAction(separator, graph_actions[name])
                    self._inserted.append((widget, graph_actions[name]))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            action = self.recent_menu.addAction(path.name)
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setData(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if paths:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent Files", self.recent.clear)
        else:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    # ----------------------------------------------------------------- opening

    def open_dialog(self) -> bool:
        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open pipeline", start, YAML_FILTER)
        return self.open_path(Path(name)) if name else False

    def open_path(self, path: Path) -> bool:
        """Open `path` in place of the current pipeline, asking first about unsaved edits,
        and read it on a worker (`open_in_background`). False when the user cancelled."""
        if not self.confirm_discard():
            return False
        self.open_in_background(Path(path))
        return True

    def open_in_background(self, path: Path) -> None:
        """Read `path` on a worker while the window shows that it is opening, with Cancel;
        the pipeline (or its error report) replaces what is shown once it is read. An open
        still under way is dropped for this one."""
        path = Path(path).resolve()
        if self._opening is None or not self._opening.running:
            self._shown_before_opening = self.central.currentWidget()
        self.cancel_opening()
        self.opening_view.show_path(path)
        self.central.setCurrentWidget(self.opening_view)
        self._opening = start_worker(
            lambda: open_pipeline(path, SPACING), self._opened,
            lambda error: self._open_failed(path, error))

    def is_opening(self) -> bool:
        """A pipeline is being read on a worker (not cancelled)."""
        return self.central.currentWidget() is self.opening_view

    def is_reading(self) -> bool:
        """A worker is still reading a pipeline, its open cancelled or not."""
        return self._opening is not None and self._opening.running

    def cancel_opening(self) -> None:
        """Stop waiting for the pipeline being read: what was shown before comes back."""
        if self._opening is not None and self._opening.cancel():
            self.central.setCurrentWidget(self._shown_before_opening)
            self.statusBar().showMessage("Opening cancelled", 4000)

    def load(self, path: Path) -> bool:
        """Load `path` now, on this thread (the first window, before it is shown): the
        graph, or the error report when it fails."""
        path = Path(path).resolve()
        try:
            opened = open_pipeline(path, SPACING)
        except (PipelineLoadError, OSError) as error:
            return self._open_failed(path, error)
        self._opened(opened)
        self._turns.finish()
        assert self.graph is not None
        self.graph.graph_scene.draw_now()
        return True

    def _opened(self, opened: OpenedPipeline) -> None:
        """Show the pipeline read: its graph is drawn in slices (`is_drawing`)."""
        path = opened.path
        editor = PipelineEditor(opened.document, self, diagnostics=opened.diagnostics)
        self.path = path
        self.recent.add(path)
        self._set_editor(editor, opened.graph)
        self.disk.opened(opened.read)
        self.recovery.opened(path)
        self.central.setCurrentWidget(self.graph_page)
        self.graph.keep_framed()  # while the docks settle around it
        self.statusBar().showMessage(f"Opened {path}", 4000)

    def _open_failed(self, path: Path, error: BaseException) -> bool:
        """Show why `path` did not open: its problems, or what the system said."""
        if isinstance(error, PipelineLoadError):
            self._set_editor(None)
            self.path = path
            self.recent.add(path)
            report_path = error.path or path  # the pipeline, or its environments' file
            self.error_view.show_error(report_path, error)
            self.problems.show_load_error(report_path, error)
            self.central.setCurrentWidget(self.error_view)
            self._update_title()
            return False
        if self.is_opening():
            self.central.setCurrentWidget(self._shown_before_opening)
        if isinstance(error, OSError):
            QMessageBox.critical(self, APP_TITLE,
                                 f"{path} could not be read: {error.strerror or error}")
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the graph: a .yml dropped on it opens (the canvas would take the drop)."""
        if self.graph is not None and watched is self.graph.viewport():
            kind = event.type()
            if kind in _DRAG_EVENTS and _dropped_yaml(event) is not None:
                if kind == QEvent.Type.Drop:
                    self.dropEvent(event)
                else:
                    event.acceptProposedAction()
                return True
        return super().eventFilter(watched, event)

    def reload(self) -> bool:
        """Read the shown file again (on a worker)."""
        if self.path is None:
            return False
        self.open_in_background(self.path)
        return True

    def discard_edits(self) -> None:
        """The user chose to drop the unsaved edits: their recovery copy goes too."""
        if self.path is not None and self.editor is not None:
            self.recovery.keeper.discard(self.path)

    def restore_copy(self, copy: RecoveryCopy) -> bool:
        """Open recovered edits as unsaved changes of their file (Save writes them),
        standing on the files as they were when the edits were made: a change made on
        disk since is shown, and a save will not write over it unseen."""
        try:
            editor = recovered_editor(copy, self)
        except PipelineLoadError as error:
            self.statusBar().showMessage(f"The recovered changes could not be read: {error}",
                                         10000)
            return False
        self._set_editor(editor)
        self.disk.opened(copy.base)
        self.recovery.keeper.follow(editor)
        editor.undo_stack.resetClean()
        self.disk.check()
        return True

    def _show_welcome(self) -> None:
        self.welcome.set_recent(self.recent.paths())
        self.central.setCurrentWidget(self.welcome)

    def _set_editor(self, editor: PipelineEditor | None,
                    prepared: StageGraph | None = None) -> None:
        """Show `editor` (None: nothing open). `prepared`: its graph as an open worked it
        out; the graph is then drawn in slices, and the inspector and the Releases dock
        follow on later event-loop turns (`is_drawing` until all is there)."""
        self._turns.finish()  # what an open before this one left to do
        old = self.editor
        self.editor = editor
        if self.graph is not None:
            self.graph.graph_scene.stop_drawing()
        for view in (self.graph, self.inspector):
            if view is not None:
                view.setParent(None)
                view.deleteLater()
        self.graph = self.inspector = None
        if editor is not None:
            self.undo_group.addStack(editor.undo_stack)
            self.undo_group.setActiveStack(editor.undo_stack)
            editor.editRefused.connect(lambda message: self.statusBar().showMessage(message, 6000))
            editor.changed.connect(self._show_stage_count)
            self.graph = GraphView(editor, prepared=prepared)
            self.graph.viewport().installEventFilter(self)
            self.graph_page.layout().addWidget(self.graph)
        else:
            self.disk.closed()
            self.recovery.closed()
        self.inspector_dock.setWidget(  # an editor's, on a later turn
            _placeholder("" if editor is not None else "Open a pipeline to see its stages."))
        if old is not None:
            self.undo_group.removeStack(old.undo_stack)
        self.problems.set_editor(editor)
        self.yaml_pane.set_editor(editor)
        for action in (self.save_action, self.save_as_action, self.revert_action):
            action.setEnabled(editor is not None)
        self._place_graph_actions()
        self._show_stage_count()
        self._update_title()
        later = [self._show_inspector, self._install_azure_environments,
                 self._install_releases, self.azure.follow_workspace]
        if old is not None:  # once nothing refers to it (the releases did, until now)
            later.append(old.deleteLater)
        if editor is not None and self.isVisible():  # (at start-up: after the first paint)
            # the document and its views, once the old ones are deleted
            later.append(lambda: QTimer.singleShot(0, self, freeze_long_lived))
        self._turns.start(later)
        if prepared is None:
            self._turns.finish()

    def _show_inspector(self) -> None:
        if self.editor is not None:
            self.inspector = InspectorPanel(self.editor)
            self.inspector_dock.setWidget(self.inspector)

    def _install_azure_environments(self) -> None:
        """Environments ▸ Pull / Push on a connected workspace (ui/azure_environments)."""
        from release_manager.ui.azure_environments import install_azure_environments

        install_azure_environments(self)

    def _install_releases(self) -> None:
        """The Releases dock for the open pipeline's workspace (ui/releases owns it). In
        a window still being built, the dock is shown now (the first paint frames the
        graph in the room it leaves) and filled after that paint: its engine and its
        worker do not delay it."""
        self._releases_due = True
        path = self.editor.document.path if self.editor is not None else None
        if path is not None and has_release_state(Path(path).parent):
            self.show_releases()
        once_on_screen(self, self._fill_releases)

    def _fill_releases(self) -> None:
        if not self._releases_due:  # asked for twice before the first paint
            return
        self._releases_due = False
        from release_manager.ui.releases.window_releases import install_releases

        install_releases(self)

    # ----------------------------------------------------------------- saving

    def save(self) -> bool:
        if self.editor is None:
            return False
        return self._write(None)

    def save_as(self) -> bool:
        if self.editor is None:
            return False
        start = str(self.path) if self.path else str(Path.home())
        name, _ = QFileDialog.getSaveFileName(self, "Save pipeline as", start, YAML_FILTER)
        if not name:
            return False
        return self._write(Path(name).resolve())

    def _write(self, path: Path | None) -> bool:
        """Save to `path` (None: the open file); a file changed on disk since it was
        read or written here is not overwritten unless the user chooses so."""
        assert self.editor is not None
        if (path is None or path == self.path) and not self.disk.confirm_overwrite():
            return False
        kept_for = self.path
        try:
            self.editor.save(path)
        except OSError as error:
            QMessageBox.critical(
                self, APP_TITLE, f"The pipeline could not be saved: {error.strerror or error}"
            )
            return False
        if path is not None:
            moved, self.path = path != self.path, path
            self.recent.add(path)
            if moved:  # the releases are those of the file the window shows
                self._install_releases()
        self.disk.saved(self.editor)
        if kept_for is not None:
            self.recovery.keeper.discard(kept_for)
        self.statusBar().showMessage(f"Saved {self.path}", 4000)
        self._update_title()
        return True

    def revert(self) -> bool:
        """Reload the file from disk, dropping the edits (after asking)."""
        if self.path is None:
            return False
        if self.editor is not None and self.editor.is_modified():
            answer = QMessageBox.question(
                self, "Revert", f"Discard your changes to {self.path.name} and reload it?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return False
            self.discard_edits()
        self.open_in_background(self.path)
        return True

    def confirm_discard(self) -> bool:
        """True when there is nothing unsaved, or the user saved or discarded it."""
        if self.editor is None or not self.editor.is_modified():
            return True
        name = self.path.name if self.path else "the pipeline"
        box = QMessageBox(
            QMessageBox.Icon.Warning, APP_TITLE,
            f"Do you want to save the changes you made to {name}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("unsavedChangesPrompt")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.discard_edits()
            return True
        return False

    # ----------------------------------------------------------------- state shown

    def _update_title(self) -> None:
        if self.path is None:
            self.setWindowTitle(APP_TITLE)
        else:
            self.setWindowTitle(f"{self.path.name}[*] — {APP_TITLE}")
        self.setWindowModified(self.editor is not None and self.editor.is_modified())

    def _show_stage_count(self) -> None:
        if self.editor is None:
            self._status.setText("")
            return
        count = len(self.editor.pipeline.stages)
        self._status.setText(f"{count} stage{'s' if count != 1 else ''}")

    def _show_problem_counts(self, diagnostics: list[Diagnostic]) -> None:
        errors = sum(1 for d in diagnostics if d.severity == "error")
        warnings = sum(1 for d in diagnostics if d.severity == "warning")
        parts = [f"{errors} error{'s' if errors != 1 else ''}"] if errors else []
        parts += [f"{warnings} warning{'s' if warnings != 1 else ''}"] if warnings else []
        self.problems_dock.setWindowTitle(f"Problems ({', '.join(parts)})" if parts else "Problems")

    def about(self) -> None:
        from release_manager.ui.about_dialog import show_about

        show_about(self, Path(self.settings.fileName()))

    def drawn_widget(self) -> QWidget:
        """The widget whose first paint means the central area is on screen."""
        current = self.central.currentWidget()
        if current is self.graph_page and self.graph is not None:
            return self.graph.viewport()
        return current

    def is_drawing(self) -> bool:
        """The pipeline opened is still being put on screen: its graph's items come in
        slices, the inspector and the Releases dock on later turns; the window answers
        between them."""
        return self._turns.pending() or (
            self.graph is not None and self.graph.graph_scene.is_drawing())

    def is_drawn(self) -> bool:
        """The graph holds an item per stage, the full validation is back and the
        Releases dock has its workspace's status (or knows why there is none)."""
        if self.editor is None:
            return True
        controller = getattr(self, "release_controller", None)
        releases_shown = not self._releases_due and (controller is None or controller.settled)
        return (not self.is_drawing() and not self.problems.is_validating()
                and releases_shown)

    # ----------------------------------------------------------------- window

    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(*self.default_size())
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self._sizes_settled = self.restoreState(state, STATE_VERSION)

    def default_size(self) -> tuple[int, int]:
        """1400×900, or less on a smaller screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, int(available.width() * 0.95))
            height = min(height, int(available.height() * 0.95))
        return width, height

    def _save_window(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self._save_window()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        if _dropped_yaml(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_yaml(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_path(path)


def _stacked(*widgets: QWidget) -> QWidget:
    """The widgets one above the other, without margins; the last one takes the room."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is widgets[-1] else 0)
    return column


def _share(total: int, share: tuple[float, int]) -> int:
    fraction, most = share
    return min(int(total * fraction), most)


_DRAG_EVENTS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


def _dropped_yaml(event: QEvent) -> Path | None:
    """The first local .yml/.yaml file among the dropped URLs."""
    if not isinstance(event, QDropEvent):  # drag enter and move events are drop events
        return None
    for url in event.mimeData().urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(YAML_SUFFIXES):
            return Path(url.toLocalFile())
    return None
