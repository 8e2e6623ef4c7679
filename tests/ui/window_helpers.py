"""Waiting for the window as a person would: a file opened from the window is read on a
worker, and the window shows it once it is read, its graph drawn a slice at a time."""

from __future__ import annotations

from release_manager.ui.main_window import MainWindow


def wait_opened(qtbot, window: MainWindow) -> None:
    """Until the file being opened is shown (its whole graph, or its error report)."""
    qtbot.waitUntil(lambda: not window.is_opening() and not window.is_drawing(),
                    timeout=20000)
