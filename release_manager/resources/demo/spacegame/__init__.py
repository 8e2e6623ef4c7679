"""Space Game's site helpers."""
