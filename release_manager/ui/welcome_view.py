"""The window with no pipeline open: a way to open one, never an empty canvas."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCommandLinkButton, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomeView(QWidget):
    openRequested = Signal()
    recentRequested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeView")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(10)
        title = QLabel("Release Manager")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        hint = QLabel(
            "Open an azure-pipelines.yml to see its stages, edit them and promote builds.\n"
            "You can also drop a .yml file on this window."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        self.open_button = QPushButton("Open a pipeline…")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.openRequested)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._recent = QVBoxLayout()
        layout.addLayout(self._recent)

    def set_recent(self, paths: list[Path]) -> None:
        """Offer the recently opened files as one-click buttons."""
        while (item := self._recent.takeAt(0)) is not None:
            if item.widget() is not None:
                item.widget().deleteLater()
        for path in paths[:5]:
            button = QCommandLinkButton(path.name, str(path.parent))
            button.clicked.connect(lambda _=False, p=path: self.recentRequested.emit(p))
            self._recent.addWidget(button)
