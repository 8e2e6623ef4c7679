"""Buffers for streaming log lines: a thread-safe sink for workers and a bounded ring.

Lines written here are expected to be masked already (the engine masks secret values
before a line reaches any sink); nothing in this module reads or reveals anything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_CAPACITY = 200_000


@dataclass(frozen=True, slots=True)
class Drained:
    """What a reader takes from a sink: the pending lines, oldest first.

    ``skipped`` counts older lines that were written but left out of this drain,
    because more than ``max_pending`` lines were waiting.
    """

    lines: list[str]
    skipped: int


class LogSink:
    """Collects lines from any thread; a reader drains them in batches.

    Workers call :meth:`write` once per line; the GUI drains on a short timer, so lines
    travel in batches and never as one signal per line. Writers only append to a list
    and the one reader only removes the first lines it has copied; each of those list
    operations is atomic in CPython, so nobody waits on a lock. A drain keeps at most
    ``max_pending`` lines (the newest) and counts the rest as skipped, as the view it
    feeds keeps no more than that anyway.
    """

    def __init__(self, max_pending: int = DEFAULT_CAPACITY) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, not {max_pending}")
        self._max_pending = max_pending
        self._pending: list[str] = []
        self._append = self._pending.append
        self._extend = self._pending.extend

    def write(self, line: str) -> None:
        """Queue one line (without its line break)."""
        self._append(line)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Queue several lines at once."""
        self._extend(list(lines))

    def drain(self) -> Drained:
        """Take every line written so far, oldest first (call from one thread only)."""
        pending = self._pending
        count = len(pending)
        skipped = max(0, count - self._max_pending)
        lines = pending[skipped:count]
        del pending[:count]  # lines written since len() was taken stay queued
        return Drained(lines, skipped)

    @property
    def pending(self) -> int:
        """Lines written and not yet drained."""
        return len(self._pending)


class LineRing:
    """The newest ``capacity`` lines of a log, with stable sequence numbers.

    Every line ever appended has a sequence number (0 for the first); the ring keeps
    sequence numbers ``first_seq .. total - 1`` and forgets older ones. Access by
    sequence number is O(1) (a list used circularly, filled by slice assignment).
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self._capacity = capacity
        self._items: list[str] = []
        self._head = 0  # index in _items of the oldest retained line
        self._total = 0
        self._cleared_at = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def total(self) -> int:
        """How many lines were ever appended (the next line's sequence number)."""
        return self._total

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest retained line."""
        return self._total - len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def extend(self, lines: list[str], skipped: int = 0) -> int:
        """Append lines; returns how many old lines were dropped to make room.

        ``skipped`` counts lines lost just before ``lines`` (see :class:`Drained`): the
        ring cannot show a gap, so every older line is dropped along with them.
        """
        before = self.first_seq
        if skipped:
            self._items = []
            self._head = 0
            self._total += skipped
        count = len(lines)
        if count == 0:
            return self.first_seq - before
        items, cap = self._items, self._capacity
        if count >= cap:
            self._items = lines[count - cap :]
            self._head = 0
        else:
            room = cap - len(items)
            if room > 0:
                items.extend(lines[:room])
                lines = lines[room:]
            if lines:
                # Full ring: overwrite the oldest lines, wrapping around the end.
                head, n = self._head, len(lines)
                first = min(n, cap - head)
                items[head : head + first] = lines[:first]
                items[: n - first] = lines[first:]
                self._head = (head + n) % cap
        self._total += count
        return self.first_seq - before

    @property
    def dropped(self) -> int:
        """Lines pushed out to make room since the last :meth:`clear`."""
        return self.first_seq - self._cleared_at

    def clear(self) -> None:
        """Forget every line; sequence numbers go on from where they were."""
        self._items = []
        self._head = 0
        self._cleared_at = self._total

    def __getitem__(self, seq: int) -> str:
        """The line with sequence number ``seq`` (IndexError if not retained)."""
        offset = seq - self.first_seq
        if not 0 <= offset < len(self._items):
            raise IndexError(f"line {seq} is not in the ring")
        return self._items[(self._head + offset) % len(self._items)]

    def slice(self, start: int, stop: int) -> list[str]:
        """Lines with sequence numbers in ``[start, stop)``, clamped to what is retained."""
        first = self.first_seq
        lo = max(start, first) - first
        hi = min(stop, self._total) - first
        if hi <= lo:
            return []
        items, size = self._items, len(self._items)
        a, b = (self._head + lo) % size, (self._head + hi) % size
        if a < b:
            return items[a:b]
        return items[a:] + items[:b]
