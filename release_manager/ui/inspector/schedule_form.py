"""The pipeline's schedules: a list, and the selected one's cron, reading and next runs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.core import cron
from release_manager.core.model import Filter, Schedule
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.first_paint import once_on_screen
from release_manager.ui.inspector.widgets import (
    fit_rows,
    form_layout,
    note,
    parse_patterns,
    patterns_line,
    set_checked,
    set_line,
    show_note,
)

NEW_SCHEDULE = Schedule("0 3 * * 1-5", "Nightly", Filter(include=["main"]))


def schedule_label(schedule: Schedule) -> str:
    return f"{schedule.display_name or 'Schedule'} — {schedule.cron}"


class SchedulesForm(QWidget):
    """Each edit is one undoable command on `Pipeline.schedules`."""

    def __init__(self, editor: PipelineEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.list = QListWidget(self)
        self.add_button = QPushButton("Add schedule", self)
        self.remove_button = QPushButton("Remove", self)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.empty_note = note("No schedules: runs start only from pushes, pull requests "
                               "or by hand.")

        self.details = QWidget(self)
        self.cron_edit = QLineEdit(self.details)
        self.cron_edit.setPlaceholderText("minute hour day-of-month month day-of-week")
        self.cron_edit.setToolTip(
            "cron: minute hour day-of-month month day-of-week, always in UTC.\n"
            "Lists (1,15), ranges (1-5), steps (*/15) and names (Mon-Fri, Jan) work."
        )
        self.reading = QLabel(self.details)
        self.reading.setWordWrap(True)
        self.cron_error = note(error=True)
        self.next_runs = QLabel(self.details)
        self.next_runs.setToolTip("The next five run times, in UTC.")
        self.display_edit = QLineEdit(self.details)
        self.include_edit = QLineEdit(self.details)
        self.include_edit.setPlaceholderText("main, release/*")
        self.include_edit.setToolTip("branches.include: the branches the schedule runs for.")
        self.exclude_edit = QLineEdit(self.details)
        self.always = QCheckBox("Run even without new commits", self.details)
        self.always.setToolTip(
            "always: false (Azure's default) skips a scheduled run when the branch has no "
            "new commit since the last successful scheduled run."
        )
        form = form_layout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Cron (UTC)", self.cron_edit)
        form.addRow("", self.cron_error)
        form.addRow("Runs", self.reading)
        form.addRow("Next runs", self.next_runs)
        form.addRow("Display name", self.display_edit)
        form.addRow("Include branches", self.include_edit)
        form.addRow("Exclude branches", self.exclude_edit)
        form.addRow("", self.always)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.empty_note)
        layout.addLayout(buttons)
        layout.addWidget(self.details)

        self.refresh()
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.currentRowChanged.connect(self._show)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.cron_edit.textChanged.connect(self._check_cron)
        for edit in (self.cron_edit, self.display_edit, self.include_edit, self.exclude_edit):
            edit.editingFinished.connect(self._commit)
        self.always.toggled.connect(self._commit)

    # ----------------------------------------------------------------- model → view

    def refresh(self) -> None:
        schedules = self.editor.pipeline.schedules
        labels = [schedule_label(s) for s in schedules]
        if labels != [self.list.item(i).text() for i in range(self.list.count())]:
            row = self.list.currentRow()
            self.list.blockSignals(True)
            self.list.clear()
            self.list.addItems(labels)
            self.list.setCurrentRow(min(max(row, 0), len(labels) - 1))
            self.list.blockSignals(False)
        fit_rows(self.list, len(labels), maximum=4)
        self.empty_note.setVisible(not schedules)
        self.list.setVisible(bool(schedules))
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        schedules = self.editor.pipeline.schedules
        self.details.setVisible(0 <= row < len(schedules))
        self.remove_button.setEnabled(0 <= row < len(schedules))
        if not 0 <= row < len(schedules):
            return
        schedule = schedules[row]
        set_line(self.cron_edit, schedule.cron)
        set_line(self.display_edit, schedule.display_name)
        set_line(self.include_edit, patterns_line(schedule.branches.include))
        set_line(self.exclude_edit, patterns_line(schedule.branches.exclude))
        set_checked(self.always, schedule.always)
        self._check_cron()

    def _check_cron(self) -> None:
        text = self.cron_edit.text()
        try:
            reading = cron.describe(text)
        except cron.CronError as error:
            show_note(self.cron_error, f"Column {error.column}: {error.message}")
            self.reading.setText("")
            self.next_runs.setText("")
            return
        show_note(self.cron_error, "")
        self.reading.setText(reading)
        # The run times need croniter (tens of ms to import, with dateutil): in a window
        # still being built, after its first paint.
        once_on_screen(self, self._show_next_runs)

    def _show_next_runs(self) -> None:
        try:
            runs = cron.next_runs(self.cron_edit.text(), 5, after=self.clock())
        except cron.CronError:  # typed since it was asked for: _check_cron says why
            runs = []
        self.next_runs.setText("\n".join(run.strftime("%a %Y-%m-%d %H:%M UTC") for run in runs))

    # ----------------------------------------------------------------- view → model

    def _edited(self, schedule: Schedule) -> Schedule:
        edited = copy.deepcopy(schedule)
        if cron.validate(self.cron_edit.text()) is None:
            edited.cron = self.cron_edit.text().strip()
        edited.display_name = self.display_edit.text()
        edited.branches = Filter(parse_patterns(self.include_edit.text()),
                                 parse_patterns(self.exclude_edit.text()))
        edited.always = self.always.isChecked()
        return edited

    def _commit(self) -> None:
        row = self.list.currentRow()
        schedules = self.editor.pipeline.schedules
        if not 0 <= row < len(schedules):
            return
        edited = self._edited(schedules[row])
        if edited != schedules[row]:
            self.editor.apply(f"Change schedule {edited.display_name or edited.cron}",
                              lambda p: p.set_schedule(row, edited))

    def _add(self) -> None:
        schedule = copy.deepcopy(NEW_SCHEDULE)
        if self.editor.apply("Add a schedule", lambda p: p.add_schedule(schedule)):
            self.list.setCurrentRow(self.list.count() - 1)
            self.cron_edit.setFocus()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.editor.pipeline.schedules):
            self.editor.apply("Remove a schedule", lambda p: p.remove_schedule(row))
