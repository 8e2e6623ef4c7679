"""Undo commands of the graph that are not edits of the pipeline model."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QPointF
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from release_manager.ui.graph.scene import GraphScene

Placement = dict[str, QPointF | None]
"""Stage name → position set by hand, or None for the automatic layout."""


class MoveStagesCommand(QUndoCommand):
    """Stages moved by hand (one drag, or back to the automatic layout)."""

    changes_document = False
    """Positions live in the user's settings, not in the file: no save is needed."""

    def __init__(self, scene: GraphScene, before: Placement, after: Placement, text: str) -> None:
        super().__init__(text)
        # Held weakly: the scene's editor owns the stack that owns this command.
        self._scene = weakref.ref(scene)
        self._before = dict(before)
        self._after = dict(after)

    def _apply(self, placement: Placement) -> None:
        scene = self._scene()
        if scene is not None and shiboken6.isValid(scene):  # its view may be closed
            scene.set_manual_positions(placement)

    def redo(self) -> None:
        self._apply(self._after)

    def undo(self) -> None:
        self._apply(self._before)
