"""`--screenshot` waits for the window to be drawn, and gives up in time when it never is."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from release_manager.ui.screenshot import wait_until


def test_the_wait_ends_once_the_window_is_ready(qtbot) -> None:
    state = {"ready": False}
    QTimer.singleShot(30, lambda: state.update(ready=True))

    assert wait_until(lambda: state["ready"], give_up_ms=30_000)


def test_the_wait_gives_up_while_the_event_loop_is_kept_busy(qtbot) -> None:
    busy = {"on": True, "rounds": 0}

    def again() -> None:  # work that posts more work, as a layout loop does
        if busy["on"]:
            busy["rounds"] += 1
            QTimer.singleShot(0, again)

    again()
    try:
        assert not wait_until(lambda: False, give_up_ms=200)
    finally:
        busy["on"] = False
    assert busy["rounds"] > 10  # the loop was busy all along
