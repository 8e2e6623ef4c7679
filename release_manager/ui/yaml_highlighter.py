"""Simple YAML colouring for the YAML pane: keys, comments, strings, `${{ }}` and `$( )`."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument


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


class YamlHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
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
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        # A `#` inside a quoted string does not start a comment.
        comment_start = len(text)
        strings = list(_STRING.finditer(text))
        for match in _COMMENT.finditer(text):
            start = match.start(1)
            if not any(s.start() < start < s.end() for s in strings):
                comment_start = start
                break
        code = text[:comment_start]
        if match := _DASH.match(code):
            self.setFormat(match.start(1), 1, self._formats["dash"])
        if match := _KEY.match(code):
            self.setFormat(match.start(2), match.end(2) - match.start(2), self._formats["key"])
        for match in strings:
            if match.start() < comment_start:
                self.setFormat(match.start(), match.end() - match.start(), self._formats["string"])
        for match in _EXPRESSION.finditer(code):
            self.setFormat(
                match.start(), match.end() - match.start(), self._formats["expression"]
            )
        if comment_start < len(text):
            self.setFormat(comment_start, len(text) - comment_start, self._formats["comment"])
