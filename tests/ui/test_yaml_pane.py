"""The YAML pane as a person reads it: after any edits, undos and redos it shows what a
save writes, and every line on screen is in colour, wherever they scrolled."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA_PIPELINES
from edit_steps import apply, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from test_main_window_panels import colours_at

from release_manager.core.pipeline_yaml import PipelineWriteError, load, loads
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.yaml_highlighter import LIGHT_COLORS
from release_manager.ui.yaml_pane import YamlPane

KEY = QColor(LIGHT_COLORS["key"])


def _long_pipeline(stages: int) -> str:
    lines = ["stages:"]
    for index in range(stages):
        lines += [f"- stage: S{index}", f"  displayName: 'Stage {index}'  # note",
                  "  jobs:", "  - job: J", "    steps:", f"    - script: echo {index}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def pane(qtbot) -> YamlPane:
    shown = YamlPane()
    qtbot.addWidget(shown)
    shown.setPalette(QApplication.style().standardPalette())
    shown.resize(500, 300)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _visible_lines(pane: YamlPane) -> list[int]:
    """1-based numbers of the lines in the viewport."""
    block = pane.firstVisibleBlock()
    top = pane.blockBoundingGeometry(block).translated(pane.contentOffset()).top()
    numbers = []
    while block.isValid() and top < pane.viewport().height():
        numbers.append(block.blockNumber() + 1)
        top += pane.blockBoundingRect(block).height()
        block = block.next()
    return numbers


def _keys_coloured(pane: YamlPane, lines: list[int]) -> bool:
    """Every `- stage:` and `displayName:` line among `lines` shows its key in colour."""
    document = pane.document()
    for line in lines:
        text = document.findBlockByNumber(line - 1).text()
        column = text.find("stage") if text.startswith("- stage") else text.find("displayName")
        if column >= 0 and colours_at(pane, line).get(column) != KEY:
            return False
    return True


def test_the_lines_on_screen_are_in_colour_after_scrolling(qtbot, pane: YamlPane) -> None:
    editor = PipelineEditor(loads(_long_pipeline(300)))
    pane.set_editor(editor)
    qtbot.waitUntil(lambda: _keys_coloured(pane, _visible_lines(pane)))

    for value in (pane.verticalScrollBar().maximum(), pane.verticalScrollBar().maximum() // 2):
        pane.verticalScrollBar().setValue(value)
        on_screen = _visible_lines(pane)
        assert on_screen[0] > 100  # far from where the pane started
        qtbot.waitUntil(lambda lines=on_screen: _keys_coloured(pane, lines))


def test_a_line_an_edit_changes_on_screen_is_coloured_as_its_new_text(
        qtbot, pane: YamlPane) -> None:
    editor = PipelineEditor(loads(_long_pipeline(40)))
    pane.set_editor(editor)
    qtbot.waitUntil(lambda: _keys_coloured(pane, _visible_lines(pane)))

    editor.apply("Condition", lambda p: p.set_condition("S1", "eq(variables['x'], 'y')"))
    pane.refresh()

    line = next(n for n in _visible_lines(pane)
                if "condition:" in pane.document().findBlockByNumber(n - 1).text())
    text = pane.document().findBlockByNumber(line - 1).text()
    wanted = {text.index("condition"): KEY, text.index("'y'"): QColor(LIGHT_COLORS["string"]),
              text.index("eq("): None}  # (a plain scalar: not coloured)
    qtbot.waitUntil(lambda: all(colours_at(pane, line).get(column) == colour
                                for column, colour in wanted.items()))
    assert line in pane.changed_lines()


steps = st.lists(st.one_of(edit, st.sampled_from([("undo", None, None), ("redo", None, None)])),
                 min_size=1, max_size=10)


@pytest.mark.parametrize("source", DATA_PIPELINES, ids=lambda path: Path(path).name)
def test_after_any_edits_undos_and_redos_the_pane_shows_what_a_save_writes(
        qtbot, source: Path) -> None:
    """The pane replaces only the lines that changed: whatever changed, and in files with
    CR LF line breaks too, it holds the whole text a save writes, line for line."""
    pane = YamlPane()
    qtbot.addWidget(pane)

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps)
    def check(actions: list[tuple]) -> None:
        editor = PipelineEditor(load(source))
        pane.set_editor(editor)
        for step in actions:
            if step[0] == "undo":
                editor.undo_stack.undo()
            elif step[0] == "redo":
                editor.undo_stack.redo()
            else:
                editor.apply(step[0], lambda p, step=step: apply(p, step))
            try:
                editor.document.dumps()
            except PipelineWriteError:  # an edit this file cannot hold (see the save's tests)
                editor.undo_stack.undo()
            pane.refresh()
            written = editor.document.dumps().replace("\r\n", "\n")
            assert pane.toPlainText() == written
            assert pane.document().blockCount() == len(written.split("\n"))
        pane.set_editor(None)

    check()
