"""The main window's own panels on their own: error excerpt, YAML colours, problems, palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from release_manager.core.pipeline_yaml import PipelineLoadError, load
from release_manager.ui.load_error_view import source_excerpt
from release_manager.ui.problems_panel import ProblemsPanel
from release_manager.ui.recent_files import RecentFiles
from release_manager.ui.theme import apply_palette, is_dark
from release_manager.ui.yaml_highlighter import LIGHT_COLORS
from release_manager.ui.yaml_pane import YamlPane


def test_excerpt_puts_the_caret_under_the_column_and_shows_tabs():
    text = "stages:\n- stage: Build\n\tjobs: []\n- stage: Next\n"

    excerpt = source_excerpt(text, 3, 1)

    assert excerpt.splitlines() == [
        "1 | stages:",
        "2 | - stage: Build",
        "3 | →jobs: []",
        "  | ^",
    ]
    assert source_excerpt(text, 2, 10).splitlines()[-1] == "  |          ^"
    assert source_excerpt(text, 99, 1) == ""


def colours_at(pane: YamlPane, line: int) -> dict[int, QColor]:
    """Foreground colour of each formatted column of `line` (1-based)."""
    block = pane.document().findBlockByNumber(line - 1)
    colours = {}
    for fmt in block.layout().formats():
        for column in range(fmt.start, fmt.start + fmt.length):
            colours[column] = fmt.format.foreground().color()
    return colours


def test_yaml_colours_keys_strings_and_comments(qtbot):
    pane = YamlPane()
    qtbot.addWidget(pane)
    pane.setPalette(QApplication.style().standardPalette())
    pane.setPlainText("- stage: 'Build'  # first\n  condition: eq(1, 1)\n")
    pane.show()  # the lines are coloured as they come on screen

    qtbot.waitUntil(lambda: 2 in colours_at(pane, 1))
    first = colours_at(pane, 1)
    assert first[2] == QColor(LIGHT_COLORS["key"])  # "stage"
    assert first[9] == QColor(LIGHT_COLORS["string"])  # "'Build'"
    assert first[18] == QColor(LIGHT_COLORS["comment"])  # "# first"
    assert colours_at(pane, 2)[2] == QColor(LIGHT_COLORS["key"])  # "condition"


def test_problems_panel_lists_the_problems_of_a_file_that_did_not_load(qtbot, tmp_path: Path):
    bad = tmp_path / "bad.yml"
    bad.write_text("stages:\n- stage: A\n\tjobs: []\n", encoding="utf-8")
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    with pytest.raises(PipelineLoadError) as caught:
        load(bad)

    panel.show_load_error(bad, caught.value)

    rows = panel.diagnostics()
    assert rows and all(d.severity == "error" for d in rows)
    location = panel.model().index(0, 2).data()
    assert location.startswith("bad.yml:3:")


def test_dark_scheme_gives_a_dark_palette_and_light_a_light_one(qapp):
    original = QPalette(qapp.palette())
    try:
        apply_palette(qapp, Qt.ColorScheme.Dark)
        assert is_dark(qapp.palette())
        apply_palette(qapp, Qt.ColorScheme.Light)
        assert not is_dark(qapp.palette())
    finally:
        qapp.setPalette(original)


def test_recent_files_keep_the_ten_newest_without_repeats(tmp_path: Path):
    settings = QSettings(str(tmp_path / "recent.ini"), QSettings.Format.IniFormat)
    recent = RecentFiles(settings)
    files = []
    for number in range(12):
        path = tmp_path / f"p{number}.yml"
        path.write_text("stages: []\n", encoding="utf-8")
        files.append(path)
        recent.add(path)
    recent.add(files[5])

    listed = RecentFiles(settings).paths()

    assert len(listed) == 10
    assert listed[0] == files[5].resolve()
    assert listed[1:] == [p.resolve() for p in reversed(files[2:]) if p != files[5]]
