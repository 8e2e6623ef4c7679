"""Where the user put stages by hand, kept per pipeline file in the application settings
(never in the YAML): the auto-layout places every other stage."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPointF, QSettings

GROUP = "graph-positions"


class PositionStore:
    def __init__(self, settings: QSettings | None = None) -> None:
        if settings is None:  # the application's own settings file
            settings = QSettings(
                QSettings.Format.IniFormat,
                QSettings.Scope.UserScope,
                QCoreApplication.organizationName() or "release-manager",
                QCoreApplication.applicationName() or "release-manager",
            )
        self._settings = settings

    @staticmethod
    def _key(path: Path) -> str:
        digest = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:32]
        return f"{GROUP}/{digest}"

    def load(self, path: Path | None) -> dict[str, QPointF]:
        if path is None:
            return {}
        raw = self._settings.value(self._key(path), "")
        try:
            data = json.loads(raw) if raw else {}
            return {str(name): QPointF(float(x), float(y)) for name, (x, y) in data.items()}
        except (TypeError, ValueError):
            return {}  # a damaged entry only loses the hand-made positions

    def save(self, path: Path | None, positions: dict[str, QPointF]) -> None:
        if path is None:
            return
        key = self._key(path)
        if not positions:
            self._settings.remove(key)
        else:
            data = {name: [round(p.x(), 1), round(p.y(), 1)] for name, p in positions.items()}
            self._settings.setValue(key, json.dumps(data, sort_keys=True))
        self._settings.sync()
