"""The streaming deployment log: a view that paints only its visible lines, and a panel.

Lines reach :class:`LogView` in batches, either through :meth:`LogView.append_lines`
(connected to a worker's signal) or from a :class:`~release_manager.engine.log_buffer.
LogSink` that worker threads write to and the view drains on a short timer. The view
keeps the newest lines in a :class:`~release_manager.engine.log_buffer.LineRing` and
paints the rows in sight with QPainter, so ingest costs next to nothing per line.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.log_buffer import DEFAULT_CAPACITY, LineRing, LogSink
from release_manager.engine.log_lines import (
    LineKind,
    LogSearch,
    Match,
    dropped_note,
    parse_line,
    plain_text,
    save_lines,
)

DRAIN_INTERVAL_MS = 30
# Ingest from a sink does one thing per event-loop pass: paint a strip of the frame
# being drawn, or drain: take lines in steps of DRAIN_STEP into the ring, starting no
# step after DRAIN_BUDGET_S, then fit the scroll bars once. The rest waits for the next
# pass, so input gets its turn between passes however fast the lines arrive.
DRAIN_STEP = 4096
DRAIN_BUDGET_S = 0.001
# While lines stream in, start a frame at most this often: a paint costs more than a
# drain. A frame is painted PAINT_STRIP_ROWS rows per pass (about 1 ms each; a whole
# paint is 3–4 ms), with no drain in between, so its strips show one picture.
PAINT_INTERVAL_S = 0.033
PAINT_STRIP_ROWS = 12
MARGIN = 4.0

# ANSI colours 0–15 (normal, then bright), tuned for a dark and for a light background.
_ANSI_ON_DARK = (
    "#6e6e6e", "#f14c4c", "#23d18b", "#e5e510", "#3b8eea", "#d670d6", "#29b8db", "#e5e5e5",
    "#8a8a8a", "#ff6b6b", "#4ee6a0", "#f5f543", "#5ea5f0", "#e28ae2", "#4cc9e6", "#ffffff",
)  # fmt: skip
_ANSI_ON_LIGHT = (
    "#000000", "#c41a1a", "#00881f", "#8a6d00", "#0451a5", "#a4009e", "#007f9c", "#555555",
    "#666666", "#d42020", "#14a314", "#9a8a00", "#1f6fc5", "#bc05bc", "#0598bc", "#7a7a7a",
)  # fmt: skip


@dataclass(frozen=True)
class _Colors:
    """Colours for one palette: text, selection, search, ANSI table and line kinds."""

    base: QColor
    muted: QColor
    note_band: QColor
    highlight: QColor
    highlighted_text: QColor
    ansi: tuple[QColor, ...]
    match: QColor
    current_match: QColor
    line_colors: dict[LineKind, QColor]  # default text colour of each kind of line
    bands: dict[LineKind, QColor]  # background tint of the kinds that have one

    @classmethod
    def from_palette(cls, palette: QPalette) -> _Colors:
        dark = palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5
        ansi = tuple(QColor(c) for c in (_ANSI_ON_DARK if dark else _ANSI_ON_LIGHT))
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        error = ansi[9] if dark else ansi[1]
        warning = QColor("#e0a82e" if dark else "#a86400")
        line_colors = dict.fromkeys(LineKind, text)
        line_colors |= {
            LineKind.ERROR: error,
            LineKind.WARNING: warning,
            LineKind.SECTION: palette.color(QPalette.ColorRole.Accent),
            LineKind.COMMAND: ansi[12] if dark else ansi[4],
            LineKind.DEBUG: muted,
        }
        bands = {LineKind.ERROR: QColor(error), LineKind.WARNING: QColor(warning)}
        for band in bands.values():
            band.setAlpha(40 if dark else 28)
        return cls(
            base=palette.color(QPalette.ColorRole.Base),
            muted=muted,
            note_band=palette.color(QPalette.ColorRole.AlternateBase),
            highlight=palette.color(QPalette.ColorRole.Highlight),
            highlighted_text=palette.color(QPalette.ColorRole.HighlightedText),
            ansi=ansi,
            match=QColor(255, 200, 0, 110 if dark else 130),
            current_match=QColor(255, 120, 0, 190 if dark else 170),
            line_colors=line_colors,
            bands=bands,
        )


class LogView(QAbstractScrollArea):
    """A read-only log of the newest ``capacity`` lines, painted row by row.

    Follows the tail until the user scrolls up; resumes at the bottom, on End or
    :meth:`set_following`. Selection is by whole lines.
    """

    followChanged = Signal(bool)
    searchChanged = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        capacity: int = DEFAULT_CAPACITY,
        full_log_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._ring = LineRing(capacity)
        self._search = LogSearch(self._ring)
        self._full_log_path = full_log_path
        self._following = True
        self._adjusting = False  # True while the view moves its own scroll bars
        self._anchor: int | None = None  # selection: sequence numbers of both ends
        self._cursor: int | None = None
        self._max_columns = 0  # longest display text seen, in characters
        self._vertical_state: tuple[int, int] | None = None
        self._horizontal_state: tuple[int, float, int] | None = None
        self._viewport_width = self.viewport().width()
        self._viewport_height = self.viewport().height()
        self._sink: LogSink | None = None
        self._colors_key: int | None = None
        self._colors: _Colors | None = None

        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(DRAIN_INTERVAL_MS)
        self._drain_timer.timeout.connect(self._drain_on_time)
        self._drain_more = QTimer(self)
        self._drain_more.setSingleShot(True)
        self._drain_more.timeout.connect(self._drain_sink)
        self._last_paint = 0.0
        self._stale = False  # lines drained from the sink are not painted yet
        self._next_strip: int | None = None  # the row a frame painted in strips is at
        self._paint_timer = QTimer(self)
        self._paint_timer.setSingleShot(True)
        self._paint_timer.timeout.connect(self.viewport().update)
        self._search_timer = QTimer(self)
        self._search_timer.setInterval(0)
        self._search_timer.timeout.connect(self._search_step)

        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._update_metrics()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # fills itself
        self.setAccessibleName("Deployment log")
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self._make_actions()
        self._update_scroll_bars()

    # ----------------------------------------------------------------- actions

    def _make_actions(self) -> None:
        self.copy_action = QAction("&Copy", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.copy)
        self.select_all_action = QAction("Select &All", self)
        self.select_all_action.setShortcut(QKeySequence.StandardKey.SelectAll)
        self.select_all_action.triggered.connect(self.select_all)
        self.save_action = QAction("&Save Log As…", self)
        self.save_action.triggered.connect(self.save_as)
        self.clear_action = QAction("C&lear", self)
        self.clear_action.triggered.connect(self.clear)
        self.follow_action = QAction("&Follow", self)
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.setShortcut(QKeySequence(Qt.Key.Key_End))
        self.follow_action.toggled.connect(self.set_following)
        self.followChanged.connect(self.follow_action.setChecked)
        for action in (self.copy_action, self.select_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.addAction(action)

    def context_menu(self) -> QMenu:
        """The right-click menu; Copy is enabled only with a selection."""
        self.copy_action.setEnabled(self.has_selection())
        menu = QMenu(self)
        menu.addAction(self.copy_action)
        menu.addAction(self.select_all_action)
        menu.addSeparator()
        menu.addAction(self.follow_action)
        menu.addAction(self.save_action)
        menu.addAction(self.clear_action)
        menu.aboutToHide.connect(lambda: self.copy_action.setEnabled(True))
        return menu

    def contextMenuEvent(self, event) -> None:
        menu = self.context_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    # ------------------------------------------------------------------ ingest

    def attach_sink(self, sink: LogSink | None) -> None:
        """Drain ``sink`` every few milliseconds into this view (None detaches).

        Lines still waiting in the previous sink are taken first, so none are lost.
        """
        if self._sink is not None and sink is not self._sink:
            drained = self._sink.drain()
            self._append(drained.lines, drained.skipped, unbroken=True)
        if self._stale or self._next_strip is not None:
            self._next_strip = None
            self._schedule_paint()
        self._sink = sink
        if sink is None:
            self._drain_timer.stop()
        else:
            self._drain_timer.start()

    def _drain_on_time(self) -> None:
        if not self._drain_more.isActive():  # else a step is due already
            self._drain_sink()

    def _drain_sink(self) -> None:
        """One step of ingest: paint the next strip of a frame (a new frame at most every
        PAINT_INTERVAL_S) or drain for DRAIN_BUDGET_S. One thing per step; further steps
        follow on later passes."""
        if self._sink is None:
            return
        now = time.monotonic()
        if self._next_strip is None and self._stale and now - self._last_paint >= PAINT_INTERVAL_S:
            self._stale = False
            self._last_paint = now
            self._next_strip = 0
        if self._next_strip is not None:
            self._paint_strip(self._next_strip)
        else:
            self._drain_for_budget(self._sink)
        if self._sink.pending or self._next_strip is not None:
            self._drain_more.start(0)  # the rest after the events waiting now
        elif self._stale:
            wait = self._last_paint + PAINT_INTERVAL_S - time.monotonic()
            self._drain_more.start(max(0, math.ceil(wait * 1000)))

    def _paint_strip(self, row: int) -> None:
        """Paint PAINT_STRIP_ROWS rows of the frame from ``row`` on; the last ends it.
        No lines come in between two strips, so together they show one picture."""
        top = row * self._row_height
        bottom = min((row + PAINT_STRIP_ROWS) * self._row_height, self._viewport_height)
        self._next_strip = row + PAINT_STRIP_ROWS if bottom < self._viewport_height else None
        self.viewport().repaint(0, top, self._viewport_width, bottom - top)

    def _drain_for_budget(self, sink: LogSink) -> None:
        """Move lines from the sink into the ring for DRAIN_BUDGET_S, then fit the view
        to them once (the Qt calls cost more than the lines)."""
        position = self._reading_position()
        total = self._ring.total
        dropped = 0
        deadline = time.perf_counter() + DRAIN_BUDGET_S
        while True:
            drained = sink.drain(DRAIN_STEP)
            dropped += self._ring.extend(drained.lines, drained.skipped, unbroken=True)
            if not sink.pending or time.perf_counter() >= deadline:
                break
        if self._ring.total != total:
            self._grown(position, dropped, paint=False)

    def append_lines(self, lines: list[str], skipped: int = 0) -> None:
        """Add a batch of lines (already masked) at the bottom.

        ``skipped`` counts lines lost upstream just before this batch. A line that holds
        line breaks shows as several lines.
        """
        self._append(lines, skipped, unbroken=False)

    def _append(
        self, lines: list[str], skipped: int, *, unbroken: bool, paint: bool = True
    ) -> None:
        """Add lines; ``paint=False`` leaves the repaint to the next ingest step."""
        if not lines and not skipped:
            return
        position = self._reading_position()
        dropped = self._ring.extend(lines, skipped, unbroken=unbroken)
        self._grown(position, dropped, paint=paint)

    def _reading_position(self) -> tuple[int, int]:
        """The line at the top of the view and the rows of the note above the lines."""
        return self._row_to_seq(self.verticalScrollBar().value()), self._note_rows()

    def _grown(self, position: tuple[int, int], dropped: int, *, paint: bool) -> None:
        """Fit the view to lines just added, ``position`` being where it was before."""
        top_seq, had_note = position
        if dropped:
            self._forget_dropped()
        self._update_scroll_bars()
        if self._following:
            self._scroll_to(self.verticalScrollBar().maximum())
        elif dropped or had_note != self._note_rows():
            # Keep the lines the user is reading in place while old ones leave.
            self._scroll_to(max(0, top_seq - self._ring.first_seq) + self._note_rows())
        if self._search.active and not self._search.done:
            self._search_timer.start()
        if paint:
            self._schedule_paint()
        else:
            self._stale = True

    def _schedule_paint(self) -> None:
        wait = self._last_paint + PAINT_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self.viewport().update()
        elif not self._paint_timer.isActive():
            self._paint_timer.start(math.ceil(wait * 1000))

    def _forget_dropped(self) -> None:
        first = self._ring.first_seq
        if self._cursor is not None and self._anchor is not None:
            if max(self._anchor, self._cursor) < first:
                self._anchor = self._cursor = None
            else:
                self._anchor, self._cursor = max(self._anchor, first), max(self._cursor, first)
        if self._search.active:
            self._search.prune()
            self.searchChanged.emit()

    def clear(self) -> None:
        """Forget every line in the view (the full log file is untouched); follow again."""
        self._ring.clear()
        self._anchor = self._cursor = None
        self._max_columns = 0
        self._search.set_query(self._search.query)
        self._update_scroll_bars()
        self.set_following(True)
        self.viewport().update()
        self.searchChanged.emit()

    # ------------------------------------------------------------------- state

    @property
    def line_count(self) -> int:
        """Lines held in the view."""
        return len(self._ring)

    @property
    def total_lines(self) -> int:
        """Lines ever appended (including dropped and cleared ones)."""
        return self._ring.total

    @property
    def dropped_lines(self) -> int:
        """Older lines that left the buffer since it was last cleared."""
        return self._ring.dropped

    @property
    def capacity(self) -> int:
        return self._ring.capacity

    def lines(self) -> list[str]:
        """The raw lines held, oldest first."""
        return self._ring.slice(self._ring.first_seq, self._ring.total)

    def set_full_log_path(self, path: Path | None) -> None:
        """The file that keeps the whole log, named in the note about dropped lines."""
        self._full_log_path = path
        self.viewport().update()

    def note_text(self) -> str | None:
        """The note shown above the buffer, when older lines were dropped."""
        if not self._ring.dropped:
            return None
        return dropped_note(self._ring.dropped, self._full_log_path)

    def is_following(self) -> bool:
        return self._following

    def set_following(self, following: bool) -> None:
        """Keep the last line in sight (True) or stay where the user scrolled."""
        if following:
            self._scroll_to(self.verticalScrollBar().maximum())
            self.viewport().update()
        self._set_following(following)

    def _set_following(self, following: bool) -> None:
        if following != self._following:
            self._following = following
            self.followChanged.emit(following)

    def visible_lines(self) -> range:
        """Sequence numbers of the lines in sight (fully or partly)."""
        top = self.verticalScrollBar().value()
        rows = math.ceil(self._viewport_height / self._row_height)
        first = self._row_to_seq(max(top, self._note_rows()))
        last = self._row_to_seq(min(top + rows, self._row_count()))
        return range(first, max(first, last))

    def line_rect(self, seq: int) -> QRectF:
        """Where line ``seq`` is drawn, in viewport coordinates (may be out of sight)."""
        row = seq - self._ring.first_seq + self._note_rows() - self.verticalScrollBar().value()
        return QRectF(0, row * self._row_height, self.viewport().width(), self._row_height)

    def first_line_seq(self) -> int:
        """Sequence number of the oldest line held."""
        return self._ring.first_seq

    # ------------------------------------------------------------------ search

    def set_search_text(self, text: str) -> None:
        """Search the buffer for ``text`` (case-insensitive); empty clears the search."""
        self._search.set_query(text)
        if self._search.active:
            self._search_timer.start()
        else:
            self._search_timer.stop()
        self.searchChanged.emit()
        self.viewport().update()

    def _search_step(self) -> None:
        self._search.step()
        if self._search.done:
            self._search_timer.stop()
        self.searchChanged.emit()
        self._schedule_paint()

    def search_status(self) -> tuple[int | None, int, bool]:
        """(1-based current match or None, matches found, scan finished)."""
        current = self._search.current_index
        return (
            None if current is None else current + 1,
            self._search.count,
            self._search.done,
        )

    def search_truncated(self) -> bool:
        return self._search.truncated

    def find_next(self) -> None:
        self._go_to_match(self._search.next(self._from_seq()))

    def find_previous(self) -> None:
        self._go_to_match(self._search.previous(self._from_seq()))

    def current_match(self) -> Match | None:
        return self._search.current

    def _from_seq(self) -> int:
        visible = self.visible_lines()
        return visible.start if visible else self._ring.first_seq

    def _go_to_match(self, match: Match | None) -> None:
        if match is None:
            return
        self.reveal_line(match.seq)
        columns = len(parse_line(self._ring[match.seq]).text)
        if columns > self._max_columns:
            self._max_columns = columns
            self._update_scroll_bars()
        hbar = self.horizontalScrollBar()
        left = MARGIN + match.start * self._char_width
        right = MARGIN + match.end * self._char_width
        width = self.viewport().width()
        if left < hbar.value() or right > hbar.value() + width:
            hbar.setValue(int(max(0.0, left - width / 3)))
        self.searchChanged.emit()
        self.viewport().update()

    def reveal_line(self, seq: int) -> None:
        """Scroll so that line ``seq`` is in sight (centred if it was not); stops following."""
        if seq not in self.visible_lines():
            rows = self.viewport().height() // self._row_height
            row = seq - self._ring.first_seq + self._note_rows()
            self._scroll_to(max(0, row - rows // 2))
            self.viewport().update()
        self._set_following(self.verticalScrollBar().value() >= self.verticalScrollBar().maximum())

    # --------------------------------------------------------------- selection

    def has_selection(self) -> bool:
        return self._anchor is not None and self._cursor is not None

    def selected_range(self) -> range:
        """Sequence numbers of the selected lines (empty without a selection)."""
        if self._anchor is None or self._cursor is None:
            return range(0)
        lo, hi = sorted((self._anchor, self._cursor))
        return range(max(lo, self._ring.first_seq), min(hi + 1, self._ring.total))

    def select_lines(self, first_seq: int, last_seq: int) -> None:
        self._anchor, self._cursor = first_seq, last_seq
        self.viewport().update()

    def select_all(self) -> None:
        if self._ring:
            self.select_lines(self._ring.first_seq, self._ring.total - 1)

    def selected_text(self) -> str:
        """The selected lines as plain text (no escape codes)."""
        chosen = self.selected_range()
        return plain_text("\n".join(self._ring.slice(chosen.start, chosen.stop)))

    def copy(self) -> None:
        """Put the selected lines on the clipboard as plain text."""
        if self.has_selection():
            QGuiApplication.clipboard().setText(self.selected_text())

    def copy_all_or_selection(self) -> None:
        """Copy the selection, or every line held when nothing is selected."""
        if not self.has_selection():
            self.select_all()
        self.copy()

    # -------------------------------------------------------------------- save

    def save_to(self, path: Path) -> None:
        """Write the note (if any) and the held lines as plain text, atomically."""
        note = self.note_text()
        lines = self.lines()
        body = [plain_text("\n".join(lines))] if lines else []
        save_lines(path, [note, *body] if note else body)

    def save_as(self) -> None:
        """Ask where to save the held lines, then write them."""
        start = str(self._full_log_path.with_suffix(".view.log")) if self._full_log_path else ""
        name, _ = QFileDialog.getSaveFileName(
            self, "Save Log As", start, "Log files (*.log *.txt);;All files (*)"
        )
        if not name:
            return
        try:
            self.save_to(Path(name))
        except OSError as error:
            QMessageBox.warning(
                self, "Save Log As", f"Could not save the log to {name}:\n{error.strerror}"
            )

    # ---------------------------------------------------------------- geometry

    def _update_metrics(self) -> None:
        metrics = QFontMetricsF(self.font())
        self._row_height = max(1, math.ceil(metrics.lineSpacing()))
        self._ascent = metrics.ascent() + (self._row_height - metrics.height()) / 2
        self._char_width = metrics.horizontalAdvance("M")
        # Text that needs no shaping (most of a log) skips it: a sixth of drawText.
        plain = QFont(self.font())
        plain.setStyleStrategy(plain.styleStrategy() | QFont.StyleStrategy.PreferNoShaping)
        self._plain_font = plain
        self._bold_font = QFont(plain)
        self._bold_font.setBold(True)
        self._note_font = QFont(plain)
        self._note_font.setItalic(True)

    def _note_rows(self) -> int:
        return 1 if self._ring.dropped else 0

    def _row_count(self) -> int:
        return len(self._ring) + self._note_rows()

    def _row_to_seq(self, row: int) -> int:
        return self._ring.first_seq + row - self._note_rows()

    def _page_rows(self) -> int:
        return max(1, self._viewport_height // self._row_height)

    def _update_scroll_bars(self) -> None:
        """Fit the scroll bars to the content, touching only what changed."""
        page = self._page_rows()
        width = self._viewport_width
        content = 2 * MARGIN + self._max_columns * self._char_width
        vertical = (max(0, self._row_count() - page), page)
        horizontal = (max(0, math.ceil(content - width)), width, round(self._char_width * 4))
        self._adjusting = True
        try:
            if vertical != self._vertical_state:
                vbar = self.verticalScrollBar()
                vbar.setRange(0, vertical[0])
                vbar.setPageStep(page)
                self._vertical_state = vertical
            if horizontal != self._horizontal_state:
                hbar = self.horizontalScrollBar()
                hbar.setRange(0, horizontal[0])
                hbar.setPageStep(width)
                hbar.setSingleStep(max(1, horizontal[2]))
                self._horizontal_state = horizontal
        finally:
            self._adjusting = False

    def _widen_to(self, columns: int) -> None:
        """Let the horizontal scroll bar reach ``columns`` (widths are learnt as lines
        are painted or revealed, so ingest never measures every line)."""
        if columns > self._max_columns:
            self._max_columns = columns
            QTimer.singleShot(0, self._update_scroll_bars)

    def _scroll_to(self, row: int) -> None:
        """Scroll without touching follow mode; the caller asks for the repaint."""
        self._adjusting = True
        try:
            self.verticalScrollBar().setValue(row)
        finally:
            self._adjusting = False

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        """Qt repaints the whole viewport on every scroll; while following a stream the
        view scrolls on every drain, and paints are rate-limited instead."""
        if not self._adjusting:
            self.viewport().update()

    def _on_scrolled(self, value: int) -> None:
        if not self._adjusting:
            self._set_following(value >= self.verticalScrollBar().maximum())
            self.viewport().update()

    def resizeEvent(self, event) -> None:
        """The rows stay where they are (static contents: Qt paints only what a resize
        uncovers) unless the view follows the tail, whose rows move with the bottom:
        then the whole view is painted again, in strips while lines stream in (a scroll
        bar appears as the first lines arrive, and a whole paint then stalls the GUI)."""
        super().resizeEvent(event)
        moved = event.size().height() != self._viewport_height
        self._viewport_width = event.size().width()
        self._viewport_height = event.size().height()
        self._update_scroll_bars()
        if self._following:
            self._scroll_to(self.verticalScrollBar().maximum())
            if moved and self._sink is not None:
                self._stale = True
            elif moved:
                self.viewport().update()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_metrics()
            self._update_scroll_bars()
        self.viewport().update()

    # ------------------------------------------------------------------- input

    def _seq_at(self, y: float) -> int | None:
        if not self._ring:
            return None
        row = self.verticalScrollBar().value() + int(y // self._row_height)
        row = min(max(row, self._note_rows()), self._row_count() - 1)
        return self._row_to_seq(row)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            seq = self._seq_at(event.position().y())
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            if seq is not None:
                if shift and self._anchor is not None:
                    self._cursor = seq
                else:
                    self._anchor = self._cursor = seq
            self.viewport().update()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._anchor is not None:
            y = event.position().y()
            vbar = self.verticalScrollBar()
            if y < 0:
                vbar.triggerAction(vbar.SliderAction.SliderSingleStepSub)
            elif y > self.viewport().height():
                vbar.triggerAction(vbar.SliderAction.SliderSingleStepAdd)
            self._cursor = self._seq_at(min(max(y, 0.0), self.viewport().height() - 1.0))
            self.viewport().update()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event) -> None:
        vbar = self.verticalScrollBar()
        key = event.key()
        if key == Qt.Key.Key_End:
            self.set_following(True)
        elif key == Qt.Key.Key_Home:
            vbar.triggerAction(vbar.SliderAction.SliderToMinimum)
        elif key == Qt.Key.Key_Escape and self.has_selection():
            self._anchor = self._cursor = None
            self.viewport().update()
        else:
            super().keyPressEvent(event)  # arrows and page keys move the scroll bars

    # ------------------------------------------------------------------- paint

    def _palette_colors(self) -> _Colors:
        key = self.palette().cacheKey()
        if self._colors is None or key != self._colors_key:
            self._colors = _Colors.from_palette(self.palette())
            self._colors_key = key
        return self._colors

    def paintEvent(self, event) -> None:
        self._last_paint = time.monotonic()
        if event.rect().contains(self.viewport().rect()):
            self._stale = False
            self._next_strip = None  # this paint is the whole frame
        colors = self._palette_colors()
        shown = self.visible_lines()
        note_shown = self.verticalScrollBar().value() < self._note_rows()
        top_row = event.rect().top() // self._row_height  # rows in the rect to paint
        end_row = event.rect().bottom() // self._row_height + 1
        lines_from = shown.start + max(0, top_row - note_shown)
        lines_to = min(shown.stop, shown.start + end_row - note_shown)
        rows = range(lines_from, max(lines_from, lines_to))
        x0 = MARGIN - self.horizontalScrollBar().value()
        width = float(self._viewport_width)
        first_col = max(0, int(-x0 // self._char_width))
        last_col = first_col + int(width // self._char_width) + 2
        matches: dict[int, list[Match]] = {}
        for match in self._search.matches_between(rows.start, rows.stop):
            matches.setdefault(match.seq, []).append(match)
        current = self._search.current
        selected = self.selected_range()
        pen = _Pen(QPainter(self.viewport()))
        pen.painter.fillRect(event.rect(), colors.base)
        y = float((rows.start - shown.start + note_shown) * self._row_height)
        longest = 0
        note = self.note_text() if note_shown and top_row == 0 else None
        if note is not None:
            pen.painter.fillRect(QRectF(0, 0, width, self._row_height), colors.note_band)
            pen.text(QPointF(x0, self._ascent), note, self._note_font, colors.muted)
            longest = len(note)
        for seq, raw in zip(rows, self._ring.slice(rows.start, rows.stop), strict=True):
            line = parse_line(raw)
            longest = max(longest, len(line.text))
            is_selected = seq in selected
            band = colors.highlight if is_selected else colors.bands.get(line.kind)
            if band is not None:
                pen.painter.fillRect(QRectF(0, y, width, self._row_height), band)
            for match in matches.get(seq, ()):
                left = x0 + match.start * self._char_width
                span = (match.end - match.start) * self._char_width
                color = colors.current_match if match == current else colors.match
                pen.painter.fillRect(QRectF(left, y, span, self._row_height), color)
            default = colors.highlighted_text if is_selected else colors.line_colors[line.kind]
            heading = line.kind in (LineKind.SECTION, LineKind.GROUP)
            for span in line.spans:
                start, end = max(span.start, first_col), min(span.end, last_col)
                if start < end:
                    use_default = span.color is None or is_selected
                    pen.text(
                        QPointF(x0 + start * self._char_width, y + self._ascent),
                        line.text[start:end],
                        self._bold_font if span.bold or heading else self._plain_font,
                        default if use_default else colors.ansi[span.color],
                    )
            y += self._row_height
        pen.painter.end()
        self._widen_to(longest)


class _Pen:
    """Draws text runs, setting the painter's font and colour only when they change
    (each Qt call costs a round trip through the interpreter lock)."""

    def __init__(self, painter: QPainter) -> None:
        self.painter = painter
        self._font: QFont | None = None
        self._color: QColor | None = None

    def text(self, at: QPointF, text: str, font: QFont, color: QColor) -> None:
        if font is not self._font:
            self.painter.setFont(font)
            self._font = font
        if color is not self._color:
            self.painter.setPen(color)
            self._color = color
        self.painter.drawText(at, text)


class _SearchField(QLineEdit):
    """The search box: Enter finds the next match, Shift+Enter the previous one."""

    nextRequested = Signal()
    previousRequested = Signal()
    escapePressed = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.previousRequested.emit()
            else:
                self.nextRequested.emit()
        elif event.key() == Qt.Key.Key_Escape:
            self.escapePressed.emit()
        else:
            super().keyPressEvent(event)


class LogPanel(QWidget):
    """A toolbar (search, previous/next, match count, Follow, Save, Copy) over a LogView."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        capacity: int = DEFAULT_CAPACITY,
        full_log_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = LogView(self, capacity=capacity, full_log_path=full_log_path)

        self.search_field = _SearchField(self)
        self.search_field.setPlaceholderText("Search log (Ctrl+F)")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setAccessibleName("Search log")
        self.previous_button = self._tool_button(
            "Previous match (Shift+Enter, Shift+F3)", arrow=Qt.ArrowType.UpArrow
        )
        self.next_button = self._tool_button("Next match (Enter, F3)", arrow=Qt.ArrowType.DownArrow)
        self.match_label = QLabel(self)
        self.match_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("00000 of 00000+"))
        self.follow_button = self._tool_button("Keep the newest line in sight (End)", "Follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(self.view.is_following())
        self.save_button = self._tool_button("Save the lines shown here to a file", "Save…")
        self.copy_button = self._tool_button(
            "Copy the selected lines (every line when none is selected)", "Copy"
        )

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(4)
        self.search_field.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        bar.addWidget(self.search_field, 1)
        for widget in (self.previous_button, self.next_button, self.match_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.follow_button, self.save_button, self.copy_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self.search_field.textChanged.connect(self.view.set_search_text)
        self.search_field.nextRequested.connect(self.view.find_next)
        self.search_field.previousRequested.connect(self.view.find_previous)
        self.search_field.escapePressed.connect(self._leave_search)
        self.previous_button.clicked.connect(self.view.find_previous)
        self.next_button.clicked.connect(self.view.find_next)
        self.follow_button.toggled.connect(self.view.set_following)
        self.view.followChanged.connect(self.follow_button.setChecked)
        self.save_button.clicked.connect(self.view.save_as)
        self.copy_button.clicked.connect(self.view.copy_all_or_selection)
        self.view.searchChanged.connect(self._show_search_status)

        self._panel_action("Find", QKeySequence.StandardKey.Find, self._focus_search)
        self._panel_action("Find Next", QKeySequence.StandardKey.FindNext, self.view.find_next)
        self._panel_action(
            "Find Previous", QKeySequence.StandardKey.FindPrevious, self.view.find_previous
        )
        self._show_search_status()

    def _tool_button(
        self, tip: str, text: str = "", arrow: Qt.ArrowType = Qt.ArrowType.NoArrow
    ) -> QToolButton:
        button = QToolButton(self)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        if text:
            button.setText(text)
        button.setArrowType(arrow)
        button.setAutoRaise(True)
        return button

    def _panel_action(self, text: str, keys: QKeySequence.StandardKey, slot) -> None:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    def _focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def _leave_search(self) -> None:
        self.search_field.clear()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_search_status(self) -> None:
        current, count, done = self.view.search_status()
        more = "+" if self.view.search_truncated() else "" if done else "…"
        if not self.search_field.text():
            text = ""
        elif count == 0:
            text = "No matches" if done else "Searching…"
        elif current is None:
            text = f"{count} match{'es' if count != 1 else ''}{more}"
        else:
            text = f"{current} of {count}{more}"
        self.match_label.setText(text)
        self.previous_button.setEnabled(count > 0)
        self.next_button.setEnabled(count > 0)
