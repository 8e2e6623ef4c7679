"""The pipeline's CI trigger (`trigger:`) and PR trigger (`pr:`)."""

from __future__ import annotations

import copy

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QVBoxLayout, QWidget

from release_manager.core.model import Filter, Pipeline, Trigger
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.widgets import (
    compact,
    form_layout,
    note,
    parse_patterns,
    patterns_line,
    set_checked,
    set_combo_data,
    set_line,
    show_note,
)

MODE_TOOLTIPS = {
    "trigger": (
        "trigger: which pushes start a run.\n"
        "Without the key every push to every branch starts one; 'none' turns CI off; "
        "with branches and paths only matching pushes do."
    ),
    "pr": (
        "pr: which pull requests start a run (Azure Repos uses branch policies instead).\n"
        "Without the key every pull request does; 'none' turns PR runs off."
    ),
}


class TriggerForm(QWidget):
    """One trigger; `attribute` is "trigger" or "pr" (the field of Pipeline it edits)."""

    def __init__(self, editor: PipelineEditor, attribute: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.attribute = attribute
        self.what = "CI trigger" if attribute == "trigger" else "PR trigger"
        self.mode = compact(QComboBox(self))
        default = "every branch" if attribute == "trigger" else "every pull request"
        self.mode.addItem(f"Default: {default}", "default")
        self.mode.addItem("None (turned off)", "none")
        self.mode.addItem("Only these branches and paths", "full")
        self.mode.setToolTip(MODE_TOOLTIPS[attribute])
        self.fields: dict[str, QLineEdit] = {}
        form = form_layout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Runs on", self.mode)
        hint = "main, release/*  (comma-separated)"
        for key, label in (
            ("branches.include", "Include branches"),
            ("branches.exclude", "Exclude branches"),
            ("paths.include", "Include paths"),
            ("paths.exclude", "Exclude paths"),
        ):
            edit = QLineEdit(self)
            edit.setPlaceholderText(hint)
            edit.setToolTip(
                "Path filters: a change must touch a matching path (and no excluded one)."
                if key.startswith("paths") else
                "Branch filters: include is checked first, then exclude."
                + (" For pull requests these are the target branches." if attribute == "pr"
                   else "")
            )
            edit.editingFinished.connect(self._commit)
            self.fields[key] = edit
            form.addRow(label, edit)
        self.batch = QCheckBox("Batch pushes while a run is in progress", self)
        self.batch.setToolTip(
            "batch: true — while a run is going, later pushes wait and start one run together."
        )
        self.batch.setVisible(attribute == "trigger")
        form.addRow("", self.batch)
        self.expression_note = note()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.expression_note)
        layout.addLayout(form)
        self.refresh()
        self.mode.currentIndexChanged.connect(self._commit)
        self.batch.toggled.connect(self._commit)

    def trigger(self) -> Trigger:
        return getattr(self.editor.pipeline, self.attribute)

    def refresh(self) -> None:
        trigger = self.trigger()
        expression = trigger.expression is not None
        show_note(self.expression_note, (
            f"The {self.what} is a template expression, shown as written: "
            f"{trigger.expression}" if expression else ""
        ))
        set_combo_data(self.mode, "full" if trigger.mode == "list" else trigger.mode)
        filtered = trigger.mode in ("list", "full")
        for key, edit in self.fields.items():
            group, side = key.split(".")
            set_line(edit, patterns_line(getattr(getattr(trigger, group), side)))
            edit.setEnabled(filtered and not expression)
        set_checked(self.batch, trigger.batch)
        self.batch.setEnabled(filtered and not expression)
        self.mode.setEnabled(not expression)

    def _edited(self) -> Trigger:
        trigger = copy.deepcopy(self.trigger())
        mode = self.mode.currentData()
        if mode != "full" or trigger.mode != "list":
            trigger.mode = mode
        if mode in ("default", "none"):
            trigger.branches, trigger.paths, trigger.batch = Filter(), Filter(), False
            return trigger
        for key, edit in self.fields.items():
            group, side = key.split(".")
            setattr(getattr(trigger, group), side, parse_patterns(edit.text()))
        trigger.batch = self.batch.isChecked()
        only_branches = trigger.paths.is_empty() and not trigger.branches.exclude
        if trigger.mode == "list" and not (only_branches and not trigger.batch):
            trigger.mode = "full"  # the short form holds branches only
        return trigger

    def _commit(self) -> None:
        trigger, attribute = self._edited(), self.attribute
        if trigger == self.trigger():
            return

        def mutate(p: Pipeline) -> None:
            setattr(p, attribute, trigger)

        self.editor.apply(f"Change the {self.what}", mutate)
        self.refresh()


class TriggersForm(QWidget):
    """Both triggers, one above the other."""

    def __init__(self, editor: PipelineEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ci = TriggerForm(editor, "trigger", self)
        self.pr = TriggerForm(editor, "pr", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note("Continuous integration (trigger)"))
        layout.addWidget(self.ci)
        layout.addWidget(note("Pull requests (pr)"))
        layout.addWidget(self.pr)

    def refresh(self) -> None:
        self.ci.refresh()
        self.pr.refresh()
