"""Simple YAML colouring for the YAML pane: keys, comments, strings, `${{ }}` and `$( )`.

Only the lines on screen are coloured, each once until its text or the palette changes:
a `QSyntaxHighlighter` colours every line of a text set or changed, in Python, some
6 500 lines (60–90 ms) per refresh of a 500-stage pipeline, most never scrolled to."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    text_format = QTextCharFormat()
    text_format.setForeground(QColor(color))
    if bold:
        text_format.setFontWeight(QFont.Weight.Bold)
    text_format.setFontItalic(italic)
    return text_format


LIGHT_COLORS = {"key": "#0451a5", "string": "#a31515", "comment": "#008000",
                "expression": "#af00db", "dash": "#795e26"}
DARK_COLORS = {"key": "#9cdcfe", "string": "#ce9178", "comment": "#6a9955",
               "expression": "#c586c0", "dash": "#dcdcaa"}

_KEY = re.compile(r"^(\s*(?:-\s+)*)([^\s#'\"][^:#]*?|'[^']*'|\"[^\"]*\")\s*:(?=\s|$)")
_DASH = re.compile(r"^\s*(-)(?=\s|$)")
_STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"")
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}|\$\[\[?.*?\]\]?|\$\([^)]*\)")
_COMMENT = re.compile(r"(?:^|\s)(#.*)$")

UNCOLOURED = -1
"""A block's user state until it is coloured (Qt's own default for a new block)."""


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of one line's coloured parts; a later span wins over an earlier
    one where they overlap (an expression inside a string)."""
    # A `#` inside a quoted string does not start a comment.
    comment_start = len(text)
    strings = list(_STRING.finditer(text))
    for match in _COMMENT.finditer(text):
        start = match.start(1)
        if not any(s.start() < start < s.end() for s in strings):
            comment_start = start
            break
    code = text[:comment_start]
    found = []
    if match := _DASH.match(code):
        found.append((match.start(1), match.end(1), "dash"))
    if match := _KEY.match(code):
        found.append((match.start(2), match.end(2), "key"))
    found += [(match.start(), match.end(), "string") for match in strings
              if match.start() < comment_start]
    found += [(match.start(), match.end(), "expression") for match in _EXPRESSION.finditer(code)]
    if comment_start < len(text):
        found.append((comment_start, len(text), "comment"))
    return found


class YamlHighlighter:
    """Colours the blocks of `view` that are on screen (`colour_visible`, called before
    each paint). A block is coloured once: its user state holds the palette's stamp, and
    `forget` or a block made anew (state -1) makes it due again."""

    def __init__(self, view: QPlainTextEdit, dark: bool = False) -> None:
        self._view = view
        self._stamp = 0
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        colors = DARK_COLORS if dark else LIGHT_COLORS
        self._formats = {
            "key": _format(colors["key"]),
            "string": _format(colors["string"]),
            "comment": _format(colors["comment"], italic=True),
            "expression": _format(colors["expression"], bold=True),
            "dash": _format(colors["dash"], bold=True),
        }
        self._stamp += 1  # every block is due again, in the new colours
        self._view.viewport().update()

    def forget(self, first: int, count: int) -> None:
        """Blocks `first` .. `first + count - 1` (0-based) have new text: colour them again."""
        block = self._view.document().findBlockByNumber(first)
        for _ in range(count):
            if not block.isValid():
                break
            block.setUserState(UNCOLOURED)
            block = block.next()

    def colour_visible(self) -> None:
        """Colour the blocks in the viewport that are not coloured yet."""
        view = self._view
        block = view.firstVisibleBlock()
        top = view.blockBoundingGeometry(block).translated(view.contentOffset()).top()
        bottom = view.viewport().height()
        start = end = -1
        while block.isValid() and top <= bottom:
            if block.userState() != self._stamp:
                block.layout().setFormats(self.ranges(block.text()))
                block.setUserState(self._stamp)
                start = block.position() if start < 0 else start
                end = block.position() + block.length()
            top += view.blockBoundingRect(block).height()
            block = block.next()
        if start >= 0:  # lay those blocks out again, with their formats
            view.document().markContentsDirty(start, end - start)

    def ranges(self, text: str) -> list[QTextLayout.FormatRange]:
        """The format ranges of one line, each character in the format of its last span."""
        kinds: list[str | None] = [None] * len(text)
        for start, end, kind in spans(text):
            kinds[start:end] = [kind] * (end - start)
        ranges = []
        start = 0
        for column in range(1, len(text) + 1):
            if column == len(text) or kinds[column] != kinds[start]:
                if kinds[start] is not None:
                    part = QTextLayout.FormatRange()
                    part.start, part.length = start, column - start
                    part.format = self._formats[kinds[start]]
                    ranges.append(part)
                start = column
        return ranges
