"""Parsing Azure condition expressions: every error kind at its column, limits, lexing."""

from __future__ import annotations

import pytest

from release_manager.core.expressions import (
    FUNCTION_NAMES,
    MAX_DEPTH,
    MAX_LENGTH,
    Call,
    ExpressionError,
    Index,
    Literal,
    NamedValue,
    Token,
    evaluate,
    parse,
    tokenize,
)


def error(text: str, kind: str, column: int) -> object:
    return pytest.param(text, kind, column, id=f"{kind}:{text}")


PARSE_ERRORS = [  # §3.2 and §10.1
    error("null", "UnrecognizedValue", 1),
    error("eq(variables.a, null)", "UnrecognizedValue", 17),
    error("a == b", "UnrecognizedValue", 1),
    error("eq(1, 1) == true", "UnrecognizedValue", 10),
    error("!succeeded()", "UnrecognizedValue", 1),
    error("and(true, &&)", "UnrecognizedValue", 11),
    error("eq(1, 'abc)", "UnrecognizedValue", 7),
    error("'", "UnrecognizedValue", 1),
    error('eq("a", "a")', "UnrecognizedValue", 4),
    error("1e3", "UnrecognizedValue", 1),
    error("+1", "UnrecognizedValue", 1),
    error("0x10", "UnrecognizedValue", 1),
    error("-", "UnrecognizedValue", 1),
    error("--1", "UnrecognizedValue", 1),
    error("1*", "UnrecognizedValue", 1),
    error("1.2.3.4.5", "UnrecognizedValue", 1),
    error("1.2.-3", "UnrecognizedValue", 1),
    error("1.2.2147483648", "UnrecognizedValue", 1),
    error("79228162514264337593543950336", "UnrecognizedValue", 1),
    error(".", "UnrecognizedValue", 1),
    error("1.x", "UnrecognizedValue", 1),
    error("counter('a', 1)", "UnrecognizedValue", 1),
    error("parameters.x", "UnrecognizedValue", 1),
    error("foo()", "UnrecognizedValue", 1),
    error("eq(1,2)x", "UnrecognizedValue", 8),
    error("\u200beq(1, 1)", "UnrecognizedValue", 1),
    error("(true)", "UnexpectedSymbol", 1),
    error("eq(1,1) eq(1,1)", "UnexpectedSymbol", 9),
    error("1 2", "UnexpectedSymbol", 3),
    error("variables variables", "UnexpectedSymbol", 11),
    error("eq(1,2,3)", "UnexpectedSymbol", 7),
    error("not(true, false)", "UnexpectedSymbol", 9),
    error("eq(,1)", "UnexpectedSymbol", 4),
    error("eq(1,,2)", "UnexpectedSymbol", 6),
    error("eq(1)", "UnexpectedSymbol", 5),
    error("eq(1,)", "UnexpectedSymbol", 6),
    error("eq()", "UnexpectedSymbol", 4),
    error("not()", "UnexpectedSymbol", 5),
    error("in(1)", "UnexpectedSymbol", 5),
    error("iif(true, 1)", "UnexpectedSymbol", 12),
    error("always(1)", "UnexpectedSymbol", 9),
    error("canceled(true)", "UnexpectedSymbol", 14),
    error("'a'['b']", "UnexpectedSymbol", 4),
    error("true.x", "UnexpectedSymbol", 5),
    error("'a'.length", "UnexpectedSymbol", 4),
    error("variables[]", "UnexpectedSymbol", 11),
    error("variables['a','b']", "UnexpectedSymbol", 14),
    error("variables['a']]", "UnexpectedSymbol", 15),
    error("variables.1abc", "UnexpectedSymbol", 11),
    error("variables.my-var", "UnexpectedSymbol", 11),
    error("variables..x", "UnexpectedSymbol", 11),
    error("variables.'x'", "UnexpectedSymbol", 11),
    error(")", "UnexpectedSymbol", 1),
    error(",", "UnexpectedSymbol", 1),
    error("]", "UnexpectedSymbol", 1),
    error("*", "UnexpectedSymbol", 1),
    error("[1]", "UnexpectedSymbol", 1),
    error("eq(*, 1)", "UnexpectedSymbol", 4),
    error("eq(1, 2)(", "UnexpectedSymbol", 9),
    error("eq(1, 2),", "UnexpectedSymbol", 9),
    error("variables[variables.a, 1]", "UnexpectedSymbol", 22),
    error("eq", "ExpectedStartParameter", 1),
    error("not(eq 1,2)", "ExpectedStartParameter", 5),
    error("and(true, succeeded)", "ExpectedStartParameter", 11),
    error("eq[1]", "ExpectedStartParameter", 1),
    error("variables.", "ExpectedPropertyName", 10),
    error("dependencies.Build .", "ExpectedPropertyName", 20),
    error("eq(1,2", "UnclosedFunction", 1),
    error("and(true, not(false", "UnclosedFunction", 11),
    error("and(true,", "UnclosedFunction", 1),
    error("variables['a'", "UnclosedIndexer", 10),
    error("eq(variables[", "UnclosedIndexer", 13),
]


@pytest.mark.parametrize(("text", "kind", "column"), PARSE_ERRORS)
def test_parse_errors(text: str, kind: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert (caught.value.kind, caught.value.column) == (kind, column)


def test_error_message_names_the_token_and_column_on_one_line() -> None:
    # The column counts from the start of the text, line breaks included (Azure's position).
    with pytest.raises(ExpressionError) as caught:
        parse("and(\n  eq(1,2,3),\n  true)")
    message = str(caught.value)
    assert message == (
        "Unexpected symbol: ','. Located at column 14 within expression: "
        "and( eq(1,2,3), true)"
    )
    assert caught.value.message == message
    assert caught.value.token == ","


def test_error_messages_describe_each_kind() -> None:
    descriptions = {
        "eq": "Expected '(' to follow a function: 'eq'",
        "variables.": "Expected a property name to follow the dereference operator '.': '.'",
        "eq(1,2": "Unclosed function: 'eq'",
        "variables['a'": "Unclosed indexer: '['",
        "null": "Unrecognized value: 'null'",
    }
    for text, description in descriptions.items():
        with pytest.raises(ExpressionError) as caught:
            parse(text)
        assert str(caught.value).startswith(description + ". Located at column")


def test_error_message_stays_short_for_a_long_unterminated_string() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("eq(variables.a, 'abc\n" + "x" * 5000 + ")")
    assert caught.value.token.startswith("'abc\nxxx")
    assert (caught.value.kind, caught.value.column) == ("UnrecognizedValue", 17)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_first_error_in_token_order_wins() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("eq(1,2,3) null")
    assert (caught.value.kind, caught.value.column) == ("UnexpectedSymbol", 7)


def nested(depth: int) -> str:
    return "not(" * depth + "true" + ")" * depth


def test_depth_49_parses_and_50_fails_at_the_fiftieth_call() -> None:
    assert evaluate(nested(MAX_DEPTH - 1)) is False
    with pytest.raises(ExpressionError) as caught:
        parse(nested(MAX_DEPTH))
    assert caught.value.kind == "ExceededMaxDepth"
    assert caught.value.column == 4 * (MAX_DEPTH - 1) + 1
    assert "Exceeded max expression depth 50" in str(caught.value)


def test_open_indexers_count_towards_the_depth() -> None:
    inner = "variables[variables['a']]"
    assert evaluate("not(" * 48 + "variables['a']" + ")" * 48, {"a": "x"}) is True
    text = "not(" * 48 + inner + ")" * 48
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.kind == "ExceededMaxDepth"
    assert caught.value.column == text.index("[", text.index("[") + 1) + 1


def long_expression(length: int) -> str:
    text = "eq('" + "a" * (length - 12) + "', 'b')"
    assert len(text) == length - 1
    return text + " "


def test_max_length_is_21000_characters() -> None:
    assert evaluate(long_expression(MAX_LENGTH)) is False
    with pytest.raises(ExpressionError) as caught:
        parse(long_expression(MAX_LENGTH + 1))
    assert (caught.value.kind, caught.value.column) == ("ExceededMaxLength", MAX_LENGTH + 1)
    assert len(str(caught.value)) < 300


def test_max_length_counts_utf16_code_units() -> None:
    text = "'" + "😀" * 10_499 + "'"  # 20 998 code units + 2 quotes = 21 000
    assert parse(text)
    with pytest.raises(ExpressionError):
        parse("'" + "😀" * 10_500 + "'")


@pytest.mark.parametrize("text", ["", " ", "\t\r\n ", "\u00a0\u3000"])
def test_empty_condition_is_implicit_succeeded(text: str) -> None:
    expression = parse(text)
    assert expression.implicit
    assert isinstance(expression.root, Call) and expression.root.name == "succeeded"
    assert evaluate(text, dependencies={"A": {"result": "Succeeded"}}) is True
    assert evaluate(text, dependencies={"A": {"result": "Failed"}}) is False


@pytest.mark.parametrize(
    "text",
    ["EQ(1, 1)", "Eq(1, 1)", "NOTIN(2, 1, 3)", "notin(2, 1, 3)", "Succeeded()", "TRUE",
     "Always()", "CONTAINSVALUE(split('a', ','), 'A')", "STARTSWITH('ab', 'A')"],
)
def test_names_are_case_insensitive(text: str) -> None:
    assert evaluate(text) is True


def test_tree_shape_and_spans() -> None:
    expression = parse("eq(variables['a'], dependencies.B.result)")
    root = expression.root
    assert isinstance(root, Call) and root.name == "eq" and len(root.args) == 2
    left, right = root.args
    assert isinstance(left, Index) and not left.dotted
    assert isinstance(left.target, NamedValue) and left.target.name == "variables"
    assert isinstance(left.key, Literal) and left.key.value == "a"
    assert expression.source(left) == "variables['a']"
    assert isinstance(right, Index) and right.dotted
    assert expression.source(right) == "dependencies.B.result"
    assert expression.source(right.target) == "dependencies.B"
    assert expression.source(root) == expression.text


def test_function_names_use_azure_casing() -> None:
    assert "containsValue" in FUNCTION_NAMES
    assert "succeededOrFailed" in FUNCTION_NAMES
    assert "convertToJson" in FUNCTION_NAMES
    assert "counter" not in FUNCTION_NAMES
    assert len(FUNCTION_NAMES) == 32 == len(set(FUNCTION_NAMES))
    for name in FUNCTION_NAMES:
        token = tokenize(name)[0]
        assert token.kind == "function", name


def test_tokenize_classifies_every_token() -> None:
    tokens = tokenize("and(eq(variables['x'], 1.2.3), Dependencies.B.result, -.5, nul)")
    kinds = [(token.kind, token.text) for token in tokens if token.kind != "whitespace"]
    assert kinds == [
        ("function", "and"), ("punctuation", "("),
        ("function", "eq"), ("punctuation", "("),
        ("keyword", "variables"), ("punctuation", "["), ("string", "'x'"),
        ("punctuation", "]"), ("punctuation", ","), ("version", "1.2.3"),
        ("punctuation", ")"), ("punctuation", ","),
        ("keyword", "Dependencies"), ("punctuation", "."), ("property", "B"),
        ("punctuation", "."), ("property", "result"), ("punctuation", ","),
        ("number", "-.5"), ("punctuation", ","), ("error", "nul"), ("punctuation", ")"),
    ]


def test_tokenize_keeps_whitespace_offsets_and_bad_tokens() -> None:
    assert tokenize(" true\n") == [
        Token("whitespace", " ", 0, 1),
        Token("keyword", "true", 1, 5),
        Token("whitespace", "\n", 5, 6),
    ]
    assert tokenize("eq(1, 'open") [-1] == Token("error", "'open", 6, 11)
    assert tokenize("variables.eq")[-1] == Token("property", "eq", 10, 12)
    assert [token.kind for token in tokenize("1x 1.2")] == ["error", "whitespace", "number"]
    assert tokenize("") == []
