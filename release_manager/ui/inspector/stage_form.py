"""The stage's own fields: name, display name, dependencies, variables, lock, skipping."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.model import (
    Pipeline,
    Stage,
    Variable,
    VariableEntry,
    VariableGroup,
    VariableTemplate,
)
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.widgets import (
    compact,
    fit_rows,
    form_layout,
    note,
    set_checked,
    set_combo_data,
    set_line,
    show_note,
)

LOCK_BEHAVIORS = [
    ("", "Default (runLatest)"),
    ("runLatest", "runLatest: only the latest run takes the lock"),
    ("sequential", "sequential: every run takes the lock in turn"),
]


def apply_or_refuse(
    editor: PipelineEditor, text: str, mutate: Callable[[Pipeline], object], label: QWidget
) -> bool:
    """`editor.apply`, with a refusal shown in `label` (and a success clearing it)."""
    refusals: list[str] = []
    editor.editRefused.connect(refusals.append)
    try:
        applied = editor.apply(text, mutate)
    finally:
        editor.editRefused.disconnect(refusals.append)
    show_note(label, refusals[-1][0].upper() + refusals[-1][1:] if refusals else "")
    return applied


def describe_variable(entry: VariableEntry) -> tuple[str, str]:
    if isinstance(entry, Variable):
        return entry.name, entry.value + ("  (read-only)" if entry.readonly else "")
    if isinstance(entry, VariableGroup):
        return f"group: {entry.group}", "values come from the library"
    if isinstance(entry, VariableTemplate):
        return f"template: {entry.template}", "values come from the template"
    return str(entry), ""


IMPLICIT_EXPLANATION = (
    "This pipeline has no stages: its jobs run as one stage that Azure makes for them. "
    "Add a stage in the graph to give the pipeline stages of its own."
)


def is_read_only(pipeline: Pipeline, stage: Stage) -> bool:
    """Template references, `${{ }}` blocks and the implicit stage of a jobs-only file."""
    return stage.kind != "stage" or pipeline.implicit_stage


def read_only_explanation(pipeline: Pipeline, stage: Stage) -> str:
    if pipeline.implicit_stage:
        return IMPLICIT_EXPLANATION
    if stage.kind == "template":
        return (
            f"This stage comes from the template {stage.template!r}: its stages, jobs and "
            "conditions are edited in that file. Azure expands it when the run is compiled."
        )
    return (
        f"{stage.name} is a template expression block. Azure decides which stages it holds "
        "when the run is compiled, from parameters and variables known then; it is shown "
        "here as written and kept as it is."
    )


class StageForm(QWidget):
    """The fields of one stage, edited through the editor, refreshed from the model."""

    def __init__(self, editor: PipelineEditor, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.name = name
        stage = editor.pipeline.stage(name)
        self.read_only = is_read_only(editor.pipeline, stage)
        form = form_layout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)

        self.name_edit = QLineEdit(self)
        self.name_edit.setToolTip(
            "The stage's identifier, used by dependsOn and by conditions "
            "(dependencies.<name>.result). Letters, digits and underscores. "
            "Renaming updates every reference."
        )
        self.name_error = note(error=True)
        self.display_edit = QLineEdit(self)
        self.display_edit.setPlaceholderText("Shown in Azure's run view instead of the name")
        self.display_edit.setToolTip("displayName: the stage's title in the run view.")

        self.dependencies = QListWidget(self)
        self.dependencies.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.dependencies.setToolTip(
            "dependsOn: the stages that must finish before this one starts.\n"
            "Without dependsOn a stage runs after the stage before it in the file.\n"
            "dependsOn: [] means the stage runs first, in parallel with others."
        )
        self.dependencies_note = note()
        self.dependencies_error = note(error=True)

        self.variables = QTableWidget(0, 2, self)
        self.variables.setHorizontalHeaderLabels(["Variable", "Value"])
        self.variables.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.variables.verticalHeader().hide()
        self.variables.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.variables.setToolTip("The stage's variables, readable by its jobs and conditions.")

        self.lock = compact(QComboBox(self))
        for value, label in LOCK_BEHAVIORS:
            self.lock.addItem(label, value)
        self.lock.setToolTip(
            "lockBehavior: how runs wait for an exclusive lock on the stage's environments.\n"
            "runLatest (Azure's default): a newer run cancels the waiting older ones.\n"
            "sequential: every run deploys in turn."
        )
        self.skippable = QCheckBox("Skippable when a run is started by hand", self)
        self.skippable.setToolTip(
            "isSkippable: whether the stage can be unticked in Azure's 'Run pipeline' "
            "dialog. Azure's default is yes."
        )
        self.read_only_note = note(
            read_only_explanation(editor.pipeline, stage) if self.read_only else ""
        )

        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("Display name", self.display_edit)
        form.addRow("Depends on", self.dependencies)
        form.addRow("", self.dependencies_note)
        form.addRow("", self.dependencies_error)
        form.addRow("Variables", self.variables)
        form.addRow("Lock behaviour", self.lock)
        form.addRow("", self.skippable)
        self._form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.read_only_note)
        layout.addLayout(form)
        for widget in (self.name_edit, self.display_edit, self.dependencies, self.lock,
                       self.skippable):
            widget.setEnabled(not self.read_only)

        self.refresh()
        self.name_edit.editingFinished.connect(self._rename)
        self.display_edit.editingFinished.connect(self._set_display_name)
        self.dependencies.itemChanged.connect(self._toggle_dependency)
        self.lock.currentIndexChanged.connect(self._set_lock)
        self.skippable.toggled.connect(self._set_skippable)

    # ----------------------------------------------------------------- model → view

    def refresh(self) -> None:
        pipeline = self.editor.pipeline
        if not pipeline.has_stage(self.name):
            return
        stage = pipeline.stage(self.name)
        set_line(self.name_edit, stage.name)
        set_line(self.display_edit, stage.display_name)
        self._refresh_dependencies(pipeline, stage)
        rows = [describe_variable(entry) for entry in stage.variables]
        self.variables.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            self.variables.setItem(row, 0, QTableWidgetItem(name))
            self.variables.setItem(row, 1, QTableWidgetItem(value))
        self.variables.setVisible(bool(rows))
        self._form.labelForField(self.variables).setVisible(bool(rows))
        fit_rows(self.variables, len(rows), maximum=5)
        set_combo_data(self.lock, stage.lock_behavior)
        set_checked(self.skippable, stage.is_skippable is not False)

    def _refresh_dependencies(self, pipeline: Pipeline, stage: Stage) -> None:
        current = pipeline.dependencies(stage.name) if stage.kind != "expression" else []
        others = [s for s in pipeline.stages if s.name != stage.name and s.kind != "expression"]
        self.dependencies.blockSignals(True)
        if [self.dependencies.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.dependencies.count())] != [s.name for s in others]:
            self.dependencies.clear()
            for other in others:
                item = QListWidgetItem(other.label, self.dependencies)
                item.setData(Qt.ItemDataRole.UserRole, other.name)
                item.setToolTip(other.name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        for row in range(self.dependencies.count()):
            item = self.dependencies.item(row)
            name = item.data(Qt.ItemDataRole.UserRole)
            state = Qt.CheckState.Checked if name in current else Qt.CheckState.Unchecked
            if item.data(Qt.ItemDataRole.CheckStateRole) is None or item.checkState() != state:
                item.setCheckState(state)
        self.dependencies.blockSignals(False)
        fit_rows(self.dependencies, self.dependencies.count(), maximum=6)
        if stage.depends_on is None:
            text = (f"No dependsOn: runs after {current[0]}, the stage before it in the file."
                    if current else "No dependsOn: the first stage, it runs first.")
        elif not current:
            text = "dependsOn: [] — runs first, in parallel with the other first stages."
        else:
            text = ""
        show_note(self.dependencies_note, text)

    # ----------------------------------------------------------------- view → model

    def _rename(self) -> None:
        new, old = self.name_edit.text().strip(), self.name
        if new == old:
            show_note(self.name_error, "")
            return
        if apply_or_refuse(
            self.editor, f"Rename stage {old} to {new}",
            lambda p: p.rename_stage(old, new), self.name_error,
        ):
            self.name = new
            self.editor.select([new])

    def _set_display_name(self) -> None:
        text, name = self.display_edit.text(), self.name
        self.editor.apply(f"Set display name of {name}",
                          lambda p: p.set_display_name(name, text))

    def _toggle_dependency(self, item: QListWidgetItem) -> None:
        upstream, name = item.data(Qt.ItemDataRole.UserRole), self.name
        adding = item.checkState() == Qt.CheckState.Checked

        def mutate(p: Pipeline) -> None:
            if adding:
                p.connect(upstream, name)
            else:
                p.disconnect(upstream, name)

        text = (f"{name} depends on {upstream}" if adding
                else f"{name} no longer depends on {upstream}")
        if not apply_or_refuse(self.editor, text, mutate, self.dependencies_error):
            self.refresh()  # put the refused tick back as the model has it

    def _set_lock(self) -> None:
        value, name = self.lock.currentData(), self.name

        def mutate(p: Pipeline) -> None:
            p.stage(name).lock_behavior = value

        self.editor.apply(f"Set lock behaviour of {name}", mutate)

    def _set_skippable(self, checked: bool) -> None:
        name = self.name

        def mutate(p: Pipeline) -> None:
            # Skippable is Azure's default: write the key only to turn it off.
            p.stage(name).is_skippable = None if checked else False

        self.editor.apply(f"Set whether {name} can be skipped", mutate)
