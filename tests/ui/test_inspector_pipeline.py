"""Pipeline-level sections of the inspector: triggers and schedules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from croniter import croniter
from inspector_helpers import open_panel
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from release_manager.core.pipeline_yaml import load
from release_manager.ui.inspector.panel import InspectorPanel

NOW = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def retype(qtbot, edit: QLineEdit, text: str, enter: bool = True) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def schedules_at_fixed_time(qtbot, tmp_path: Path) -> InspectorPanel:
    panel = open_panel(qtbot, tmp_path)
    panel.schedules.clock = lambda: NOW
    return panel


def test_schedule_cron_reading_and_next_runs(qtbot, tmp_path: Path) -> None:
    panel = schedules_at_fixed_time(qtbot, tmp_path)
    form = panel.schedules
    assert form.cron_edit.text() == "0 9 * * *"
    retype(qtbot, form.cron_edit, "0 3 * * 1-5", enter=False)
    assert form.reading.text() == "At 03:00, Monday through Friday, UTC"
    iterator = croniter("0 3 * * 1-5", NOW)
    expected = [iterator.get_next(datetime).strftime("%a %Y-%m-%d %H:%M UTC") for _ in range(5)]
    assert form.next_runs.text().splitlines() == expected
    assert expected[0] == "Thu 2026-03-05 03:00 UTC"
    assert panel.editor.undo_stack.count() == 0
    qtbot.keyClick(form.cron_edit, Qt.Key.Key_Return)
    assert panel.editor.pipeline.schedules[0].cron == "0 3 * * 1-5"
    assert panel.editor.undo_stack.count() == 1
    assert form.list.item(0).text() == "Deploy every day at 3 A.M. — 0 3 * * 1-5"


def test_invalid_cron_is_explained_and_not_applied(qtbot, tmp_path: Path) -> None:
    panel = schedules_at_fixed_time(qtbot, tmp_path)
    form = panel.schedules
    retype(qtbot, form.cron_edit, "0 3 * * 8")
    assert form.cron_error.isVisible()
    assert form.cron_error.text() == "Column 9: day of week 8 is out of range 0-6"
    assert form.reading.text() == "" and form.next_runs.text() == ""
    assert panel.editor.pipeline.schedules[0].cron == "0 9 * * *"
    assert panel.editor.undo_stack.count() == 0


def test_schedule_fields_add_and_remove(qtbot, tmp_path: Path) -> None:
    panel = schedules_at_fixed_time(qtbot, tmp_path)
    form = panel.schedules
    retype(qtbot, form.display_edit, "Nightly release")
    retype(qtbot, form.include_edit, "release, hotfix/*")
    qtbot.mouseClick(form.always, Qt.MouseButton.LeftButton)
    schedule = panel.editor.pipeline.schedules[0]
    assert schedule.display_name == "Nightly release"
    assert schedule.branches.include == ["release", "hotfix/*"]
    assert schedule.always
    assert panel.editor.undo_stack.count() == 3

    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert len(panel.editor.pipeline.schedules) == 2
    assert form.list.currentRow() == 1
    assert form.cron_edit.text() == "0 3 * * 1-5"
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    assert [s.display_name for s in panel.editor.pipeline.schedules] == ["Nightly release"]
    qtbot.mouseClick(form.remove_button, Qt.MouseButton.LeftButton)
    assert panel.editor.pipeline.schedules == []
    assert form.empty_note.isVisible() and not form.details.isVisible()
    panel.editor.undo_stack.undo()
    assert form.display_edit.text() == "Nightly release"


def test_ci_trigger_none_and_branches(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    ci = panel.triggers.ci
    assert ci.mode.currentData() == "full"
    assert ci.fields["branches.include"].text() == "*"
    retype(qtbot, ci.fields["branches.include"], "main, release/*")
    assert panel.editor.pipeline.trigger.branches.include == ["main", "release/*"]
    retype(qtbot, ci.fields["paths.exclude"], "docs/*")
    trigger = panel.editor.pipeline.trigger
    assert trigger.mode == "full" and trigger.paths.exclude == ["docs/*"]
    qtbot.mouseClick(ci.batch, Qt.MouseButton.LeftButton)
    assert panel.editor.pipeline.trigger.batch

    ci.mode.setCurrentIndex(ci.mode.findData("none"))
    assert panel.editor.pipeline.trigger.mode == "none"
    assert not ci.fields["branches.include"].isEnabled()
    saved = tmp_path / "saved.yml"
    panel.editor.document.save(saved)
    assert load(saved).pipeline.trigger.mode == "none"
    assert panel.editor.undo_stack.count() == 4
    panel.editor.undo_stack.undo()
    assert ci.mode.currentData() == "full"
    assert ci.fields["paths.exclude"].text() == "docs/*"


def test_pr_trigger_branches(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    pr = panel.triggers.pr
    assert pr.mode.currentData() == "default"
    assert not pr.fields["branches.include"].isEnabled()
    pr.mode.setCurrentIndex(pr.mode.findData("full"))
    retype(qtbot, pr.fields["branches.include"], "main")
    assert panel.editor.pipeline.pr.mode == "full"
    assert panel.editor.pipeline.pr.branches.include == ["main"]
    saved = tmp_path / "saved.yml"
    panel.editor.document.save(saved)
    assert load(saved).pipeline.pr.branches.include == ["main"]
