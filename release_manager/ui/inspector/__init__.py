"""The inspector dock: the selected stage's settings, or the pipeline's triggers and
schedules when nothing is selected."""

from release_manager.ui.inspector.panel import InspectorPanel

__all__ = ["InspectorPanel"]
