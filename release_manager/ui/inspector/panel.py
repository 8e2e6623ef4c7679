"""The inspector dock: what is selected, ready to edit.

Nothing selected shows the pipeline's triggers and schedules; one stage shows its fields,
condition (with a playground) and environment; several stages show a short summary.
Every edit goes through `PipelineEditor.apply`, so it is one undoable command and the
graph shows it at once; after any change (undo and redo too) each form refreshes from the
model, leaving fields whose value did not change (and their cursors) alone.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.schedule_form import SchedulesForm
from release_manager.ui.inspector.triggers_form import TriggersForm
from release_manager.ui.inspector.widgets import CollapsibleSection, UndoPassThrough, note

if TYPE_CHECKING:  # a stage's forms are imported when a stage is first selected
    from release_manager.ui.inspector.condition_editor import ConditionEditor
    from release_manager.ui.inspector.environment_form import EnvironmentForm
    from release_manager.ui.inspector.playground import Playground
    from release_manager.ui.inspector.stage_form import StageForm

PROBLEM_COLOURS = {"error": "#d13438", "warning": "#c27c0e", "info": "#6b8fb3"}


class InspectorPanel(QScrollArea):
    def __init__(self, editor: PipelineEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(320)
        self.shown: list[str] | None = None
        self._shown_uid: int | None = None
        self.sections: dict[str, CollapsibleSection] = {}
        self.stage_form: StageForm | None = None
        self.condition: ConditionEditor | None = None
        self.playground: Playground | None = None
        self.environment: EnvironmentForm | None = None
        self.triggers: TriggersForm | None = None
        self.schedules: SchedulesForm | None = None
        self.title = QLabel()
        self.problems = QLabel()
        self._undo_pass_through = UndoPassThrough(self)
        self._build()
        editor.selectionChanged.connect(self._on_selection)
        editor.changed.connect(self._on_changed)
        editor.diagnosticsChanged.connect(self._show_problems)

    # ----------------------------------------------------------------- building

    def _on_selection(self, names: list[str]) -> None:
        if names != self.shown:
            self._build()
        self._focus(self.editor.focus_field)

    def _on_changed(self) -> None:
        if self._follow_renamed_stage():
            return
        if self.editor.selected() != self.shown or self._stage_kind_changed():
            self._build()
            return
        for form in (self.stage_form, self.condition, self.environment, self.triggers,
                     self.schedules):
            if form is not None:
                form.refresh()
        if self.condition is not None and self.playground is not None:
            self.playground.set_condition(self.condition.field.toPlainText())

    def _follow_renamed_stage(self) -> bool:
        """After a rename is undone (or redone) the shown stage has another name; its uid
        stays, so keep it selected under the new name."""
        pipeline = self.editor.pipeline
        if not self.shown or len(self.shown) != 1 or pipeline.has_stage(self.shown[0]):
            return False
        renamed = next((s.name for s in pipeline.stages if s.uid == self._shown_uid), None)
        if renamed is None:
            return False
        self.editor.select([renamed])
        return True

    def _stage_kind_changed(self) -> bool:
        """Ancestors (the playground's results) depend on the graph: rebuild when they move."""
        if self.playground is None:
            return False
        pipeline = self.editor.pipeline
        return list(self.playground.result_boxes) != pipeline.ancestors(self.playground.stage)

    def _build(self) -> None:
        names = self.editor.selected()
        self.shown = names
        pipeline = self.editor.pipeline
        self._shown_uid = pipeline.stage(names[0]).uid if len(names) == 1 else None
        self.sections = {}
        self.stage_form = self.condition = self.playground = self.environment = None
        self.triggers = self.schedules = None
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(2)
        self.title = QLabel(content)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.problems = QLabel(content)
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.problems)
        self._show_problems(self.editor.diagnostics())
        if not names:
            self._build_pipeline(layout)
        elif len(names) == 1:
            self._build_stage(layout, names[0])
        else:
            self._build_summary(layout, names)
        layout.addStretch(1)
        for field in content.findChildren(QLineEdit) + content.findChildren(QPlainTextEdit):
            field.installEventFilter(self._undo_pass_through)
        old = self.takeWidget()
        self.setWidget(content)
        if old is not None:
            old.deleteLater()

    def _section(self, layout: QVBoxLayout, key: str, title: str, widget: QWidget,
                 expanded: bool = True) -> None:
        section = CollapsibleSection(title, widget, expanded)
        self.sections[key] = section
        layout.addWidget(section)

    def _build_pipeline(self, layout: QVBoxLayout) -> None:
        pipeline = self.editor.pipeline
        self.title.setText(pipeline.name or "Pipeline")
        layout.addWidget(note(
            "Select a stage in the graph to edit it. The pipeline's triggers decide which "
            "pushes and pull requests start a run; schedules start runs at set times."
        ))
        self.triggers = TriggersForm(self.editor)
        self._section(layout, "triggers", "Triggers", self.triggers)
        self.schedules = SchedulesForm(self.editor)
        self._section(layout, "schedules", "Schedules", self.schedules)

    def _build_stage(self, layout: QVBoxLayout, name: str) -> None:
        from release_manager.ui.inspector.condition_editor import ConditionEditor
        from release_manager.ui.inspector.environment_form import EnvironmentForm
        from release_manager.ui.inspector.playground import Playground
        from release_manager.ui.inspector.stage_form import StageForm, is_read_only

        stage = self.editor.pipeline.stage(name)
        self.title.setText(stage.label if stage.label == name else f"{stage.label}  ({name})")
        self.stage_form = StageForm(self.editor, name)
        self._section(layout, "stage", "Stage", self.stage_form)
        if stage.kind == "expression":
            inner = ", ".join(stage.inner) or "none"
            layout.addWidget(note(f"Stages inside the block: {inner}."))
            return
        if not is_read_only(self.editor.pipeline, stage):
            self.condition = ConditionEditor(self.editor, name)
            self._section(layout, "condition", "Condition", self.condition)
            self.playground = Playground(self.editor.pipeline, name)
            self._section(layout, "playground", "Try the condition", self.playground,
                          expanded=False)
            self.condition.checked.connect(lambda text, _: self.playground.set_condition(text))
            self.playground.set_condition(self.condition.field.toPlainText())
        self.environment = EnvironmentForm(self.editor, name)
        self._section(layout, "environment", "Environment and approvals", self.environment)

    def _build_summary(self, layout: QVBoxLayout, names: list[str]) -> None:
        pipeline = self.editor.pipeline
        self.title.setText(f"{len(names)} stages selected")
        lines = []
        for name in names:
            stage = pipeline.stage(name)
            after = ", ".join(pipeline.dependencies(name)) or "nothing (runs first)"
            environments = ", ".join(stage.environments) or "no environment"
            lines.append(f"<b>{stage.label}</b> — after {after}; {environments}")
        summary = QLabel("<br>".join(lines))
        summary.setWordWrap(True)
        layout.addWidget(summary)
        layout.addWidget(note("Select a single stage to edit it."))

    def _show_problems(self, diagnostics: list) -> None:
        """The validation findings of the stage shown, under its title."""
        shown = self.shown[0] if self.shown and len(self.shown) == 1 else None
        lines = [
            f"<span style='color:{PROBLEM_COLOURS.get(d.severity, '')}'>"
            f"{d.severity.capitalize()}: {html.escape(d.message)}</span>"
            for d in diagnostics if shown is not None and d.stage == shown
        ]
        self.problems.setText("<br>".join(lines))
        self.problems.setVisible(bool(lines))

    # ----------------------------------------------------------------- focus

    def _focus(self, field: str) -> None:
        """Put the cursor in the field a problem points at ("condition", "name", …)."""
        targets = {
            "condition": self.condition.field if self.condition else None,
            "name": self.stage_form.name_edit if self.stage_form else None,
            "displayName": self.stage_form.display_edit if self.stage_form else None,
            "dependsOn": self.stage_form.dependencies if self.stage_form else None,
            "environment": self.environment.environment_combo if self.environment else None,
        }
        target = targets.get(field)
        if target is not None:
            section = next((s for s in self.sections.values() if s.isAncestorOf(target)), None)
            if section is not None:
                section.set_expanded(True)
            self.ensureWidgetVisible(target)
            target.setFocus(Qt.FocusReason.OtherFocusReason)
