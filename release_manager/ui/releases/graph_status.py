"""The release status on the stage graph's cards."""

from __future__ import annotations

from release_manager.engine.release_status import WorkspaceStatus
from release_manager.engine.stage_order import stage_release
from release_manager.ui.graph.scene import GraphScene


def show_release_status(scene: GraphScene, status: WorkspaceStatus) -> None:
    """Set every stage card's footer from `status` (cards of stages it does not know are
    cleared)."""
    for item in scene.stage_items():
        text, state = stage_release(status, item.name) if item.name in status.stages \
            else ("", "")
        item.set_release_status(text, state)
