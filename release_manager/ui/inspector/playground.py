"""Try a condition: enter variables and dependency results, see whether the stage runs
and why, sub-expression by sub-expression."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from release_manager.core import expressions
from release_manager.core.model import Pipeline, Variable
from release_manager.ui.inspector.widgets import compact, fit_rows, form_layout, note, show_note
from release_manager.ui.theme import is_dark

RESULTS = ["Succeeded", "SucceededWithIssues", "Failed", "Canceled", "Skipped"]
DEFAULT_CONDITION = "succeeded()"

SAMPLE_VALUES = {
    "Build.SourceBranch": "refs/heads/main",
    "Build.SourceBranchName": "main",
    "Build.Reason": "Manual",
    "Build.Repository.Name": "app",
    "System.PullRequest.TargetBranch": "refs/heads/main",
    "System.PullRequest.SourceBranch": "refs/heads/feature",
}

_REFERENCES = [
    re.compile(r"variables\[\s*'([^']+)'\s*\]", re.IGNORECASE),
    re.compile(r"variables\.([A-Za-z_][A-Za-z0-9_.]*)", re.IGNORECASE),
]


def referenced_variables(condition: str) -> list[str]:
    """The variable names a condition reads, in order of appearance."""
    found: list[tuple[int, str]] = []
    for pattern in _REFERENCES:
        found += [(match.start(), match.group(1)) for match in pattern.finditer(condition)]
    return list(dict.fromkeys(name for _, name in sorted(found)))


def sample_value(pipeline: Pipeline, stage: str, name: str) -> str:
    """A likely value to start from: the pipeline's own, or a typical predefined one."""
    entries = list(pipeline.variables)
    if pipeline.has_stage(stage):
        entries += pipeline.stage(stage).variables
    for entry in reversed(entries):
        if isinstance(entry, Variable) and entry.name.lower() == name.lower():
            return entry.value
    return SAMPLE_VALUES.get(name, "")


class Playground(QWidget):
    """Evaluates the condition being edited (valid or not) against what the user enters."""

    def __init__(self, pipeline: Pipeline, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pipeline = pipeline
        self.stage = stage
        self.condition = ""
        self.variables = QTableWidget(0, 2, self)
        self.variables.setHorizontalHeaderLabels(["Variable", "Value"])
        self.variables.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.variables.verticalHeader().hide()
        self.variables.setToolTip("Values the run would have; edit them to try other runs.")
        self.add_row = QPushButton("Add variable", self)
        self.add_row.clicked.connect(self._add_row)
        self.results = form_layout()
        self.results.setContentsMargins(0, 0, 0, 0)
        self.result_boxes: dict[str, QComboBox] = {}
        self.verdict = QLabel(self)
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(QFont.Weight.Bold)
        self.verdict.setFont(font)
        self.problem = note(error=True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Expression", "Value"])
        self.tree.setColumnCount(2)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setToolTip("Each sub-expression with its value. Greyed ones were not "
                             "evaluated: and/or stop at the first value that decides.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Variables of the run", self))
        layout.addWidget(self.variables)
        layout.addWidget(self.add_row, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(self.results)
        layout.addWidget(self.verdict)
        layout.addWidget(self.problem)
        layout.addWidget(self.tree)
        self._build_results()
        self.variables.itemChanged.connect(self.evaluate)

    def _build_results(self) -> None:
        if not self.pipeline.has_stage(self.stage):
            return
        direct = self.pipeline.dependencies(self.stage)
        for name in self.pipeline.ancestors(self.stage):
            box = compact(QComboBox(self))
            box.addItems(RESULTS)
            box.setToolTip(
                f"The result of {name} in the run. succeeded() looks at every stage this one "
                "runs after, directly or not."
            )
            box.currentIndexChanged.connect(self.evaluate)
            self.result_boxes[name] = box
            label = name if name in direct else f"{name} (indirect)"
            self.results.addRow(f"Result of {label}", box)

    def set_condition(self, text: str) -> None:
        """Follow the condition being typed: a variable it reads gets a row, and a row the
        user did not touch goes when the condition no longer reads it."""
        self.condition = text
        referenced = referenced_variables(text)
        self.variables.blockSignals(True)
        for row in reversed(range(self.variables.rowCount())):
            name, value = self.variables.item(row, 0), self.variables.item(row, 1)
            untouched = (name is not None and value is not None and value.text()
                         == sample_value(self.pipeline, self.stage, name.text()))
            if untouched and name.text() not in referenced:
                self.variables.removeRow(row)
        present = {self.variables.item(row, 0).text() for row in range(self.variables.rowCount())
                   if self.variables.item(row, 0)}
        for name in referenced:
            if name not in present:
                row = self.variables.rowCount()
                self.variables.insertRow(row)
                self.variables.setItem(row, 0, QTableWidgetItem(name))
                value = sample_value(self.pipeline, self.stage, name)
                self.variables.setItem(row, 1, QTableWidgetItem(value))
        self.variables.blockSignals(False)
        fit_rows(self.variables, self.variables.rowCount(), maximum=6)
        self.evaluate()

    def _add_row(self) -> None:
        self.variables.insertRow(self.variables.rowCount())
        fit_rows(self.variables, self.variables.rowCount(), maximum=6)
        self.variables.editItem(self.variables.item(self.variables.rowCount() - 1, 0))

    def set_variable(self, name: str, value: str) -> None:
        for row in range(self.variables.rowCount()):
            item = self.variables.item(row, 0)
            if item and item.text() == name:
                self.variables.item(row, 1).setText(value)
                return
        row = self.variables.rowCount()
        self.variables.blockSignals(True)
        self.variables.insertRow(row)
        self.variables.setItem(row, 0, QTableWidgetItem(name))
        self.variables.blockSignals(False)
        self.variables.setItem(row, 1, QTableWidgetItem(value))

    def run_variables(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for row in range(self.variables.rowCount()):
            name, value = self.variables.item(row, 0), self.variables.item(row, 1)
            if name and name.text().strip():
                values[name.text().strip()] = value.text() if value else ""
        return values

    def run_results(self) -> tuple[dict[str, str], dict[str, str]]:
        """(direct dependencies, every ancestor) → result."""
        ancestors = {name: box.currentText() for name, box in self.result_boxes.items()}
        direct = self.pipeline.dependencies(self.stage) if self.pipeline.has_stage(
            self.stage) else []
        return {n: r for n, r in ancestors.items() if n in direct}, ancestors

    def evaluate(self) -> None:
        text = self.condition if self.condition.strip() else DEFAULT_CONDITION
        dependencies, ancestors = self.run_results()
        context = {
            "variables": self.run_variables(),
            "dependencies": {name: {"result": result} for name, result in dependencies.items()},
            "ancestors": ancestors,
        }
        self.tree.clear()
        if "${{" in text:
            self._not_evaluated("it holds a template expression, filled in at compile time")
            return
        try:
            runs = expressions.evaluate_condition(text, **context)
            steps = expressions.explain(text, **context)
        except expressions.ExpressionError as error:
            self._not_evaluated(str(error))
            return
        show_note(self.problem, "")
        self.verdict.setText("Runs" if runs else "Skipped")
        green = "#3fb950" if is_dark(self.palette()) else "#107c10"
        self.verdict.setStyleSheet(f"color: {green};" if runs else "color: #8a8886;")
        self._fill_tree(steps)

    def _not_evaluated(self, why: str) -> None:
        self.verdict.setText("—")
        self.verdict.setStyleSheet("color: palette(placeholder-text);")
        show_note(self.problem, f"The condition cannot be evaluated: {why}")

    def _fill_tree(self, steps: list) -> None:
        greyed = QBrush(self.palette().color(QPalette.ColorGroup.Disabled,
                                             QPalette.ColorRole.Text))
        parents: list[QTreeWidgetItem] = []
        for step in steps:
            del parents[step.depth:]
            value = step.display if step.evaluated else "not evaluated"
            expression = " ".join(step.expression.split())
            item = QTreeWidgetItem([expression, value])
            item.setToolTip(0, expression)
            item.setToolTip(1, value)
            if not step.evaluated:
                item.setForeground(0, greyed)
                item.setForeground(1, greyed)
            if parents:
                parents[-1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            parents.append(item)
        self.tree.expandAll()
        row = self.tree.sizeHintForRow(0) if steps else self.fontMetrics().height()
        header = self.tree.header().sizeHint().height()
        self.tree.setFixedHeight(max(3, min(len(steps), 14)) * row + header + 6)

    def rows(self) -> list[tuple[str, str, bool]]:
        """The explain tree as (expression, value, evaluated), depth first."""
        rows: list[tuple[str, str, bool]] = []

        def walk(item: QTreeWidgetItem) -> None:
            rows.append((item.text(0), item.text(1), item.text(1) != "not evaluated"))
            for index in range(item.childCount()):
                walk(item.child(index))

        for index in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(index))
        return rows
