"""The environment's App Service target: the app and slot its deployments go to, the slot
a healthy deployment is swapped into, the health check path; proposed from the
pipeline's deployment steps on request.

Each finished field is one undoable edit of the environment (through the editor, by the
environment form). A value Azure would refuse is said under its field, which keeps the
text to be corrected; nothing is changed until every field is acceptable (the rules are
core/app_service_rules.py's, the file reader's own).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.app_service_proposal import Proposal
from release_manager.core.app_service_rules import target_refusals
from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget
from release_manager.ui.inspector.widgets import (
    form_layout,
    note,
    set_checked,
    set_line,
    show_note,
)

FIELDS = ("subscription", "resource_group", "app", "slot", "swap_with", "health_path")


class AppServiceForm(QWidget):
    """A check box and, while it is checked, the fields of the target the environment is
    mapped to (as the form's other checks show their details). `edited(target or None)`
    when the user changed it and every field is acceptable; `proposeRequested()` for the
    "Propose from pipeline" button."""

    edited = Signal(object)
    proposeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appServiceForm")
        self.mapped = QCheckBox("Deploy to an App Service app's slot", self)
        self.mapped.setToolTip(
            "Map the environment to an Azure App Service app's slot (locally: a slot folder "
            "of the environment): deployments go to the slot, and a healthy one can be "
            "swapped into production or another slot.")
        self.subscription = self._line("subscription id (Azure only)",
                                       "The Azure subscription (id) the app belongs to.")
        self.resource_group = self._line("Azure only", "The app's resource group.")
        self.app = self._line("app name (Azure only)", "The App Service app (its name).")
        self.slot = self._line(PRODUCTION_SLOT, "The slot deployments go to; empty: "
                               "production, the app itself.")
        self.swap_with = self._line("none", "After a healthy deployment, swap the slot "
                                    "with this one (usually production); empty: no swap.")
        self.health_path = self._line("the app's own, else /",
                                      "The path the health check asks, e.g. /health.")
        self.problems = {name: note(error=True) for name in FIELDS}
        for name, problem in self.problems.items():
            problem.setObjectName(f"{name}Problem")
        self.propose = QPushButton("Propose from pipeline", self)
        self.propose.setToolTip(
            "Fill the fields from the pipeline's App Service deployment steps to this "
            "environment (AzureWebApp@1, AzureRmWebAppDeployment@4).")
        self.proposal_note = note()
        self.proposal_note.setObjectName("proposalNote")

        self.fields = QWidget(self)  # shown while the box is checked
        form = form_layout()
        form.setContentsMargins(0, 0, 0, 0)
        for label, name in (("Subscription", "subscription"), ("Resource group",
                            "resource_group"), ("App", "app"), ("Slot", "slot"),
                            ("Swap with", "swap_with"), ("Health path", "health_path")):
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(getattr(self, name))
            column.addWidget(self.problems[name])
            form.addRow(label, column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose)
        buttons.addStretch(1)
        inner = QVBoxLayout(self.fields)
        inner.setContentsMargins(16, 0, 0, 0)
        inner.addLayout(form)
        inner.addLayout(buttons)
        inner.addWidget(self.proposal_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mapped)
        layout.addWidget(self.fields)

        self.mapped.toggled.connect(self._toggled)
        self.propose.clicked.connect(self.proposeRequested)
        for name in FIELDS:
            getattr(self, name).editingFinished.connect(self._finished)

    def _line(self, placeholder: str, tip: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setPlaceholderText(placeholder)
        line.setToolTip(tip)
        return line

    # ----------------------------------------------------------------- model → view

    def show_target(self, target: AppServiceTarget | None) -> None:
        """Show the environment's target (None: not mapped). A field whose refusal is
        shown keeps the user's text while the model has not changed under it."""
        set_checked(self.mapped, target is not None)
        self._show_fields(target is not None)
        shown = target or AppServiceTarget()
        for name in FIELDS:
            if not self.problems[name].isVisibleTo(self):
                set_line(getattr(self, name), _field_text(shown, name))

    def show_proposal(self, proposal: Proposal) -> None:
        show_note(self.proposal_note, proposal.summary())

    def offer(self, target: AppServiceTarget) -> None:
        """Fill every field with `target`, then take it as if the user had typed it."""
        self.clear_problems()
        for name in FIELDS:
            set_line(getattr(self, name), _field_text(target, name))
        self._finished()

    def clear_problems(self) -> None:
        for problem in self.problems.values():
            show_note(problem, "")

    # ----------------------------------------------------------------- view → model

    def target_from_view(self) -> AppServiceTarget:
        values = {name: getattr(self, name).text().strip() for name in FIELDS}
        values["slot"] = values["slot"] or PRODUCTION_SLOT
        return AppServiceTarget(**values)

    def _refused(self, target: AppServiceTarget) -> bool:
        """Show each field's refusal (clearing the others); True when there is one."""
        refusals = target_refusals(target)
        for name, problem in self.problems.items():
            why = refusals.get(name, "")
            show_note(problem, why[:1].upper() + why[1:])
        return bool(refusals)

    def _finished(self) -> None:
        target = self.target_from_view()
        if self.mapped.isChecked() and not self._refused(target):
            self.edited.emit(target)

    def _show_fields(self, on: bool) -> None:
        self.fields.setVisible(on)
        self.updateGeometry()  # also while not shown yet: the form is sized without them

    def _toggled(self, on: bool) -> None:
        self._show_fields(on)
        if not on:
            self.clear_problems()
            self.edited.emit(None)
        elif not self._refused(self.target_from_view()):
            self.edited.emit(self.target_from_view())


def _field_text(target: AppServiceTarget, name: str) -> str:
    """A field's text: the production slot shows as the slot field's placeholder."""
    value = getattr(target, name)
    return "" if name == "slot" and value == PRODUCTION_SLOT else value
