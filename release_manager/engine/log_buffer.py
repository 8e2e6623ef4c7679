"""Buffers for streaming log lines: a thread-safe sink for workers and a bounded ring.

Lines written here are expected to be masked already (the engine masks secret values
before a line reaches any sink); nothing in this module reads or reveals anything else.
"""

from __future__ import annotations

import bisect
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
    and the one reader takes lines off its front in blocks into a list of its own,
    which it hands out in drains of any size; each of those list operations is atomic
    in CPython, so nobody waits on a lock, and a long backlog is not moved along for
    each small drain. A drain keeps at most ``max_pending`` lines (the newest) and
    counts the rest as skipped, as the view it feeds keeps no more than that anyway.
    Drained lines never hold a line break.
    """

    TAKE = 32_768  # lines a bounded drain takes off the writers' list at most at once

    def __init__(self, max_pending: int = DEFAULT_CAPACITY) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, not {max_pending}")
        self._max_pending = max_pending
        self._pending: list[str] = []  # written, not yet taken: writers append here
        self._append = self._pending.append
        self._extend = self._pending.extend
        # Taken off _pending, not yet drained (the reader's alone).
        self._taken: list[str] = []
        self._taken_at = 0

    def write(self, line: str) -> None:
        """Queue one line (without its line break; one that holds breaks is split)."""
        if "\n" in line:
            self._extend(line.split("\n"))
        else:
            self._append(line)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Queue several lines at once."""
        self._extend([part for line in lines for part in line.split("\n")])

    def drain(self, max_lines: int | None = None) -> Drained:
        """Take the lines written so far, oldest first, at most ``max_lines`` of them.

        Call from one thread only. Lines left behind wait for the next drain.
        """
        pending, taken = self._pending, self._taken
        waiting = len(taken) - self._taken_at + len(pending)
        skipped = max(0, waiting - self._max_pending)
        if skipped:  # the oldest go: first those taken, then those still written
            from_taken = min(skipped, len(taken) - self._taken_at)
            self._taken_at += from_taken
            del pending[: skipped - from_taken]
        wanted = waiting - skipped if max_lines is None else min(waiting - skipped, max_lines)
        if len(taken) - self._taken_at < wanted:
            # Take a block: copying a line costs a touch of it, so a long backlog is
            # taken over several drains, each one moving the rest along once.
            count = len(pending)  # lines written from here on stay queued
            if max_lines is not None:
                count = min(count, max(self.TAKE, wanted))
            taken += pending[:count]
            del pending[:count]
        start = self._taken_at
        end = min(len(taken), start + wanted)
        lines = taken[start:end]
        if end == len(taken):
            self._taken, self._taken_at = [], 0
        elif end > len(taken) // 2:
            del taken[:end]  # now and then, so each line moves once at most
            self._taken_at = 0
        else:
            self._taken_at = end
        return Drained(lines, skipped)

    @property
    def pending(self) -> int:
        """Lines written and not yet drained."""
        return len(self._taken) - self._taken_at + len(self._pending)


class LineRing:
    """The newest ``capacity`` lines of a log, with stable sequence numbers.

    Every line ever appended has a sequence number (0 for the first); the ring keeps
    sequence numbers ``first_seq .. total - 1`` and forgets older ones. A line that
    holds line breaks counts as the lines it shows.

    Lines are stored joined, up to ``CHUNK`` lines per string: no object per line, so
    the garbage collector has nothing to walk, old lines leave a chunk at a time and
    appending costs one join. The few chunks being read (the visible rows) are kept
    split. The oldest chunk may still hold some dropped lines, so memory is bounded by
    ``capacity + CHUNK`` lines.
    """

    CHUNK = 8192
    _SPLIT_KEPT = 4  # chunks kept split for reading

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self._capacity = capacity
        self._chunks: list[str] = []  # each chunk: its lines joined with "\n"
        self._starts: list[int] = []  # sequence number of each chunk's first line
        self._split: dict[int, list[str]] = {}  # chunk start -> its lines
        self._len = 0
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
        return self._total - self._len

    @property
    def dropped(self) -> int:
        """Lines pushed out to make room since the last :meth:`clear`."""
        return self.first_seq - self._cleared_at

    def __len__(self) -> int:
        return self._len

    def extend(self, lines: list[str], skipped: int = 0, *, unbroken: bool = False) -> int:
        """Append lines; returns how many old lines were dropped to make room.

        ``skipped`` counts lines lost just before ``lines`` (see :class:`Drained`): the
        ring cannot show a gap, so every older line is dropped along with them.
        ``unbroken`` promises that no line holds a line break (as drained lines do),
        which saves counting them.
        """
        before = self.first_seq
        if skipped:
            self._forget_all()
            self._total += skipped
        for start in range(0, len(lines), self.CHUNK):
            # A batch that fits one chunk (a drain step) is joined without a copy.
            chunk = lines if len(lines) <= self.CHUNK else lines[start : start + self.CHUNK]
            text = "\n".join(chunk)
            self._add_chunk(text, len(chunk) if unbroken else text.count("\n") + 1)
        excess = self._len - self._capacity
        if excess > 0:
            self._len -= excess
            first = self.first_seq
            while len(self._starts) > 1 and self._starts[1] <= first:
                self._split.pop(self._starts[0], None)
                del self._chunks[0], self._starts[0]
        return self.first_seq - before

    def _add_chunk(self, text: str, count: int) -> None:
        if count > self._capacity:  # keep only the newest lines of a huge chunk
            cut = count - self._capacity
            self._forget_all()
            self._total += cut
            text = text.split("\n", cut)[cut]
            count = self._capacity
        self._chunks.append(text)
        self._starts.append(self._total)
        self._total += count
        self._len += count

    def _forget_all(self) -> None:
        self._chunks, self._starts, self._split, self._len = [], [], {}, 0

    def clear(self) -> None:
        """Forget every line; sequence numbers go on from where they were."""
        self._forget_all()
        self._cleared_at = self._total

    def _lines_of(self, index: int) -> list[str]:
        start = self._starts[index]
        lines = self._split.get(start)
        if lines is None:
            if len(self._split) >= self._SPLIT_KEPT:
                del self._split[next(iter(self._split))]
            lines = self._split[start] = self._chunks[index].split("\n")
        return lines

    def __getitem__(self, seq: int) -> str:
        """The line with sequence number ``seq`` (IndexError if not retained)."""
        if not self.first_seq <= seq < self._total:
            raise IndexError(f"line {seq} is not in the ring")
        index = bisect.bisect_right(self._starts, seq) - 1
        return self._lines_of(index)[seq - self._starts[index]]

    def slice(self, start: int, stop: int) -> list[str]:
        """Lines with sequence numbers in ``[start, stop)``, clamped to what is retained."""
        start, stop = max(start, self.first_seq), min(stop, self._total)
        if stop <= start:
            return []
        index = bisect.bisect_right(self._starts, start) - 1
        lines: list[str] = []
        while index < len(self._chunks) and self._starts[index] < stop:
            first = self._starts[index]
            lines += self._lines_in(index, max(start - first, 0), stop - first)
            index += 1
        return lines

    def _lines_in(self, index: int, lo: int, hi: int) -> list[str]:
        """Lines ``lo .. hi - 1`` of chunk ``index``. The last lines of a chunk not split
        yet (the newest, in sight while the view follows a streaming log) are cut from
        its end, without splitting the whole chunk on every paint."""
        if self._starts[index] not in self._split:
            ends = self._starts[index + 1] if index + 1 < len(self._starts) else self._total
            tail = ends - self._starts[index] - lo
            if 0 < tail <= self.CHUNK // 8:
                return self._chunks[index].rsplit("\n", tail)[-tail:][: hi - lo]
        return self._lines_of(index)[lo:hi]
