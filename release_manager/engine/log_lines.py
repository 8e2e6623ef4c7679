"""The Qt-free parts of the log view: line styling, incremental search, saving.

A raw log line may hold ANSI SGR escape codes and start with an Azure Pipelines
logging-command prefix (``##[error]`` …), possibly after the timestamp of a downloaded
Azure log. What the view shows of it, its *display text*, is the line with escape codes
stripped, the prefix removed (a group header gets a ``▸`` marker instead) and tabs
expanded. :func:`parse_line` gives the display text with its
style spans; :func:`display_block` gives the display text of many lines at once, which
is how the search scans a large buffer quickly. Both agree character for character.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

from release_manager.core.atomic_file import atomic_writer
from release_manager.engine.log_buffer import LineRing

GROUP_MARKER = "▸ "
TAB_SIZE = 8

# CSI sequences (colours, cursor moves, erase-line …): the view keeps colours only.
_CSI = re.compile(r"\x1b\[([0-9;:?]*)[ -/]*[@-~]")
# A logging command starts the line, after the timestamp Azure puts on downloaded logs.
_COMMAND_PATTERN = (
    r"(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z )?"
    r"##\[(?P<kind>error|warning|section|command|group|endgroup|debug)\]"
)
_COMMAND = re.compile(_COMMAND_PATTERN, re.IGNORECASE)
_COMMAND_AT_LINE_START = re.compile("^" + _COMMAND_PATTERN, re.IGNORECASE | re.MULTILINE)


class LineKind(Enum):
    """What an Azure Pipelines logging-command prefix says a line is."""

    PLAIN = "plain"
    ERROR = "error"
    WARNING = "warning"
    SECTION = "section"
    COMMAND = "command"
    GROUP = "group"
    END_GROUP = "endgroup"
    DEBUG = "debug"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of display text ``[start, end)`` in one ANSI style.

    ``color`` is an ANSI colour index (0–7 normal, 8–15 bright) or None for the
    line's default colour.
    """

    start: int
    end: int
    color: int | None = None
    bold: bool = False


@dataclass(frozen=True, slots=True)
class StyledLine:
    """A line as the view paints it: display text, kind and contiguous style spans."""

    text: str
    kind: LineKind
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class _Sgr:
    color: int | None = None
    bold: bool = False


def _apply_sgr(state: _Sgr, params: str) -> _Sgr:
    codes = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")]
    color, bold = state.color, state.bold
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            color, bold = None, False
        elif code == 1:
            bold = True
        elif code == 22:
            bold = False
        elif 30 <= code <= 37:
            color = code - 30
        elif 90 <= code <= 97:
            color = code - 90 + 8
        elif code == 39:
            color = None
        elif code in (38, 48):
            # Extended colour (5;n or 2;r;g;b): skip its arguments, keep the colour.
            mode = codes[i + 1] if i + 1 < len(codes) else 0
            i += 2 if mode == 5 else 4 if mode == 2 else 1
        i += 1
    return _Sgr(color, bold)


def _ansi_runs(raw: str) -> list[tuple[str, _Sgr]]:
    """The printable text of ``raw`` in runs of one SGR style."""
    runs: list[tuple[str, _Sgr]] = []
    state = _Sgr()
    pos = 0
    for match in _CSI.finditer(raw):
        if match.start() > pos:
            runs.append((raw[pos : match.start()], state))
        if match.group(0).endswith("m"):
            state = _apply_sgr(state, match.group(1))
        pos = match.end()
    if pos < len(raw):
        runs.append((raw[pos:], state))
    return runs


def _expand_tabs(text: str, column: int) -> str:
    if "\t" not in text:
        return text
    out: list[str] = []
    for char in text:
        if char in "\r\n":  # str.expandtabs starts a new line at these too
            out.append(char)
            column = 0
        elif char == "\t":
            pad = TAB_SIZE - (column % TAB_SIZE)
            out.append(" " * pad)
            column += pad
        else:
            out.append(char)
            column += 1
    return "".join(out)


@lru_cache(maxsize=2048)
def parse_line(raw: str) -> StyledLine:
    """Display text, kind and style spans of one raw line (cached: lines repeat)."""
    if "\x1b" not in raw and "\t" not in raw and "##[" not in raw:
        return StyledLine(raw, LineKind.PLAIN, (Span(0, len(raw)),) if raw else ())
    runs = _ansi_runs(raw)
    plain = "".join(text for text, _ in runs)
    kind = LineKind.PLAIN
    command = _COMMAND.match(plain)
    if command:
        kind = LineKind(command.group("kind").lower())
        runs = _replace(runs, command.start("kind") - len("##["), command.end(), _marker(command))
    pieces: list[str] = []
    spans: list[Span] = []
    column = 0
    for text, style in runs:
        text = _expand_tabs(text, column)
        if not text:
            continue
        end = column + len(text)
        last = spans[-1] if spans else None
        if last and (last.color, last.bold) == (style.color, style.bold):
            spans[-1] = Span(last.start, end, style.color, style.bold)
        else:
            spans.append(Span(column, end, style.color, style.bold))
        pieces.append(text)
        column = end
    return StyledLine("".join(pieces), kind, tuple(spans))


def _replace(
    runs: list[tuple[str, _Sgr]], start: int, end: int, insert: str
) -> list[tuple[str, _Sgr]]:
    """Runs with characters ``[start, end)`` replaced by ``insert`` in the default style."""
    before: list[tuple[str, _Sgr]] = []
    after: list[tuple[str, _Sgr]] = []
    position = 0
    for text, style in runs:
        stop = position + len(text)
        if position < start:
            before.append((text[: start - position], style))
        if stop > end:
            after.append((text[max(end - position, 0) :], style))
        position = stop
    return before + ([(insert, _Sgr())] if insert else []) + after


def _marker(command: re.Match[str]) -> str:
    """What a logging-command prefix becomes on screen."""
    return GROUP_MARKER if command.group("kind").lower() == "group" else ""


def _display_prefix(command: re.Match[str]) -> str:
    return (command.group("stamp") or "") + _marker(command)


def display_block(block: str) -> str:
    """Display text of newline-joined raw lines, line for line (see module docstring)."""
    block = _CSI.sub("", block)
    if "##[" in block:
        block = _COMMAND_AT_LINE_START.sub(_display_prefix, block)
    return block.expandtabs(TAB_SIZE)


def plain_text(raw: str) -> str:
    """Raw lines without escape codes, as copied or saved (prefixes are kept)."""
    return _CSI.sub("", raw)


def dropped_note(count: int, full_log: Path | None) -> str:
    """The marker line shown above the buffer once older lines were dropped."""
    amount = f"{count:,}".replace(",", " ")
    noun = "line is" if count == 1 else "lines are"
    if full_log is None:
        return f"… {amount} earlier {noun} not kept in this view"
    return f"… {amount} earlier {noun} in the full log file {full_log}"


@dataclass(frozen=True, slots=True, order=True)
class Match:
    """One occurrence of the search text: line sequence number and display columns."""

    seq: int
    start: int
    end: int


class LogSearch:
    """Case-insensitive search over a :class:`LineRing`, a bounded chunk per step.

    The caller runs :meth:`step` from its event loop until :attr:`done`; lines
    appended later are scanned by later steps, and matches on lines that left the
    ring are forgotten by :meth:`prune`. At most ``max_matches`` are kept.
    """

    def __init__(self, ring: LineRing, step_lines: int = 5_000, max_matches: int = 100_000) -> None:
        self._ring = ring
        self._step_lines = step_lines
        self._max_matches = max_matches
        self._needle = ""
        self._matches: list[Match] = []
        self._current: int | None = None
        self._scanned = 0
        self.truncated = False

    @property
    def query(self) -> str:
        return self._needle

    def set_query(self, text: str) -> None:
        """Start a new search (an empty text clears it)."""
        self._needle = text.replace("\n", " ").lower()
        self._matches = []
        self._current = None
        self._scanned = self._ring.first_seq
        self.truncated = False

    @property
    def active(self) -> bool:
        return bool(self._needle)

    @property
    def done(self) -> bool:
        """True when every retained line has been scanned (or the cap was reached)."""
        return not self._needle or self.truncated or self._scanned >= self._ring.total

    @property
    def count(self) -> int:
        return len(self._matches)

    @property
    def current_index(self) -> int | None:
        """Index of the current match in ``0 .. count - 1``, if one is chosen."""
        return self._current

    @property
    def current(self) -> Match | None:
        return None if self._current is None else self._matches[self._current]

    def step(self) -> None:
        """Scan up to ``step_lines`` more lines."""
        if self.done:
            return
        start = max(self._scanned, self._ring.first_seq)
        stop = min(self._ring.total, start + self._step_lines)
        lines = self._ring.slice(start, stop)
        self._scanned = stop
        self._scan(start, display_block("\n".join(lines)))

    def _scan(self, first_seq: int, block: str) -> None:
        lowered = block.lower()
        if len(lowered) != len(block):  # a few characters change length when lowered
            lowered = "\n".join(_lower_same_length(line) for line in block.split("\n"))
        if self._needle not in lowered:
            return
        line_starts = [0]
        for line in block.split("\n"):
            line_starts.append(line_starts[-1] + len(line) + 1)
        size, pos = len(self._needle), lowered.find(self._needle)
        while pos >= 0:
            row = bisect.bisect_right(line_starts, pos) - 1
            column = pos - line_starts[row]
            self._matches.append(Match(first_seq + row, column, column + size))
            if len(self._matches) >= self._max_matches:
                self.truncated = True
                return
            pos = lowered.find(self._needle, pos + size)

    def prune(self) -> None:
        """Forget matches on lines that are no longer in the ring."""
        keep_from = bisect.bisect_left(self._matches, Match(self._ring.first_seq, -1, -1))
        if keep_from == 0:
            return
        del self._matches[:keep_from]
        if self._current is not None:
            self._current = self._current - keep_from if self._current >= keep_from else None

    def matches_between(self, first_seq: int, stop_seq: int) -> list[Match]:
        """Matches on lines ``[first_seq, stop_seq)``, for painting."""
        lo = bisect.bisect_left(self._matches, Match(first_seq, -1, -1))
        hi = bisect.bisect_left(self._matches, Match(stop_seq, -1, -1))
        return self._matches[lo:hi]

    def next(self, from_seq: int) -> Match | None:
        """Move to the match after the current one (or the first at/after ``from_seq``)."""
        if not self._matches:
            return None
        if self._current is None:
            index = bisect.bisect_left(self._matches, Match(from_seq, -1, -1))
        else:
            index = self._current + 1
        self._current = index % len(self._matches)
        return self._matches[self._current]

    def previous(self, from_seq: int) -> Match | None:
        """Move to the match before the current one (or the last before ``from_seq``)."""
        if not self._matches:
            return None
        if self._current is None:
            index = bisect.bisect_left(self._matches, Match(from_seq, -1, -1)) - 1
        else:
            index = self._current - 1
        self._current = index % len(self._matches)
        return self._matches[self._current]


def _lower_same_length(text: str) -> str:
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


def save_lines(path: Path, lines: Iterable[str]) -> None:
    """Write lines to ``path`` atomically, one "\\n" after each."""
    with atomic_writer(path) as stream:
        for line in lines:
            stream.write(line.encode("utf-8", errors="surrogateescape") + b"\n")
