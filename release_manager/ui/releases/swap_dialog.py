"""The confirmation of a swap, from the engine's plan: what is live now, what will be live
(with the slot's health check), the rollback; a refused plan shows its reason and offers
no Swap button at all."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.swap import SwapPlan
from release_manager.ui.releases.look import colour


def build_text(build: int | None) -> str:
    return f"build #{build}" if build is not None else "no build"


def plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(label.textFormat().PlainText)
    return label


class SwapFacts(QWidget):
    """Live now, will be live, rollback (and the health check) of a swap plan: the swap
    dialog and the promote sheet's swap step show the same lines."""

    def __init__(self, plan: SwapPlan, parent: QWidget | None = None, *,
                 step: bool = False) -> None:
        """`step`: a promotion's swap step (its build is not in the slot yet)."""
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.live_label = plain(f"{build_text(plan.live_build)} in {plan.with_slot}")
        self.next_label = plain(f"{build_text(plan.next_build)} ("
                                + (f"once deployed to slot {plan.slot} and healthy)" if step
                                   else f"now in slot {plan.slot})"))
        self.health_label = plain(plan.health)
        self.rollback_label = plain(plan.rollback or "none")
        form.addRow("Live now:", self.live_label)
        form.addRow("Will be live:", self.next_label)
        if plan.health:
            if not plan.refused:  # a refused plan's reason says what failed
                self.health_label.setStyleSheet(f"color: {colour('succeeded').name()};")
            form.addRow("Health check:", self.health_label)
        form.addRow("Rollback:", self.rollback_label)


class SwapDialog(QDialog):
    """Swap `plan.slot` into `plan.with_slot`; `back`: the rollback of a swapped
    environment (the same swap, worded as the swap back it is)."""

    def __init__(self, plan: SwapPlan, parent: QWidget | None = None, *,
                 back: bool = False) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setObjectName("swapDialog")
        verb = "Swap back" if back else "Swap"
        self.setWindowTitle(f"{verb} {plan.environment}")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        heading = QLabel()
        heading.setTextFormat(heading.textFormat().PlainText)
        heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        app = plan.app if plan.app == plan.environment else \
            f"{plan.app} ({plan.environment})"
        heading.setText(f"{verb} slot {plan.slot} with {plan.with_slot} of {app}"
                        if plan.with_slot else f"{verb} {plan.environment}")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.facts = SwapFacts(plan) if plan.with_slot else None
        if self.facts is not None:
            layout.addWidget(self.facts)
        self.refused_label = plain(f"Cannot swap now: {plan.refused}" if plan.refused else "")
        self.refused_label.setObjectName("swapRefused")
        self.refused_label.setStyleSheet(f"color: {colour('refused').name()}; "
                                         "font-weight: bold;")
        self.refused_label.setVisible(bool(plan.refused))
        layout.addWidget(self.refused_label)
        self.note_label = plain("The slot's health is checked again just before the swap. "
                                "It can be cancelled until it is sent, not after.")
        self.note_label.setVisible(not plan.refused)
        self.note_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.note_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close if plan.refused
                                   else QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button: QPushButton | None = None
        if not plan.refused:  # a refused swap cannot be started from here
            self.confirm_button = QPushButton(
                f"{verb}: {build_text(plan.next_build)} goes live in {plan.with_slot}")
            self.confirm_button.setDefault(True)
            buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
