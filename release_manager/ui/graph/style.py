"""Colours and sizes of the stage graph, taken from the application's palette so that the
graph reads well on light and dark themes alike."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from release_manager.core.layout import Spacing

CARD_WIDTH = 290.0
"""Wide enough for a display name of about 28 characters on one line."""
CARD_HEIGHT = 104.0
CARD_RADIUS = 6.0
ACCENT_WIDTH = 5.0
FOOTER_HEIGHT = 24.0
PORT_RADIUS = 6.0
LAYER_SPACING = CARD_WIDTH + 60.0
NODE_SPACING = CARD_HEIGHT + 36.0
SPACING = Spacing(layer=LAYER_SPACING, node=NODE_SPACING)
"""The layout's, for the open's worker (core/stage_graph.py) and the scene alike."""

STATE_COLOURS = {
    "succeeded": "#2e9e44",
    "failed": "#d13438",
    "running": "#0078d4",
    "waiting": "#c27c0e",
}


@dataclass(frozen=True)
class GraphStyle:
    dark: bool
    background: QColor
    card: QColor
    card_border: QColor
    text: QColor
    subtle_text: QColor
    accent: QColor
    """The left accent of a stage without a release status."""
    selection: QColor
    edge: QColor
    chip: QColor
    error: QColor
    warning: QColor
    condition: QColor

    @classmethod
    def from_palette(cls, palette: QPalette | None = None) -> GraphStyle:
        palette = palette or QApplication.palette()
        window = palette.color(QPalette.ColorRole.Window)
        dark = window.lightness() < 128
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if dark:
            background = window.darker(115)
            card = base.lighter(135) if base.lightness() < 60 else base
            border = card.lighter(150)
            chip = card.lighter(140)
        else:
            background = window.lighter(103) if window.lightness() > 235 else window
            card = base
            border = QColor(0, 0, 0, 45)
            chip = QColor(0, 0, 0, 18)
        subtle = QColor(text)
        subtle.setAlphaF(0.62)
        edge = QColor(text)
        edge.setAlphaF(0.55)
        accent = QColor(text)
        accent.setAlphaF(0.28)
        return cls(
            dark=dark,
            background=background,
            card=card,
            card_border=border,
            text=text,
            subtle_text=subtle,
            accent=accent,
            selection=highlight,
            edge=edge,
            chip=chip,
            error=QColor("#e05252" if dark else "#d13438"),
            warning=QColor("#e0a030" if dark else "#c27c0e"),
            condition=QColor("#8f6ee0" if dark else "#6b47c9"),
        )

    def state_colour(self, state: str) -> QColor:
        return QColor(STATE_COLOURS[state]) if state in STATE_COLOURS else self.accent

    def state_text(self, state: str) -> QColor:
        """A state's colour as text on a card: lighter on dark cards, darker on light."""
        colour = self.state_colour(state) if state in STATE_COLOURS else QColor(self.subtle_text)
        return colour.lighter(140) if self.dark else colour.darker(120)
