"""An environment's App Service slots on its card: its app, then each slot (the target's
first, then the one it swaps with): state, the build it serves, its address as a link,
health (the detail as tooltip) and its last deployment. Or why they cannot be read."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from release_manager.engine.app_targets import RUNNING, STOPPED, SlotStatus
from release_manager.ui.releases.look import colour

SMALL = "font-size: 8pt; color: palette(placeholder-text);"


def host(url: str) -> str:
    """What the link shows: the host (and port) without the scheme."""
    parts = urlsplit(url)
    return parts.netloc or url


def state_text(state: str) -> tuple[str, str]:
    """The words and the colour state of a slot's state."""
    if state == RUNNING:
        return "● running", "succeeded"
    if state == STOPPED:
        return "■ stopped", "failed"
    return (f"? {state.lower()}" if state else "? state unknown"), ""


class SlotRow:
    """The labels of one slot, in a row of the grid (and its deployment in the next)."""

    def __init__(self, grid: QGridLayout, row: int, parent: QWidget) -> None:
        self.name = QLabel(parent)
        self.state = QLabel(parent)
        self.build = QLabel(parent)
        self.link = QLabel(parent)
        self.link.setOpenExternalLinks(False)  # opened through QDesktopServices below
        self.link.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.health = QLabel(parent)
        self.deployment = QLabel(parent)
        self.deployment.setStyleSheet(SMALL)
        self.deployment.setWordWrap(True)
        for column, label in enumerate((self.name, self.state, self.build, self.link,
                                        self.health)):
            grid.addWidget(label, row, column)
        grid.addWidget(self.deployment, row + 1, 0, 1, 5)

    def show(self, slot: SlotStatus, partner: bool) -> None:
        self.name.setText(f"{'⇄ ' if partner else ''}<b>{escape(slot.slot)}</b>")
        self.name.setToolTip(f"The slot {'it swaps with' if partner else 'deployments go to'}"
                             f": {slot.slot} of {slot.app}")
        words, state = state_text(slot.state)
        self.state.setText(words)
        shown = colour(state)
        self.state.setStyleSheet(f"color: {shown.name()};" if shown.isValid() else "")
        self.build.setText(f"<b>#{slot.build}</b>" if slot.build is not None else "—")
        self.build.setToolTip(f"serves build {slot.build}" if slot.build is not None
                              else "serves no build")
        self.link.setText(f"<a href='{escape(slot.url, quote=True)}'>"
                          f"{escape(host(slot.url))}</a>" if slot.url else "")
        self.link.setToolTip(f"Open {slot.url}")
        if slot.health is None:
            self.health.setText("")
            self.health.setToolTip("")
        else:
            ok = slot.health.ok
            self.health.setText("✔ healthy" if ok else "✘ unhealthy")
            self.health.setStyleSheet(
                f"color: {colour('succeeded' if ok else 'failed').name()};")
            self.health.setToolTip(slot.health.detail)
        self.deployment.setText(slot.deployment or "no deployment known")


class SlotsView(QWidget):
    """Hidden for an environment without an App Service target."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slotsView")
        self.app_label = QLabel()
        self.app_label.setStyleSheet(SMALL)
        self.error_label = QLabel()
        self.error_label.setObjectName("slotsError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(self.error_label.textFormat().PlainText)
        self.error_label.setStyleSheet(f"color: {colour('failed').name()};")
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(0)
        self._grid.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.app_label)
        layout.addWidget(self.error_label)
        layout.addLayout(self._grid)
        self.rows: list[SlotRow] = []
        self.slots: list[SlotStatus] = []
        self.hide()

    def show_slots(self, slots: list[SlotStatus], error: str) -> None:
        self.slots = slots
        while len(self.rows) < len(slots):
            self.rows.append(SlotRow(self._grid, 2 * len(self.rows), self))
        for index, row in enumerate(self.rows):
            present = index < len(slots)
            for label in (row.name, row.state, row.build, row.link, row.health,
                          row.deployment):
                label.setVisible(present)
            if present:
                row.show(slots[index], partner=index > 0)
        self.app_label.setText(f"App Service · {slots[0].app}" if slots else "App Service")
        self.error_label.setText(error)
        self.error_label.setVisible(bool(error))
        self.setVisible(bool(slots or error))
