"""Columns inside a YAML scalar mapped to the file through the scalar's style."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from release_manager.core.model import Pos
from release_manager.core.validation import Source


def position_of(text: str, key: str, column: int) -> Pos:
    """Where `column` (1-based) of the value of top-level `key` lands in `text`."""
    mapping = YAML(typ="rt").load(text)
    line0, column0 = mapping.lc.value(key)
    return Source(text).expression_pos(line0, column0, str(mapping[key]), column)


def char_at(text: str, pos: Pos) -> str:
    return text.split("\n")[pos.line - 1][pos.column - 1]


def test_plain_scalar() -> None:
    text = "a: 1\ncondition: eq(1, 2) foo\n"
    pos = position_of(text, "condition", 10)
    assert pos == Pos(2, 21)
    assert char_at(text, pos) == "f"


def test_single_quoted_scalar_counts_a_doubled_quote_as_one_character() -> None:
    text = "condition: 'eq(variables.a, ''x'') bad'\n"
    # The expression is  eq(variables.a, 'x') bad  and 'bad' is its 22nd character.
    pos = position_of(text, "condition", 22)
    assert pos == Pos(1, 36)
    assert text[35:38] == "bad"


def test_double_quoted_scalar_with_escapes() -> None:
    text = 'condition: "eq(\\"a\\", \\t1) @"\n'
    mapping = YAML(typ="rt").load(text)
    value = mapping["condition"]
    assert value == 'eq("a", \t1) @'
    pos = position_of(text, "condition", value.index("@") + 1)
    assert char_at(text, pos) == "@"


def test_literal_block_scalar_maps_to_the_right_line_and_indentation() -> None:
    text = (
        "stages:\n"
        "- stage: Prod\n"
        "  condition: |\n"
        "    and(\n"
        "      succeeded(),\n"
        "      eq(1, 2) @\n"
        "    )\n"
    )
    mapping = YAML(typ="rt").load(text)
    stage = mapping["stages"][0]
    value = str(stage["condition"])
    line0, column0 = stage.lc.value("condition")
    pos = Source(text).expression_pos(line0, column0, value, value.index("@") + 1)
    assert pos == Pos(6, 16)
    assert char_at(text, pos) == "@"


def test_folded_block_scalar() -> None:
    text = "condition: >-\n  and(succeeded(),\n  eq(1, 2) @)\n"
    mapping = YAML(typ="rt").load(text)
    value = str(mapping["condition"])
    assert value == "and(succeeded(), eq(1, 2) @)"
    pos = position_of(text, "condition", value.index("@") + 1)
    assert pos == Pos(3, 12)


def test_multi_line_plain_scalar() -> None:
    text = "condition: and(succeeded(),\n  eq(1, 2) @)\nnext: 1\n"
    value = str(YAML(typ="rt").load(text)["condition"])
    pos = position_of(text, "condition", value.index("@") + 1)
    assert pos == Pos(2, 12)


@pytest.mark.parametrize("quote", ["'", '"', ""])
def test_a_column_past_the_end_points_just_after_the_value(quote: str) -> None:
    text = f"condition: {quote}and(succeeded(){quote}\n"
    pos = position_of(text, "condition", len("and(succeeded()") + 1)
    assert pos == Pos(1, 12 + len(quote) + len("and(succeeded()"))
