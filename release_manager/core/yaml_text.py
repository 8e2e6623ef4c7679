"""A file's text as lines and offsets, and edited text as pieces marked changed or not."""

from __future__ import annotations

import re
from typing import NamedTuple

from release_manager.core.yaml_guard import LINE_BREAK, split_lines


class SourceText:
    """Offsets of a text's lines, for turning ruamel's (line, column) into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts = [0] + [match.end() for match in LINE_BREAK.finditer(text)]

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
