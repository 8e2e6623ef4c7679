"""The Open Recent list, kept in the application's settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10
_KEY = "recentFiles"


class RecentFiles:
    """Most recent first, at most `MAX_RECENT`, files that no longer exist left out."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[Path]:
        """The files still on disk; missing ones are pruned from the settings too."""
        stored = self._stored()
        present = [path for path in stored if path.is_file()]
        if present != stored:
            self._store(present)
        return present

    def add(self, path: Path) -> None:
        path = Path(path).resolve()
        self._store(([path] + [p for p in self._stored() if p != path])[:MAX_RECENT])

    def clear(self) -> None:
        self._store([])

    def _stored(self) -> list[Path]:
        value = self._settings.value(_KEY, [])
        if isinstance(value, str):  # an INI file gives back a one-item list as a string
            value = [value]
        return [Path(item) for item in value or []]

    def _store(self, paths: list[Path]) -> None:
        self._settings.setValue(_KEY, [str(path) for path in paths])
