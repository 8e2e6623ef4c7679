"""Colours for a condition, from the expression language's own tokenizer."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from release_manager.core import expressions

# Colours by `expressions.tokenize` kind; punctuation and whitespace keep the text colour.
# Mid-tone hues that read on the light and the dark palette alike.
COLOURS = {
    "function": "#3a8ee6",
    "keyword": "#b5762a",
    "property": "#9b59c6",
    "string": "#d9534f",
    "number": "#2e9e6a",
    "version": "#2e9e6a",
    "error": "#e81123",
}


def _format(kind: str) -> QTextCharFormat | None:
    if kind not in COLOURS:
        return None
    text_format = QTextCharFormat()
    text_format.setForeground(QColor(COLOURS[kind]))
    if kind == "function":
        text_format.setFontWeight(QFont.Weight.DemiBold)
    if kind == "error":
        text_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        text_format.setUnderlineColor(QColor(COLOURS[kind]))
    return text_format


class ConditionHighlighter(QSyntaxHighlighter):
    """Tokenizes the whole condition once per change (conditions are short) and colours
    each block's share of the tokens."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._tokens: list[tuple[int, int, QTextCharFormat]] = []
        self._text: str | None = None

    def _tokens_for(self, text: str) -> list[tuple[int, int, QTextCharFormat]]:
        if text != self._text:
            self._text = text
            self._tokens = []
            for token in expressions.tokenize(text):
                text_format = _format(token.kind)
                if text_format is not None:
                    self._tokens.append((token.start, token.end, text_format))
        return self._tokens

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock()
        start = block.position()
        end = start + len(text)
        for token_start, token_end, text_format in self._tokens_for(self.document().toPlainText()):
            if token_end <= start or token_start >= end:
                continue
            begin = max(token_start, start)
            self.setFormat(begin - start, min(token_end, end) - begin, text_format)
