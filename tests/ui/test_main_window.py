"""The main window, driven as a person would: open, edit, save, undo, close, drop."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton, QWidget
from scale_pipeline import CAP_STAGES, scale_pipeline
from window_helpers import wait_opened

from release_manager.cli import build_gui_parser
from release_manager.core.drawable import MAX_DRAWN_STAGES
from release_manager.ui.app import create_window
from release_manager.ui.main_window import MainWindow

SPACEGAME = DATA / "pipelines" / "spacegame.yml"
INVALID = DATA / "invalid" / "duplicate-top-level-keys.yml"


@pytest.fixture
def spacegame(tmp_path: Path) -> Path:
    """A copy of the spacegame pipeline that a test may save over."""
    path = tmp_path / "work" / "azure-pipelines.yml"
    path.parent.mkdir()
    shutil.copyfile(SPACEGAME, path)
    return path


@pytest.fixture
def launch(qtbot, settings: QSettings):
    """`launch(*argv)`: the window as `release-manager ARGS` makes it, shown. At the end,
    windows still modified are marked clean so that closing them does not ask."""
    windows: list[MainWindow] = []

    def make(*argv: str | Path) -> tuple[MainWindow, bool]:
        window, loaded = create_window(build_gui_parser().parse_args(list(map(str, argv))),
                                       settings)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window, loaded

    yield make
    for window in windows:
        if window.editor is not None:
            window.editor.undo_stack.setClean()
        window.close()
        window.deleteLater()


@pytest.fixture
def window_on(launch):
    """`window_on(*argv)`: just the window."""
    return lambda *argv: launch(*argv)[0]


def stage_item_names(window: MainWindow) -> list[str]:
    """Names of the stage nodes drawn in the graph."""
    from release_manager.ui.graph.stage_item import StageItem

    return [
        item.name for item in window.graph.scene().items() if isinstance(item, StageItem)
    ]


def click_when_shown(qtbot, button: QMessageBox.StandardButton) -> list[str]:
    """Click `button` of the next modal message box; returns its text once seen."""
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, click)
    return seen


def rename_display(window: MainWindow, stage: str, text: str) -> None:
    assert window.editor.apply("Rename", lambda p: p.set_display_name(stage, text))


# --------------------------------------------------------------------- opening


def test_file_from_the_command_line_opens_with_its_name_and_a_node_per_stage(
    qtbot, launch, spacegame
):
    window, loaded = launch(str(spacegame))

    assert loaded
    assert window.windowTitle().replace("[*]", "") == "azure-pipelines.yml — Release Manager"
    assert not window.isWindowModified()
    assert window.central.currentWidget() is window.graph_page
    qtbot.waitUntil(lambda: len(stage_item_names(window)) == 4)
    assert sorted(stage_item_names(window)) == ["Build", "Dev", "Staging", "Test"]


def test_no_file_opens_the_demo_workspace_made_in_the_data_folder(qtbot, window_on, tmp_path):
    window = window_on()

    assert window.path == (tmp_path / "data" / "release-manager" / "demo" / "azure-pipelines.yml")
    assert window.central.currentWidget() is window.graph_page
    qtbot.waitUntil(lambda: len(stage_item_names(window)) >= 2)


def test_a_workspace_without_a_pipeline_shows_a_welcome_with_an_open_button(
    window_on, tmp_path
):
    window = window_on("--workspace", tmp_path)

    assert window.central.currentWidget() is window.welcome
    assert window.welcome.open_button.text() == "Open a pipeline…"
    assert window.windowTitle() == "Release Manager"
    assert not window.save_action.isEnabled()


def test_yaml_pane_shows_what_a_save_writes(window_on, spacegame):
    window = window_on(spacegame)

    assert window.yaml_pane.toPlainText() == spacegame.read_text(encoding="utf-8")
    assert window.yaml_pane.changed_lines() == set()


# --------------------------------------------------------------------- editing


def test_an_edit_marks_the_title_and_the_yaml_line_and_save_writes_only_that_line(
    qtbot, window_on, spacegame
):
    window = window_on(spacegame)
    before = spacegame.read_text(encoding="utf-8").splitlines()

    rename_display(window, "Dev", "Deploy to Dev")

    assert window.isWindowModified()
    qtbot.waitUntil(lambda: "Deploy to Dev" in window.yaml_pane.toPlainText())
    shown = window.yaml_pane.toPlainText().splitlines()
    marked = window.yaml_pane.changed_lines()
    assert marked and all("Deploy to Dev" in shown[line - 1] for line in marked)

    window.save_action.trigger()

    after = spacegame.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    differing = {n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b}
    assert differing == marked
    assert not window.isWindowModified()


def test_undo_back_to_the_saved_state_clears_the_modified_mark(qtbot, window_on, spacegame):
    window = window_on(spacegame)
    original = window.yaml_pane.toPlainText()
    rename_display(window, "Test", "QA")
    assert window.isWindowModified()

    qtbot.mouseClick(window.graph.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert not window.isWindowModified()
    qtbot.waitUntil(lambda: window.yaml_pane.toPlainText() == original)
    assert window.yaml_pane.changed_lines() == set()

    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.isWindowModified()


def test_undo_and_redo_have_their_shortcuts_and_a_history_dock(window_on, spacegame):
    window = window_on(spacegame)
    rename_display(window, "Dev", "Development")

    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [k.toString() for k in window.redo_action.shortcuts()]
    assert window.undo_action.isEnabled() and not window.redo_action.isEnabled()
    assert not window.undo_dock.isVisible()
    window.undo_history_action.trigger()
    assert window.undo_dock.isVisible()


def test_undo_and_redo_buttons_keep_their_place_and_name_the_command_in_the_tip(
    qtbot, window_on, spacegame
):
    window = window_on(spacegame)
    toolbar = window.toolbar
    buttons = [toolbar.widgetForAction(a) for a in toolbar.actions() if not a.isSeparator()]
    before = [button.geometry() for button in buttons]
    long_name = "DeployToTheDevelopmentEnvironment"
    window.editor.select(["Dev"])
    window.graph.actions_by_name()["rename"].trigger()
    qtbot.keyClicks(window.graph, long_name)
    qtbot.keyClick(window.graph, Qt.Key.Key_Return)
    assert window.editor.pipeline.has_stage(long_name)

    undo, redo = (toolbar.widgetForAction(a) for a in (window.undo_action, window.redo_action))
    command = f"Rename Dev to {long_name}"
    assert undo.text() == "Undo" and command in undo.toolTip()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert window.editor.pipeline.has_stage("Dev")
    assert redo.isEnabled() and redo.text() == "Redo"
    assert command in redo.toolTip() and command in window.redo_action.statusTip()
    assert command in window.redo_action.text()  # the Edit menu names it in full
    assert [button.geometry() for button in buttons] == before


def test_graph_actions_are_in_the_edit_menu_and_the_toolbar(window_on, spacegame):
    window = window_on(spacegame)
    edit_texts = [a.text() for a in window.edit_menu.actions() if a.text()]
    graph_actions = window.graph.actions_by_name()

    assert graph_actions["add_stage"].text() in edit_texts
    assert graph_actions["delete"].text() in edit_texts
    assert window.undo_action.text().startswith("&Undo") or "Undo" in edit_texts[0]
    toolbar = window.toolbar.actions()
    for name in ("add_stage", "delete", "fit"):
        assert graph_actions[name] in toolbar
    assert window.open_action in toolbar and window.save_action in toolbar


# --------------------------------------------------------------------- unsaved changes


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(
    qtbot, window_on, spacegame
):
    window = window_on(spacegame)
    rename_display(window, "Dev", "Development")

    seen = click_when_shown(qtbot, QMessageBox.StandardButton.Cancel)
    closed = window.close()

    assert seen == ["Do you want to save the changes you made to azure-pipelines.yml?"]
    assert not closed
    assert window.isVisible()
    assert window.isWindowModified()


def test_closing_and_choosing_save_writes_the_file(qtbot, window_on, spacegame):
    window = window_on(spacegame)
    rename_display(window, "Dev", "Development")

    click_when_shown(qtbot, QMessageBox.StandardButton.Save)
    assert window.close()

    assert "Development" in spacegame.read_text(encoding="utf-8")


def test_opening_another_file_with_unsaved_changes_asks_first(
    qtbot, window_on, spacegame, tmp_path
):
    other = tmp_path / "other.yml"
    other.write_text("stages:\n- stage: Only\n  jobs: []\n", encoding="utf-8")
    window = window_on(spacegame)
    rename_display(window, "Dev", "Development")

    click_when_shown(qtbot, QMessageBox.StandardButton.Cancel)
    assert not window.open_path(other)
    assert window.path == spacegame.resolve()
    assert window.isWindowModified()

    click_when_shown(qtbot, QMessageBox.StandardButton.Discard)
    assert window.open_path(other)
    wait_opened(qtbot, window)
    assert window.windowTitle().startswith("other.yml")
    assert not window.isWindowModified()
    assert "Development" not in spacegame.read_text(encoding="utf-8")


def test_revert_reloads_the_file_from_disk(qtbot, window_on, spacegame):
    window = window_on(spacegame)
    rename_display(window, "Dev", "Development")

    click_when_shown(qtbot, QMessageBox.StandardButton.Discard)
    window.revert_action.trigger()
    wait_opened(qtbot, window)

    assert not window.isWindowModified()
    assert window.editor.pipeline.stage("Dev").display_name != "Development"


def test_save_as_writes_a_new_file_and_retitles(qtbot, window_on, spacegame, monkeypatch):
    window = window_on(spacegame)
    target = spacegame.parent / "copy.yml"
    monkeypatch.setattr(
        "release_manager.ui.main_window.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(target), ""),
    )
    rename_display(window, "Dev", "Development")

    window.save_as_action.trigger()

    assert "Development" in target.read_text(encoding="utf-8")
    assert "Development" not in spacegame.read_text(encoding="utf-8")
    assert window.windowTitle().startswith("copy.yml")
    assert not window.isWindowModified()


# --------------------------------------------------------------------- recent files, drop


def test_recent_files_menu_lists_opened_files_newest_first(qtbot, window_on, spacegame,
                                                          tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("stages:\n- stage: Only\n  jobs: []\n", encoding="utf-8")
    gone = tmp_path / "gone.yml"
    gone.write_text("stages:\n- stage: Gone\n  jobs: []\n", encoding="utf-8")
    window = window_on(gone)
    window.open_path(spacegame)
    wait_opened(qtbot, window)
    window.open_path(other)
    wait_opened(qtbot, window)
    gone.unlink()

    window.recent_menu.aboutToShow.emit()

    listed = [a.data() for a in window.recent_menu.actions() if a.data()]
    assert listed == [str(other.resolve()), str(spacegame.resolve())]
    recent_action = window.recent_menu.actions()[1]
    recent_action.trigger()
    wait_opened(qtbot, window)
    assert window.path == spacegame.resolve()


def drag_and_drop(target: QWidget, path: Path) -> tuple[bool, bool]:
    """Drag `path` over `target` and drop it there; whether the enter and the drop were
    accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    where = QPoint(target.width() // 2, target.height() // 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(where, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, move)
    drop = QDropEvent(QPointF(where), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, drop)
    return enter.isAccepted() and move.isAccepted(), drop.isAccepted()


def test_dropping_a_yaml_file_on_the_welcome_opens_it(qtbot, window_on, spacegame, tmp_path):
    window = window_on("--workspace", tmp_path)

    assert drag_and_drop(window.welcome, spacegame) == (True, True)
    wait_opened(qtbot, window)

    assert window.path == spacegame.resolve()
    assert window.central.currentWidget() is window.graph_page
    qtbot.waitUntil(lambda: len(stage_item_names(window)) == 4)


def test_dropping_a_yaml_file_on_the_graph_opens_it(qtbot, window_on, spacegame, tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("stages:\n- stage: Only\n  jobs: []\n", encoding="utf-8")
    window = window_on(spacegame)

    assert drag_and_drop(window.graph.viewport(), other) == (True, True)
    wait_opened(qtbot, window)

    assert window.path == other.resolve()
    qtbot.waitUntil(lambda: stage_item_names(window) == ["Only"])


def test_dropping_something_else_is_refused(window_on, tmp_path):
    window = window_on("--workspace", tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")

    assert drag_and_drop(window.welcome, text) == (False, False)
    assert window.path is None


# --------------------------------------------------------------------- load errors


def test_a_malformed_corpus_file_shows_the_error_report(qtbot, launch):
    window, loaded = launch(str(INVALID))

    assert not loaded
    assert window.central.currentWidget() is window.error_view
    problems = window.error_view.problem_texts()
    assert problems and all(text.startswith("line ") and ", column " in text for text in problems)
    buttons = [b.text() for b in window.error_view.findChildren(QPushButton)]
    assert "Open another file…" in buttons and "Reload" in buttons
    assert window.windowTitle().startswith(INVALID.name)


def test_a_malformed_environments_file_is_reported_not_raised(qtbot, launch, spacegame):
    policies = spacegame.parent / ".release-manager" / "environments.yml"
    policies.parent.mkdir()
    policies.write_text("version: 1\nenvironments:\n  staging: [not, a, mapping]\n")
    window, loaded = launch(str(spacegame))

    assert not loaded
    assert window.central.currentWidget() is window.error_view
    [problem] = window.error_view.problem_texts()
    assert problem.startswith("line 3, column ")
    title = window.error_view.findChild(QLabel, "errorTitle").text()
    assert title == "environments.yml could not be opened"


def test_a_tab_in_the_indentation_is_reported_at_its_line_and_column(
    qtbot, launch, tmp_path
):
    bad = tmp_path / "tabbed.yml"
    bad.write_text("stages:\n- stage: Build\n\tjobs: []\n", encoding="utf-8")

    window, loaded = launch(str(bad))

    assert not loaded
    assert any(text.startswith("line 3, column 1:") for text in window.error_view.problem_texts())
    excerpt = [label.text() for label in window.error_view.findChildren(QLabel, "sourceExcerpt")]
    assert excerpt and "→jobs: []" in excerpt[0] and excerpt[0].endswith("| ^")


def test_a_pipeline_too_large_to_draw_is_refused_up_front_with_its_stage_count(
    qtbot, launch, tmp_path
):
    big = tmp_path / "azure-pipelines.yml"
    big.write_text(scale_pipeline(CAP_STAGES), encoding="utf-8")  # 1.97 MB, under the cap

    window, loaded = launch(str(big))

    assert not loaded
    assert window.central.currentWidget() is window.error_view
    [problem] = window.error_view.problem_texts()
    assert problem.startswith("the pipeline has 21,795 stages, too many to draw: the window "
                              f"draws at most {MAX_DRAWN_STAGES:,}.")
    assert f"release-manager validate {big}" in problem
    assert [d.message for d in window.problems.diagnostics()] == [problem]
    assert window.windowTitle().startswith("azure-pipelines.yml")


def test_a_large_pipeline_opens_with_every_stage_and_dependency_drawn(
    qtbot, launch, tmp_path
):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(scale_pipeline(400), encoding="utf-8")

    window, loaded = launch(str(path))

    assert loaded
    scene = window.graph.graph_scene
    pipeline = window.editor.pipeline
    assert sorted(stage_item_names(window)) == sorted(f"S{i}" for i in range(400))
    assert sorted(edge.names for edge in scene.edge_items()) == sorted(pipeline.edges())
    assert len(pipeline.edges()) == 399 + len(range(12, 400, 3))
    for upstream, downstream in pipeline.edges():
        assert scene.stage_item(upstream).x() < scene.stage_item(downstream).x()


def test_reload_after_fixing_the_file_opens_the_graph(qtbot, launch, tmp_path):
    bad = tmp_path / "tabbed.yml"
    bad.write_text("stages:\n- stage: Build\n\tjobs: []\n", encoding="utf-8")
    window, _ = launch(str(bad))

    bad.write_text("stages:\n- stage: Build\n  jobs: []\n", encoding="utf-8")
    qtbot.mouseClick(window.error_view.reload_button, Qt.MouseButton.LeftButton)
    wait_opened(qtbot, window)

    assert window.central.currentWidget() is window.graph_page
    assert window.editor.pipeline.stage_names == ["Build"]


def test_open_another_file_button_opens_the_file_dialog(qtbot, launch, monkeypatch, spacegame):
    monkeypatch.setattr(
        "release_manager.ui.main_window.QFileDialog.getOpenFileName",
        lambda *args, **kwargs: (str(spacegame), ""),
    )
    window, _ = launch(str(INVALID))

    qtbot.mouseClick(window.error_view.open_button, Qt.MouseButton.LeftButton)
    wait_opened(qtbot, window)

    assert window.path == spacegame.resolve()
    assert window.central.currentWidget() is window.graph_page


# --------------------------------------------------------------------- problems


def test_clicking_a_problem_selects_its_stage_and_shows_its_line(qtbot, window_on, tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(
        "stages:\n"
        "- stage: Build\n"
        "  jobs: [job: A]\n"
        "- stage: Deploy\n"
        "  dependsOn: Missing\n"
        "  jobs: [job: A]\n",
        encoding="utf-8",
    )
    window = window_on(path)
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    rows = window.problems.diagnostics()
    row = next(i for i, d in enumerate(rows) if d.stage == "Deploy" and "Missing" in d.message)
    index = window.problems.model().index(row, 1)
    window.problems.scrollTo(index)

    with qtbot.waitSignal(window.editor.selectionChanged):
        qtbot.mouseClick(
            window.problems.viewport(), Qt.MouseButton.LeftButton,
            pos=window.problems.visualRect(index).center(),
        )

    assert window.editor.selected() == ["Deploy"]
    assert window.yaml_pane.current_line() == rows[row].line
    assert "Problems (1 error" in window.problems_dock.windowTitle()


DUPLICATED = """\
stages:
- stage: Lint
  jobs:
  - job: Lint
    steps:
    - script: make lint
- stage: Build
  jobs:
  - job: Compile
    steps:
    - script: make
- stage: Build
  dependsOn: Lint
  jobs:
  - job: Compile
    steps:
    - script: make
"""


def click_problem(qtbot, window: MainWindow, row: int) -> None:
    index = window.problems.model().index(row, 1)
    window.problems.scrollTo(index)
    qtbot.mouseClick(window.problems.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.problems.visualRect(index).center())


def test_after_an_edit_problems_stand_once_at_their_lines_of_the_edited_text(
    qtbot, window_on, tmp_path
):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(DUPLICATED, encoding="utf-8")
    window = window_on(path)
    qtbot.waitUntil(lambda: not window.problems.is_validating())

    # A condition on the first stage: one more line above both duplicated names.
    assert window.editor.apply("Condition", lambda p: p.set_condition("Lint", "always()"))

    def duplicates() -> list[tuple[int, str]]:
        return [(d.line, d.message) for d in window.problems.diagnostics()
                if d.code == "duplicate-stage"]

    expected = [(8, "duplicate stage name 'Build' (also at line 13)"),
                (13, "duplicate stage name 'Build' (also at line 8)")]
    assert duplicates() == expected  # the live rules, before the full validation is back
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert duplicates() == expected
    assert len(window.problems.diagnostics()) == 2
    lines = window.yaml_pane.toPlainText().split("\n")
    for row, (line, _) in enumerate(expected):
        click_problem(qtbot, window, row)
        assert window.yaml_pane.current_line() == line
        assert lines[line - 1] == "- stage: Build"


def test_a_stage_added_in_the_graph_saves_as_a_pipeline_that_validates_clean(
    qtbot, window_on, tmp_path
):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(DUPLICATED.replace("- stage: Build\n  dependsOn: Lint", "- stage: Test\n"
                                       "  dependsOn: Lint"), encoding="utf-8")
    window = window_on(path)
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert window.problems.diagnostics() == []
    window.graph.actions_by_name()["add_stage"].trigger()
    assert len(window.editor.pipeline.stages) == 4
    assert window.save()

    reopened = window_on(path)
    qtbot.waitUntil(lambda: not reopened.problems.is_validating())
    assert reopened.problems.diagnostics() == []
    assert [len(s.jobs) for s in reopened.editor.pipeline.stages] == [1, 1, 1, 1]


def test_a_stage_without_jobs_is_listed_at_its_line(qtbot, window_on, tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(DUPLICATED.replace(
        "- stage: Build\n  dependsOn: Lint\n  jobs:\n  - job: Compile\n    steps:\n"
        "    - script: make\n", "- stage: Test\n  dependsOn: Lint\n"), encoding="utf-8")
    window = window_on(path)
    qtbot.waitUntil(lambda: not window.problems.is_validating())

    [problem] = window.problems.diagnostics()
    assert (problem.severity, problem.line, problem.column) == ("error", 12, 10)
    assert problem.message == "stage 'Test' has no jobs: Azure needs at least one job in a stage"
    with qtbot.waitSignal(window.editor.selectionChanged):
        click_problem(qtbot, window, 0)
    assert window.editor.selected() == ["Test"]
    assert window.yaml_pane.current_line() == 12


# --------------------------------------------------------------------- settings


def test_window_geometry_and_docks_are_restored_from_settings(qtbot, launch):
    first, _ = launch(str(SPACEGAME))
    first.resize(first.width(), 640)
    first.yaml_dock.raise_()
    first.log_dock.hide()
    first.close()

    second, _ = launch(str(SPACEGAME))

    assert second.height() == 640
    assert not second.log_dock.isVisible()


def test_default_size_fits_the_screen(qtbot, launch):
    window, _ = launch(str(SPACEGAME))
    available = window.screen().availableGeometry()

    width, height = window.default_size()

    assert width <= min(1400, available.width()) and height <= min(900, available.height())


# --------------------------------------------------------------------- opening on a worker


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """The largest pipeline the window draws."""
    path = tmp_path / "big.yml"
    path.write_text(scale_pipeline(MAX_DRAWN_STAGES), encoding="utf-8")
    return path


def test_a_large_pipeline_opens_behind_a_cancellable_page(qtbot, window_on, spacegame, big):
    window = window_on(spacegame)

    assert window.open_path(big)

    assert window.is_opening()  # back from the click before the file is read
    assert window.central.currentWidget() is window.opening_view
    assert window.opening_view.label.text().startswith("Opening big.yml…")
    assert window.opening_view.cancel_button.isVisible()
    wait_opened(qtbot, window)
    assert window.path == big.resolve()
    assert len(stage_item_names(window)) == MAX_DRAWN_STAGES


@pytest.mark.parametrize("how", ["button", "escape"])
def test_cancel_goes_back_to_the_pipeline_shown_and_keeps_it(qtbot, window_on, spacegame,
                                                             big, how):
    window = window_on(spacegame)
    window.editor.apply("Rename", lambda p: p.set_display_name("Dev", "Development"))
    window.editor.undo_stack.setClean()  # as if saved: nothing asks before the open

    window.open_path(big)
    if how == "button":
        qtbot.mouseClick(window.opening_view.cancel_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(window.opening_view.cancel_button, Qt.Key.Key_Escape)

    assert window.central.currentWidget() is window.graph_page
    assert "Opening cancelled" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.is_reading(), timeout=20000)  # the read ended…
    assert window.path == spacegame.resolve()  # …and was dropped
    assert window.editor.pipeline.stage("Dev").display_name == "Development"
    assert sorted(stage_item_names(window)) == ["Build", "Dev", "Staging", "Test"]


def test_a_second_open_replaces_the_first_still_being_read(qtbot, window_on, spacegame,
                                                          big, tmp_path):
    other = tmp_path / "other.yml"
    other.write_text("stages:\n- stage: Only\n  jobs: []\n", encoding="utf-8")
    window = window_on(spacegame)

    window.open_path(big)
    window.open_path(other)

    wait_opened(qtbot, window)
    qtbot.waitUntil(lambda: not window.is_reading(), timeout=20000)
    assert window.path == other.resolve()
    assert stage_item_names(window) == ["Only"]
    cancel = window.opening_view.cancel_button
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # nothing left to cancel
    assert window.central.currentWidget() is window.graph_page


def test_a_file_that_does_not_load_shows_its_report_once_read(qtbot, window_on, spacegame,
                                                               tmp_path):
    bad = tmp_path / "tabbed.yml"
    bad.write_text("stages:\n- stage: Build\n\tjobs: []\n", encoding="utf-8")
    window = window_on(spacegame)

    window.open_path(bad)
    wait_opened(qtbot, window)

    assert window.central.currentWidget() is window.error_view
    assert window.path == bad.resolve()
    assert [(d.line, d.message) for d in window.problems.diagnostics()] == [
        (3, "a tab is used for indentation; YAML allows only spaces")]


def test_an_open_a_save_and_their_full_validations_read_the_yaml_once_each(
        qtbot, window_on, spacegame, monkeypatch):
    from release_manager.core import pipeline_yaml

    parsed: list[str] = []
    real = pipeline_yaml.parse

    def counted(text: str, path=None):
        parsed.append(text)
        return real(text, path)

    monkeypatch.setattr(pipeline_yaml, "parse", counted)
    window = window_on(spacegame)
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert parsed == [spacegame.read_text(encoding="utf-8-sig")]

    rename_display(window, "Dev", "Development")
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert len(parsed) == 2  # the edited text, validated in full on a worker
    window.save_action.trigger()
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert parsed[2:] == [spacegame.read_text(encoding="utf-8-sig")]  # the saved text, once


def test_edits_made_while_a_save_is_read_back_are_saved_and_undo_brings_back_the_file(
        qtbot, window_on, spacegame):
    window = window_on(spacegame)
    original = spacegame.read_bytes()
    rename_display(window, "Dev", "Development")
    window.save_action.trigger()
    rename_display(window, "Test", "Testing")  # before the saved text is read back
    assert window.editor.is_settling() and window.isWindowModified()
    qtbot.waitUntil(lambda: not window.editor.is_settling())

    window.save_action.trigger()
    qtbot.waitUntil(lambda: not window.editor.is_settling())
    saved = spacegame.read_text(encoding="utf-8-sig")
    assert "displayName: 'Development'" in saved and "displayName: 'Testing'" in saved
    window.undo_group.undo()
    window.undo_group.undo()
    window.save_action.trigger()
    qtbot.waitUntil(lambda: not window.problems.is_validating())
    assert spacegame.read_bytes() == original
    assert window.yaml_pane.changed_lines() == set()


# --------------------------------------------------------------------- the collector


def _tracked(thing: object) -> bool:
    """Whether the cyclic garbage collector walks `thing` (frozen objects it does not)."""
    return any(tracked is thing for tracked in gc.get_objects())


def test_an_opened_pipeline_is_out_of_the_collectors_way_until_another_replaces_it(
        qtbot, window_on, spacegame, tmp_path):
    """A full collection walking a large pipeline's objects stops the window for 40–180 ms,
    and the validation after each edit set some off: the window freezes what it opened.
    A pipeline replaced by another is collected all the same (its views hold it in
    reference cycles)."""
    window = window_on(spacegame)
    other = tmp_path / "other" / "azure-pipelines.yml"
    other.parent.mkdir()
    shutil.copyfile(DATA / "pipelines" / "fan-in-condition.yml", other)

    assert window.open_path(other)
    stage = weakref.ref(window.editor.pipeline.stages[0])
    document = weakref.ref(window.editor.document)
    qtbot.waitUntil(lambda: not _tracked(stage()))

    assert window.open_path(spacegame)
    qtbot.waitUntil(lambda: document() is None and stage() is None)
