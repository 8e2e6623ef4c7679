"""An inline banner for what the last operation did: its state in colour, the message
(why it was skipped or refused, who must approve) and, when there is one, the condition's
explanation behind a Details button."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.promotion import PromotionResult
from release_manager.ui.releases.look import colour, symbol

TITLES = {
    "succeeded": "Done",
    "failed": "Failed",
    "canceled": "Canceled",
    "skipped": "Skipped",
    "waiting": "Waiting for approval",
    "rejected": "Rejected",
    "refused": "Refused",
    "busy": "Already in progress",
}


class ResultBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultBanner")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.details_button = QToolButton()
        self.details_button.setText("Why?")
        self.details_button.setCheckable(True)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this message")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(140)
        self.details.hide()
        row = QHBoxLayout()
        row.addWidget(self.message_label, 1)
        row.addWidget(self.details_button)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.details_button.toggled.connect(self.details.setVisible)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_result(self, result: PromotionResult) -> None:
        title = TITLES.get(result.state, result.state.capitalize())
        self.show_text(f"{symbol(result.state)} {title}: {result.message}", result.state,
                       result.explanation)

    def show_text(self, text: str, state: str, details: str = "") -> None:
        self.message_label.setText(text)
        shown = colour(state)
        accent = shown.name() if shown.isValid() else "palette(mid)"
        self.setStyleSheet(f"#resultBanner {{ border-left: 4px solid {accent}; "
                           "background: palette(alternate-base); }")
        self.details.setPlainText(details)
        self.details_button.setVisible(bool(details))
        self.details_button.setChecked(False)
        self.details.hide()
        self.show()
