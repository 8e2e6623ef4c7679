"""Undo commands of the graph that are not edits of the pipeline model."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QPointF
from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from release_manager.ui.graph.scene import GraphScene

Placement = dict[str, QPointF | None]
"""Stage name → position set by hand, or None for the automatic layout."""


@dataclass(frozen=True)
class LayoutState:
    """Where every card is: the positions set by hand and the automatic ones."""

    manual: dict[str, QPointF]
    automatic: dict[str, QPointF]


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


class AutoLayoutCommand(QUndoCommand):
    """"Auto Layout": every card where a fresh layout puts it, hand-placed ones too."""

    changes_document = False

    def __init__(self, scene: GraphScene) -> None:
        super().__init__("Automatic layout")
        self._scene = weakref.ref(scene)
        self._before = scene.layout_state()

    def _live_scene(self) -> GraphScene | None:
        scene = self._scene()
        return scene if scene is not None and shiboken6.isValid(scene) else None

    def redo(self) -> None:
        if (scene := self._live_scene()) is not None:
            scene.lay_out_everything()

    def undo(self) -> None:
        if (scene := self._live_scene()) is not None:
            scene.set_layout_state(self._before)
