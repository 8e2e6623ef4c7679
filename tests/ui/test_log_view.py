"""The streaming log panel, driven as a release manager would drive it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QMouseEvent, QPalette
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from release_manager.engine.log_buffer import LogSink
from release_manager.engine.log_lines import LineKind, Span, parse_line
from release_manager.ui import log_view
from release_manager.ui.log_view import LogPanel, LogView

FULL_LOG = Path("/var/logs/release-42.log")


@pytest.fixture
def panel(qtbot) -> LogPanel:
    widget = LogPanel(full_log_path=FULL_LOG)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


def numbered(count: int, start: int = 0) -> list[str]:
    return [f"line {i}" for i in range(start, start + count)]


def is_red(color: QColor) -> bool:
    return color.red() > 150 and color.green() < 90 and color.blue() < 90


def red_pixels_in(view: LogView, seq: int) -> int:
    image = view.viewport().grab().toImage()
    rect = view.line_rect(seq).toRect()
    return sum(
        is_red(image.pixelColor(x, y))
        for y in range(max(0, rect.top()), min(image.height(), rect.bottom() + 1))
        for x in range(0, image.width(), 1)
    )


def test_lines_written_by_a_worker_thread_appear_in_the_view(qtbot, panel: LogPanel) -> None:
    sink = LogSink()
    panel.view.attach_sink(sink)
    worker = threading.Thread(target=lambda: [sink.write(line) for line in numbered(20_000)])
    worker.start()
    qtbot.waitUntil(lambda: panel.view.line_count == 20_000)
    worker.join()

    assert panel.view.lines() == numbered(20_000)
    assert 19_999 in panel.view.visible_lines()  # following the tail by default


class CountingPasses:
    """Counts event-loop passes with a 0 ms timer and notes the pass of each drain."""

    def __init__(self, sink: LogSink, owner: QObject) -> None:
        self.passes = 0
        self.drains: list[tuple[int, int]] = []  # (pass, lines taken)
        self._timer = QTimer(owner)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._count)
        self._timer.start()
        drain = sink.drain

        def noted(max_lines: int | None = None):
            drained = drain(max_lines)
            if drained.lines:
                self.drains.append((self.passes, len(drained.lines)))
            return drained

        sink.drain = noted  # type: ignore[method-assign]

    def _count(self) -> None:
        self.passes += 1


def test_a_drain_stops_at_its_budget_and_the_rest_arrives_on_later_passes(
    qtbot, panel: LogPanel, monkeypatch
) -> None:
    monkeypatch.setattr(log_view, "DRAIN_STEP", 100)
    monkeypatch.setattr(log_view, "DRAIN_BUDGET_S", 0.0)  # one step per pass
    sink = LogSink()
    sink.write_lines(numbered(1000))
    passes = CountingPasses(sink, panel)
    panel.view.attach_sink(sink)

    qtbot.waitUntil(lambda: panel.view.line_count == 1000)
    assert panel.view.lines() == numbered(1000)
    assert [taken for _, taken in passes.drains] == [100] * 10
    assert len({seen for seen, _ in passes.drains}) == 10  # each on a pass of its own
    qtbot.waitUntil(lambda: 999 in panel.view.visible_lines())


class PaintCounter(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_following_a_stream_paints_at_its_own_pace_not_on_every_drain(
    qtbot, panel: LogPanel, monkeypatch
) -> None:
    monkeypatch.setattr(log_view, "DRAIN_STEP", 100)
    monkeypatch.setattr(log_view, "DRAIN_BUDGET_S", 0.0)
    monkeypatch.setattr(log_view, "PAINT_INTERVAL_S", 3600.0)  # not again in this test
    sink = LogSink()
    sink.write_lines(numbered(1000))
    counter = PaintCounter(panel.view.viewport())
    passes = CountingPasses(sink, panel)
    panel.view.attach_sink(sink)

    qtbot.waitUntil(lambda: panel.view.line_count == 1000)
    assert len(passes.drains) == 10
    assert 999 in panel.view.visible_lines()  # scrolled along
    assert counter.paints <= 1


def test_a_small_backlog_arrives_in_one_drain(qtbot, panel: LogPanel, monkeypatch) -> None:
    monkeypatch.setattr(log_view, "DRAIN_STEP", 100)
    monkeypatch.setattr(log_view, "DRAIN_BUDGET_S", 60.0)
    sink = LogSink()
    sink.write_lines(numbered(1000))
    passes = CountingPasses(sink, panel)
    panel.view.attach_sink(sink)

    qtbot.waitUntil(lambda: panel.view.line_count == 1000)
    assert len({seen for seen, _ in passes.drains}) == 1


def test_streamed_lines_are_painted_top_to_bottom_once_the_sink_runs_dry(
    qtbot, panel: LogPanel
) -> None:
    view = panel.view
    sink = LogSink()
    view.attach_sink(sink)
    sink.write_lines(["plain", "\x1b[31mred line\x1b[0m"])
    qtbot.waitUntil(lambda: view.line_count == 2)
    qtbot.waitUntil(lambda: red_pixels_in(view, 1) > 0)

    sink.write_lines([f"\x1b[31mred {i}\x1b[0m" for i in range(300)])
    qtbot.waitUntil(lambda: view.line_count == 302)
    top, bottom = view.visible_lines()[0], view.visible_lines()[-1]
    assert bottom == 301
    qtbot.waitUntil(lambda: red_pixels_in(view, top) > 0 and red_pixels_in(view, bottom) > 0)


def red_pixels_on_screen(view: LogView, seq: int) -> int:
    """Red pixels of line ``seq`` as the window shows it now (its backing store), not
    as a fresh paint would draw it."""
    window = view.window()
    image = view.screen().grabWindow(window.winId()).toImage()
    rect = view.line_rect(seq).toRect().intersected(view.viewport().rect())
    rect.translate(view.viewport().mapTo(window, QPoint(0, 0)))
    return sum(
        is_red(image.pixelColor(x, y))
        for y in range(rect.top(), rect.bottom() + 1)
        for x in range(rect.left(), rect.right() + 1)
    )


class PaintedRects(QObject):
    """Notes the rectangle of each paint of a widget and the event-loop pass it came on."""

    def __init__(self, widget: QWidget, passes: CountingPasses) -> None:
        super().__init__(widget)
        self.paints: list[tuple[int, QRect]] = []
        self._passes = passes
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append((self._passes.passes, event.rect()))
        return False


def test_a_streamed_frame_is_painted_in_strips_each_on_a_pass_of_its_own(
    qtbot, panel: LogPanel, monkeypatch
) -> None:
    monkeypatch.setattr(log_view, "PAINT_STRIP_ROWS", 4)
    view = panel.view
    sink = LogSink()
    passes = CountingPasses(sink, panel)
    painted = PaintedRects(view.viewport(), passes)
    view.attach_sink(sink)
    sink.write_lines(["plain"] * 500 + ["\x1b[31mlast\x1b[0m"])

    qtbot.waitUntil(lambda: view.line_count == 501)
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 500) > 0)  # the newest line, shown
    strip = 4 * view.line_rect(0).height()
    assert painted.paints and all(rect.height() <= strip for _, rect in painted.paints)
    on_passes = [seen for seen, _ in painted.paints]
    assert len(set(on_passes)) == len(on_passes)
    rows = view.viewport().height() / view.line_rect(0).height()
    assert len(painted.paints) >= rows / 4  # the frame covers the whole view


def test_a_burst_through_a_full_ring_keeps_the_newest_lines_in_order(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(log_view, "DRAIN_STEP", 64)  # many steps in each pass
    view = LogView(capacity=5000, full_log_path=FULL_LOG)
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    sink = LogSink()
    view.attach_sink(sink)
    worker = threading.Thread(target=lambda: [sink.write(line) for line in numbered(60_000)])
    worker.start()
    qtbot.waitUntil(lambda: view.total_lines == 60_000)
    worker.join()

    assert view.lines() == numbered(5000, start=55_000)
    assert view.note_text() == (
        "… 55 000 earlier lines are in the full log file /var/logs/release-42.log"
    )
    assert view.is_following() and 59_999 in view.visible_lines()


def test_the_tail_stays_in_sight_through_a_resize_while_lines_stream_in(
    qtbot, panel: LogPanel
) -> None:
    view = panel.view
    sink = LogSink()
    view.attach_sink(sink)
    sink.write_lines(["plain"] * 300 + ["\x1b[31mlast\x1b[0m"])
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 300) > 0)

    panel.resize(panel.width(), panel.height() - 3 * view.line_rect(0).height() - 5)
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 300) > 0)
    assert view.is_following() and 300 in view.visible_lines()
    panel.resize(panel.width(), panel.height() + 8 * view.line_rect(0).height())
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 300) > 0)
    assert view.line_rect(300).bottom() <= view.viewport().height()


def test_growing_the_window_shows_the_lines_it_uncovers(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(["plain"] * 30 + ["\x1b[31mred\x1b[0m"] + ["plain"] * 200)
    view.verticalScrollBar().setValue(0)  # reading the top: not following
    row = view.line_rect(30)
    panel.resize(panel.width(), int(row.bottom()) + 5 * int(row.height()))
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 30) == 0)  # out of sight
    panel.resize(panel.width(), int(row.bottom()) + 20 * int(row.height()))
    qtbot.waitUntil(lambda: red_pixels_on_screen(view, 30) > 0)
    assert view.visible_lines().start == 0


def test_painting_part_of_the_view_draws_the_lines_in_that_part(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(["plain"] * 100 + ["\x1b[31mred\x1b[0m"] + ["plain"] * 100)
    view.reveal_line(100)
    row = view.line_rect(100).toRect()
    band = QRect(0, row.top() - 5, view.viewport().width(), row.height() + 10)
    image = view.viewport().grab(band).toImage()
    assert any(is_red(image.pixelColor(x, y)) for y in range(5, 5 + row.height())
               for x in range(image.width()))
    above = view.viewport().grab(band.translated(0, -3 * row.height())).toImage()
    assert not any(is_red(above.pixelColor(x, y)) for y in range(above.height())
                   for x in range(above.width()))


class Worker(QObject):
    """Emits batches from a plain thread, as the app's workers do."""

    batch = Signal(list)


def test_batches_signalled_from_another_thread_appear(qtbot, panel: LogPanel) -> None:
    worker = Worker()
    worker.batch.connect(panel.view.append_lines)
    thread = threading.Thread(
        target=lambda: [worker.batch.emit(numbered(100, start=i)) for i in range(0, 1000, 100)]
    )
    thread.start()
    qtbot.waitUntil(lambda: panel.view.line_count == 1000)
    thread.join()
    assert panel.view.lines() == numbered(1000)


def test_full_ring_drops_the_oldest_lines_and_says_where_they_are(qtbot) -> None:
    view = LogView(capacity=1000, full_log_path=FULL_LOG)
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    view.append_lines(numbered(12_345 + 600))
    view.append_lines(numbered(400, start=12_945))

    assert view.line_count == 1000
    assert view.lines()[0] == "line 12345" and view.lines()[-1] == "line 13344"
    assert view.note_text() == (
        "… 12 345 earlier lines are in the full log file /var/logs/release-42.log"
    )
    view.verticalScrollBar().setValue(0)
    assert view.visible_lines().start == 12_345  # the note takes the first row
    assert (
        view.line_rect(12_345).top()
        == view.line_rect(12_346).top() - view.line_rect(12_345).height()
    )
    assert view.line_rect(12_345).top() > 0


def test_following_keeps_the_last_line_in_sight_until_the_user_scrolls_up(
    qtbot, panel: LogPanel
) -> None:
    view = panel.view
    view.append_lines(numbered(1000))
    assert panel.follow_button.isChecked()
    assert 999 in view.visible_lines()

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert not panel.follow_button.isChecked()
    reading = view.visible_lines()
    view.append_lines(numbered(500, start=1000))
    assert view.visible_lines() == reading  # the lines being read stay put
    assert 1499 not in view.visible_lines()

    qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    assert view.is_following()
    view.append_lines(numbered(10, start=1500))
    assert 1509 in view.visible_lines()

    scroll_bar = view.verticalScrollBar()
    scroll_bar.setValue(scroll_bar.value() - 30)  # the user drags the scroll bar up
    assert not panel.follow_button.isChecked()
    scroll_bar.setValue(scroll_bar.maximum())  # ... and back to the bottom
    assert panel.follow_button.isChecked()

    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.visible_lines().start == 0 and not view.is_following()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.is_following() and 1509 in view.visible_lines()


def test_dropping_lines_keeps_the_reader_on_the_same_lines(qtbot) -> None:
    view = LogView(capacity=300)
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    view.append_lines(numbered(300))
    view.verticalScrollBar().setValue(150)
    reading = view.visible_lines()
    view.append_lines(numbered(100, start=300))
    assert view.visible_lines() == reading


def test_search_counts_matches_and_steps_through_them(qtbot, panel: LogPanel) -> None:
    view = panel.view
    lines = [f"##[error]Step {i} failed" if i % 50 == 7 else f"step {i} ok" for i in range(3000)]
    view.append_lines(lines)
    expected = [i for i, line in enumerate(lines) if "error" in line.lower()]
    assert len(expected) == 60

    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search_field.hasFocus()
    # "##[error]" is a prefix the view does not show, so it is not a match: "FAILED" is.
    qtbot.keyClicks(panel.search_field, "FAILED")
    qtbot.waitUntil(lambda: panel.match_label.text() == "60 matches")

    qtbot.keyClick(view, Qt.Key.Key_Home)
    panel.search_field.setFocus()
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return)
    assert panel.match_label.text() == "1 of 60"
    assert view.current_match().seq == expected[0]
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return)
    assert panel.match_label.text() == "2 of 60"
    assert expected[1] in view.visible_lines()
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert panel.match_label.text() == "1 of 60"
    qtbot.keyClick(panel.search_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert panel.match_label.text() == "60 of 60"  # wraps around
    assert expected[-1] in view.visible_lines()
    qtbot.keyClick(panel.search_field, Qt.Key.Key_F3)
    assert panel.match_label.text() == "1 of 60"
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.match_label.text() == "2 of 60"

    panel.search_field.clear()
    qtbot.keyClicks(panel.search_field, "no such text")
    qtbot.waitUntil(lambda: panel.match_label.text() == "No matches")
    assert not panel.next_button.isEnabled()


def test_search_keeps_counting_while_lines_stream_in(qtbot, panel: LogPanel) -> None:
    sink = LogSink()
    panel.view.attach_sink(sink)
    qtbot.keyClicks(panel.search_field, "deploy")
    sink.write_lines(["Deploying slot A", "waiting", "deployed slot A"])
    qtbot.waitUntil(lambda: panel.match_label.text() == "2 matches")
    sink.write_lines(["DEPLOY done"] * 3)
    qtbot.waitUntil(lambda: panel.match_label.text() == "5 matches")


def test_matches_in_visible_lines_are_highlighted(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(["nothing here", "a NEEDLE in the log", "nothing here"])
    before = view.viewport().grab().toImage()
    qtbot.keyClicks(panel.search_field, "needle")
    qtbot.waitUntil(lambda: panel.match_label.text() == "1 match")
    after = view.viewport().grab().toImage()
    rows = [view.line_rect(seq).toRect() for seq in range(3)]

    def changed(rect) -> int:
        return sum(
            before.pixel(x, y) != after.pixel(x, y)
            for y in range(rect.top(), rect.bottom() + 1)
            for x in range(rect.width())
        )

    assert changed(rows[1]) > 0
    assert changed(rows[0]) == 0 and changed(rows[2]) == 0


def test_ansi_colours_are_parsed_drawn_and_stripped_from_copies(qtbot, panel: LogPanel) -> None:
    styled = parse_line("\x1b[1;31mFAIL\x1b[0m test_api \x1b[90m(12 ms)\x1b[0m")
    assert styled.text == "FAIL test_api (12 ms)"
    assert styled.spans == (
        Span(0, 4, color=1, bold=True),
        Span(4, 14),
        Span(14, 21, color=8),
    )
    assert parse_line("##[error]Deploy failed").kind is LineKind.ERROR
    assert parse_line("##[group]Download artifact").text == "▸ Download artifact"

    view = panel.view
    view.append_lines(
        [
            "plain text without colour",
            "\x1b[31mred text from a tool\x1b[0m",
            "##[error]Deployment failed",
            "\x1b[32mgreen\x1b[0m and plain",
        ]
    )
    assert red_pixels_in(view, 0) == 0
    assert red_pixels_in(view, 1) > 0
    assert red_pixels_in(view, 2) > 0
    assert red_pixels_in(view, 3) == 0

    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == (
        "plain text without colour\n"
        "red text from a tool\n"
        "##[error]Deployment failed\n"
        "green and plain"
    )


def test_mouse_selection_is_copied_as_lines(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(numbered(20))
    view.verticalScrollBar().setValue(0)

    def click(seq: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        point = view.line_rect(seq).center().toPoint()
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, modifier, QPoint(40, point.y())
        )

    click(3)
    click(6, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "line 3\nline 4\nline 5\nline 6"

    click(9)
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "line 9"


def test_dragging_selects_a_range_of_lines(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(numbered(20))
    view.verticalScrollBar().setValue(0)
    viewport = view.viewport()

    def send(kind: QEvent.Type, seq: int, buttons: Qt.MouseButton) -> None:
        point = QPointF(40, view.line_rect(seq).center().y())
        event = QMouseEvent(
            kind,
            point,
            viewport.mapToGlobal(point),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)

    send(QEvent.Type.MouseButtonPress, 8, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseMove, 6, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseMove, 4, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, 4, Qt.MouseButton.NoButton)
    assert view.selected_text() == "line 4\nline 5\nline 6\nline 7\nline 8"


def test_context_menu_offers_the_log_actions(qtbot, panel: LogPanel) -> None:
    view = panel.view
    view.append_lines(numbered(5))
    menu = view.context_menu()
    entries = [action for action in menu.actions() if not action.isSeparator()]
    assert [action.text().replace("&", "") for action in entries] == [
        "Copy",
        "Select All",
        "Follow",
        "Save Log As…",
        "Clear",
    ]
    assert not entries[0].isEnabled()  # nothing selected yet
    entries[1].trigger()  # Select All
    copy = view.context_menu().actions()[0]  # the menu opened again
    assert copy.isEnabled()
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "\n".join(numbered(5))
    entries[4].trigger()  # Clear
    assert view.line_count == 0


def test_copy_button_without_selection_copies_everything(qtbot, panel: LogPanel) -> None:
    panel.view.append_lines(numbered(3))
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "line 0\nline 1\nline 2"


def test_save_writes_the_buffered_lines_as_plain_text(
    qtbot, panel: LogPanel, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "deploy.log"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    panel.view.append_lines(["\x1b[33mwarming up\x1b[0m", "##[section]Deploy", "done"])
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    assert target.read_text(encoding="utf-8") == "warming up\n##[section]Deploy\ndone\n"
    assert [p.name for p in tmp_path.iterdir()] == ["deploy.log"]


def test_saved_file_starts_with_the_note_about_dropped_lines(qtbot, tmp_path: Path) -> None:
    view = LogView(capacity=2, full_log_path=FULL_LOG)
    qtbot.addWidget(view)
    view.append_lines(numbered(5))
    view.save_to(tmp_path / "tail.log")
    assert (tmp_path / "tail.log").read_text(encoding="utf-8").splitlines() == [
        "… 3 earlier lines are in the full log file /var/logs/release-42.log",
        "line 3",
        "line 4",
    ]


def test_clear_empties_the_view(qtbot, panel: LogPanel) -> None:
    panel.view.append_lines(numbered(50))
    panel.view.clear_action.trigger()
    assert panel.view.line_count == 0 and panel.view.lines() == []
    panel.view.append_lines(["after clearing"])
    assert panel.view.lines() == ["after clearing"] and panel.view.note_text() is None


@pytest.mark.parametrize("base", ["#1e1e1e", "#fdfdfd"])
def test_colours_come_from_the_palette(qtbot, panel: LogPanel, base: str) -> None:
    palette = panel.view.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.Text, QColor("#dddddd" if base < "#8" else "#202020"))
    panel.view.setPalette(palette)
    panel.view.append_lines(["##[error]failed", "plain"])
    image = panel.view.viewport().grab().toImage()
    empty_area = image.pixelColor(image.width() - 5, image.height() - 5)
    assert empty_area == QColor(base)
    assert red_pixels_in(panel.view, 0) > 0
