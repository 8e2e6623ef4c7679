"""The confirmation sheet of a promotion: what will happen, from the engine's plan."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.promotion import PromotionPlan
from release_manager.engine.swap import SwapPlan
from release_manager.ui.releases.look import colour
from release_manager.ui.releases.swap_dialog import SwapFacts
from release_manager.ui.releases.unsaved import (
    WARNING_STYLE,
    SaveFirst,
    UnsavedEdits,
    gerund,
    warning_label,
)


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(label.textFormat().PlainText)
    return label


class PromoteSheet(QDialog):
    """Build, commit, environments and what they run now, the commits since, approvals and
    checks, the condition and whether it holds, and which definition runs (the build's
    own; how the file on disk differs from it in this stage); Promote is disabled when
    something blocks the promotion, and the blocker says why. With `unsaved` edits in the
    window, a warning on top; when they change the environments' approvals or checks,
    the choice to save first or to use the saved version."""

    def __init__(self, plan: PromotionPlan, verb: str = "Promote",
                 parent: QWidget | None = None, unsaved: UnsavedEdits | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        run = plan.run
        self.setWindowTitle(f"{verb} build {run.id} to {plan.stage}")
        self.setObjectName("promoteSheet")
        self.setMinimumWidth(560)

        heading = QLabel(f"<h3>{escape(verb)} build #{run.id} to {escape(plan.stage)}</h3>")
        form = QFormLayout()
        form.addRow("Build:", _label(
            f"#{run.id} from {run.branch.removeprefix('refs/heads/')}, queued by "
            f"{run.requested_by} ({run.reason})"))
        form.addRow("Commit:", _label(run.commit_id[:12] or "unknown"))
        self.environments_label = _label(self._environments_text())
        form.addRow("Environments:", self.environments_label)

        self.commits = QListWidget()
        self.commits.addItems(plan.commits or ["(no new commits)"])
        self.commits.setMaximumHeight(110)
        form.addRow(f"Commits since ({len(plan.commits)}):", self.commits)
        self.approvals_label = _label("\n".join(plan.approvals) or "none")
        form.addRow("Approvals:", self.approvals_label)
        self.checks_label = _label("\n".join(check.text for check in plan.checks) or "none")
        form.addRow("Checks:", self.checks_label)
        self.condition_label = _label(self._condition_text())
        if plan.condition_met is not None:
            state = "succeeded" if plan.condition_met else "skipped"
            self.condition_label.setStyleSheet(f"color: {colour(state).name()};")
        form.addRow("Condition:", self.condition_label)
        self.definition_label = _label(str(plan.definition or ""))
        self.definition_label.setObjectName("definitionNote")
        if plan.definition is not None and plan.definition.differs:
            self.definition_label.setStyleSheet(WARNING_STYLE)
        form.addRow("Runs:", self.definition_label)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if unsaved is not None:
            layout.addWidget(warning_label(unsaved, gerund(verb),
                                           runs=f"build {run.id}'s own definition"))
        layout.addLayout(form)
        if plan.explanation:
            explanation = QPlainTextEdit(plan.explanation)
            explanation.setReadOnly(True)
            explanation.setMaximumHeight(120)
            explanation.setObjectName("conditionExplanation")
            layout.addWidget(explanation)
        self.swap_boxes: list[QCheckBox] = []
        for swap in plan.swaps:
            layout.addWidget(self._swap_step(swap))
        self.blockers_label = _label("\n".join(f"Cannot {verb.lower()}: {b}"
                                               for b in plan.blockers))
        self.blockers_label.setObjectName("blockers")
        self.blockers_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.blockers_label.setVisible(bool(plan.blockers))
        layout.addWidget(self.blockers_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = QPushButton(f"{verb} to {plan.stage}")
        self.confirm_button.setDefault(True)
        self.confirm_button.setEnabled(not plan.blockers)
        if plan.blockers:
            self.confirm_button.setToolTip("; ".join(plan.blockers))
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.save_first = None if unsaved is None or not unsaved.changes else \
            self._offer_save(buttons, verb)

    def _swap_step(self, swap: SwapPlan) -> QGroupBox:
        """The environment's swap step, with its own consent: unchecked, the promotion
        deploys to the slot only. It cannot be checked when it could not run after this
        promotion (an approval comes first, or the plan is refused), saying why."""
        group = QGroupBox(f"Swap step of {swap.environment}")
        group.setObjectName("swapStep")
        column = QVBoxLayout(group)
        box = QCheckBox(f"then swap {swap.slot} into {swap.with_slot}" if swap.with_slot
                        else "then swap")
        waits = bool(self.plan.approvals)
        why = swap.refused or ("the deployment waits for approval first, and the swap step "
                               "runs only right after a deployment this promotion makes; "
                               "swap from the environment's card once it is deployed"
                               if waits else "")
        box.setEnabled(not why)
        box.setToolTip(why or "After the deployment, the slot's health is checked; the "
                       "swap is refused if it fails")
        column.addWidget(box)
        if swap.with_slot:
            column.addWidget(SwapFacts(swap, step=True))
        if why:
            reason = _label(f"Cannot swap with this promotion: {why}")
            reason.setObjectName("swapStepRefused")
            reason.setStyleSheet(f"color: {colour('refused').name()};")
            column.addWidget(reason)
        self.swap_boxes.append(box)
        return group

    def swap_wanted(self) -> bool:
        """The swap step was consented to (every swap step shown, checked)."""
        return bool(self.swap_boxes) and all(box.isEnabled() and box.isChecked()
                                             for box in self.swap_boxes)

    def _offer_save(self, buttons: QDialogButtonBox, verb: str) -> SaveFirst:
        """Save and <verb>, for edits of the environments' approvals or checks."""
        self.confirm_button.setText(f"{verb} the saved version")
        return SaveFirst(self, buttons, self.confirm_button, verb.lower(), self.accept)

    def _environments_text(self) -> str:
        if not self.plan.environments:
            return "none (this stage deploys nowhere)"
        return "\n".join(
            f"{name}: now runs " + (f"build #{build}" if build else "nothing (none)")
            for name, build in self.plan.current_builds.items()
        )

    def _condition_text(self) -> str:
        condition = " ".join(self.plan.condition.split())
        if self.plan.condition_met is None:
            return f"{condition} — not evaluated (the promotion is blocked)"
        verdict = "met" if self.plan.condition_met else \
            "NOT met: the stage will be skipped"
        return f"{condition} — {verdict}"
