"""A file's text as lines and offsets, and edited text as pieces marked changed or not."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from release_manager.core.yaml_guard import LINE_BREAK, split_lines


class SourceText:
    """Offsets of a text's lines, for turning ruamel's (line, column) into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts = _line_starts(text)

    def offset(self, line: int, column: int) -> int:
        if line >= len(self.starts):
            return len(self.text)
        return min(self.starts[line] + column, len(self.text))

    def line_start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def next_line_start(self, line: int) -> int:
        return self.line_start(line + 1)

    def line(self, number: int) -> str:
        return self.lines[number] if number < len(self.lines) else ""

    def is_blank(self, number: int) -> bool:
        return not self.line(number).strip()

    def is_comment(self, number: int) -> bool:
        return self.line(number).lstrip().startswith("#")

    def indent(self, number: int) -> int:
        line = self.line(number)
        return len(line) - len(line.lstrip(" "))


def lines_of(text: str) -> list[str]:
    """`text` cut after each "\\n" (the last part may have none)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


class Piece(NamedTuple):
    """Part of the written text, and whether it differs from the original there."""

    text: str
    changed: bool
    origin: int = -1
    """Where `text` starts in the original when it is copied from it (kept in place or
    moved with its stage); -1 for new text."""


class EditedText:
    """The text an edit gives (`pieces` joined) and where each place of the original text
    stands in it: the model's positions are those of the original."""

    def __init__(self, original: SourceText, pieces: list[Piece]) -> None:
        self.text = join(pieces)
        self._pieces = pieces
        self._original_starts = original.starts
        self._starts: list[int] | None = None
        copies: list[tuple[int, int, int]] = []  # (origin, length, offset in `text`)
        offset = 0
        for piece in pieces:
            if piece.origin >= 0 and piece.text:
                copies.append((piece.origin, len(piece.text), offset))
            offset += len(piece.text)
        copies.sort()
        self._copies = copies
        self._origins = [origin for origin, _, _ in copies]

    def changed_lines(self) -> set[int]:
        """1-based numbers of the lines of `text` an edit changed (`changed_lines`)."""
        return changed_lines(self._pieces)

    def place(self, line: int, column: int) -> tuple[int, int] | None:
        """The 1-based (line, column) in `text` of the original's (`line`, `column`);
        a place inside replaced text goes to where the replacement begins, a removed one
        to where it was. None when the original has no such line."""
        if not 0 < line <= len(self._original_starts):
            return None
        offset = self._original_starts[line - 1] + column - 1
        index = bisect.bisect_right(self._origins, offset) - 1
        if index < 0:
            return None
        origin, length, written = self._copies[index]
        written += min(offset - origin, length)
        if self._starts is None:
            self._starts = _line_starts(self.text)
        row = bisect.bisect_right(self._starts, written) - 1
        return row + 1, written - self._starts[row] + 1


def _line_starts(text: str) -> list[int]:
    """Offsets where the lines of `text` begin, as the parser numbers them."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def join(pieces: list[Piece]) -> str:
    return "".join(piece.text for piece in pieces)


def changed_lines(pieces: list[Piece]) -> set[int]:
    """1-based lines of the joined text that a changed piece touches (a deletion marks
    its line only when it leaves part of that line behind)."""
    lines: set[int] = set()
    line, at_line_start = 1, True
    for piece in pieces:
        text = piece.text
        if piece.changed and (text or not at_line_start):
            last = line + text.count("\n", 0, len(text) - 1) if text else line
            lines.update(range(line, last + 1))
        line += text.count("\n")
        if text:
            at_line_start = text.endswith("\n")
    return lines
