"""A bar across the top of the window that tells something and offers what to do about it,
without stopping the user (a modal box would): "changed on disk — Reload / Ignore"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class NoticeBar(QFrame):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 4, 6, 4)
        self._layout.addWidget(self.label, 1)
        self.buttons: dict[str, QPushButton] = {}
        self.hide()

    def show_notice(self, text: str, actions: list[tuple[str, Callable[[], object]]]) -> None:
        """Show `text` with a button per (label, slot); a click hides the bar first."""
        for button in self.buttons.values():
            button.setParent(None)
            button.deleteLater()
        self.buttons = {}
        self.label.setText(text)
        self._take_tip_colours()
        for label, slot in actions:
            button = QPushButton(label, self)
            button.clicked.connect(lambda _=False, act=slot: self._act(act))
            self._layout.addWidget(button)
            self.buttons[label.replace("&", "")] = button
        self.show()

    def _take_tip_colours(self) -> None:
        """A tooltip's colours, from the application's palette (light or dark) now."""
        palette = QGuiApplication.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.ToolTipBase))
        palette.setColor(QPalette.ColorRole.WindowText,
                         palette.color(QPalette.ColorRole.ToolTipText))
        self.setPalette(palette)

    def _act(self, slot: Callable[[], object]) -> None:
        self.hide()
        slot()
