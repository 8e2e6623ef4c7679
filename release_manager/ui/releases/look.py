"""How release states look: a symbol, a colour and short words, shared by the matrix,
the environment strip and the result banner."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QColor, QGuiApplication

from release_manager.ui.theme import is_dark

STATES: dict[str, tuple[str, str]] = {
    "succeeded": ("✔", "#2e7d32"),
    "failed": ("✘", "#c62828"),
    "rejected": ("✘", "#c62828"),
    "refused": ("✘", "#c62828"),
    "interrupted": ("⚠", "#c62828"),
    "canceled": ("⊘", "#6d4c41"),
    "skipped": ("↷", "#757575"),
    "waiting": ("◷", "#e65100"),
    "running": ("▶", "#1565c0"),
    "queued": ("…", "#1565c0"),
    "busy": ("▶", "#1565c0"),
}
BEHIND = "#e65100"
DARK_LIGHTER = 150


def symbol(state: str) -> str:
    return STATES.get(state, ("•", ""))[0]


def colour(state: str) -> QColor:
    """The state's colour, lighter on a dark palette so that it reads as text there (the
    palette's text colour for an unknown state: invalid)."""
    shown = QColor(STATES.get(state, ("", ""))[1])
    if shown.isValid() and QGuiApplication.instance() is not None \
            and is_dark(QGuiApplication.palette()):
        return shown.lighter(DARK_LIGHTER)
    return shown


def tint(state: str, alpha: int = 38) -> QColor:
    """A light background for a cell in that state."""
    base = colour(state)
    if base.isValid():
        base.setAlpha(alpha)
    return base


def ago(iso: str, moment: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 d ago' for an ISO time ('' if empty)."""
    if not iso:
        return ""
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = ((moment or datetime.now(UTC)) - then).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return iso


def duration(seconds: float) -> str:
    """Time left, as '2 d 3 h', '4 h 10 min', '12 min' or 'expired'."""
    if seconds <= 0:
        return "expired"
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{max(mins, 1)} min"
