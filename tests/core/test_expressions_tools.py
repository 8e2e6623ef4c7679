"""What the GUI and the model use: display, explain, stage references and renames,
plus properties that must hold for any text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_manager.core.expressions import (
    FUNCTION_NAMES,
    ExplainStep,
    ExpressionError,
    Version,
    display,
    evaluate,
    explain,
    explain_text,
    parse,
    referenced_stages,
    rename_stage_references,
    tokenize,
)

DISPLAY = [
    (True, "True"),
    (False, "False"),
    (Decimal("1.50"), "1.5"),
    (Decimal("1E+3"), "1000"),
    (Decimal("0.00000005"), "0.0000001"),
    (Decimal("-0.00000005"), "-0.0000001"),
    (Decimal("0.00000004"), "0"),
    (Decimal("-0"), "0"),
    (Decimal("79228162514264337593543950335"), "79228162514264337593543950335"),
    (Decimal("123.456789012"), "123.456789"),
    (3, "3"),
    (None, ""),
    ("as is", "as is"),
    ("", ""),
    (Version(1, 2, 3), "1.2.3"),
    (Version(1, 2), "1.2"),
    (datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC), "2024-03-05 07:08:09+00:00"),
    (datetime(2024, 3, 5, 7, 8, 9, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
     "2024-03-05 07:08:09-05:30"),
    ([], "[]"),
    ({}, "{}"),
    (["a", Decimal("2.0"), None, True], '[\n  "a",\n  2,\n  null,\n  true\n]'),
    ({"a": {"b": []}}, '{\n  "a": {\n    "b": []\n  }\n}'),
]


@pytest.mark.parametrize(("value", "shown"), DISPLAY, ids=[repr(v) for v, _ in DISPLAY])
def test_display(value: object, shown: str) -> None:
    assert display(value) == shown


def test_explain_marks_what_short_circuiting_skipped() -> None:
    steps = explain("and(eq(variables.a, 'x'), gt(1, 'x'))", {"a": "y"})
    assert steps == [
        ExplainStep("and(eq(variables.a, 'x'), gt(1, 'x'))", False, "False", 0, True),
        ExplainStep("eq(variables.a, 'x')", False, "False", 1, True),
        ExplainStep("variables.a", "y", "y", 2, True),
        ExplainStep("'x'", "x", "x", 2, True),
        ExplainStep("gt(1, 'x')", None, "", 1, False),
        ExplainStep("1", None, "", 2, False),
        ExplainStep("'x'", None, "", 2, False),
    ]


def test_explain_shows_why_a_stage_was_skipped() -> None:
    text = explain_text(
        "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))",
        {"Build.SourceBranch": "refs/heads/feature"},
        {"Build": {"result": "Succeeded", "outputs": {}}},
        {"Lint": "Skipped"},
    )
    assert text == "\n".join([
        "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main')) → False",
        "  succeeded() → False",
        "  eq(variables['Build.SourceBranch'], 'refs/heads/main') → (not evaluated)",
        "    variables['Build.SourceBranch'] → (not evaluated)",
        "      'Build.SourceBranch' → (not evaluated)",
        "    'refs/heads/main' → (not evaluated)",
    ])


def test_explain_text_quotes_strings_and_names_nulls() -> None:
    text = explain_text("coalesce(variables.missing, variables.n, 1)", {"n": ""})
    assert text.splitlines() == [
        "coalesce(variables.missing, variables.n, 1) → 1",
        "  variables.missing → null",
        "  variables.n → ''",
        "  1 → 1",
    ]
    assert explain_text("variables.n", {"n": "1"}) == "variables.n → '1'"


def test_explain_of_an_empty_condition_and_of_arrays() -> None:
    assert explain_text("", {}, {"A": {"result": "Failed"}}) == "succeeded() → False"
    assert explain_text("split('a b', ' ')").splitlines()[0] == (
        "split('a b', ' ') → [ \"a\", \"b\" ]"
    )


def test_explain_lists_index_keys_only_when_they_are_expressions() -> None:
    steps = explain("dependencies.A.outputs['x.y']", {}, {"A": {"outputs": {"x.y": "v"}}})
    assert [(step.expression, step.value, step.depth) for step in steps] == [
        ("dependencies.A.outputs['x.y']", "v", 0),
        ("dependencies.A.outputs", {"x.y": "v"}, 1),
        ("dependencies.A", {"outputs": {"x.y": "v"}}, 2),
        ("'x.y'", "x.y", 1),
    ]


def test_a_chain_of_indexers_as_long_as_the_length_allows_is_evaluated_and_explained() -> None:
    """Azure bounds open containers (50) and the length (21 000), not a chain of indexers:
    `a[0][0]…` thousands long parses, so it must evaluate too (it overflowed the stack)."""
    chain = "variables['a']" + "[0]" * 6_900
    condition = (f"and(succeeded('Build'), ne({chain}, 'x'), "
                 "eq(dependencies.Build.result, 'Succeeded'))")
    dependencies = {"Build": {"result": "Succeeded"}}

    assert evaluate(condition, {"a": "x"}, dependencies) is True
    assert referenced_stages(condition) == {"Build"}
    steps = explain(condition, {"a": "x"}, dependencies)
    links = 6_901  # ['a'] and each [0]: the indexer and its key
    assert len(steps) == 2 * links + 9
    assert max(step.depth for step in steps) == links + 2
    assert all(len(step.expression) <= 201 for step in steps)  # the start … the end
    lines = explain_text(condition, {"a": "x"}, dependencies).splitlines()
    assert lines[4].startswith("    variables['a'][0]") and lines[4].endswith("[0] → null")
    assert max(len(line) - len(line.lstrip()) for line in lines) == 100  # 50 levels


def test_explain_raises_like_evaluate() -> None:
    with pytest.raises(ExpressionError):
        explain("eq(1")
    with pytest.raises(ExpressionError):
        explain_text("and(true, gt(1, 'x'))")


SECRETS = {"token": "s3cr3t-value-that-is-long", "user": "alice"}


def test_secret_values_are_masked_in_explanations() -> None:
    text = explain_text(
        "and(eq(variables.user, 'alice'), contains(variables.TOKEN, 'x'))", SECRETS,
        secrets={"Token"},
    )
    assert "s3cr3t" not in text
    assert "  eq(variables.user, 'alice') → True" in text
    assert "    variables.TOKEN → '***'" in text
    steps = explain("format('[{0}]', variables.token)", SECRETS, secrets={"token"})
    assert [(step.value, step.display) for step in steps] == [
        ("[***]", "[***]"), ("[{0}]", "[{0}]"), ("***", "***"),
    ]
    assert evaluate("variables.token", SECRETS, secrets={"token"}) == SECRETS["token"]


def test_secret_values_are_masked_in_evaluation_errors() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("gt(1, variables.token)", SECRETS, secrets={"token"})
    assert "s3cr3t" not in str(caught.value)
    assert "Value: ***" in str(caught.value)
    long_secret = {"token": "x" * 500}
    with pytest.raises(ExpressionError) as caught:
        evaluate("gt(1, variables.token)", long_secret, secrets={"token"})
    assert "xxx" not in str(caught.value)


REFERENCES = [
    ("succeeded('Build')", {"Build"}),
    ("and(failed('A', 'B'), succeededOrFailed('C'))", {"A", "B", "C"}),
    ("eq(dependencies.Test.result, 'Succeeded')", {"Test"}),
    ("eq(dependencies['Deploy Stage'].result, 'Succeeded')", {"Deploy Stage"}),
    ("eq(stageDependencies.Build.Job1.outputs['s.v'], 'x')", {"Build"}),
    ("in(stageDependencies['Pack'].result, 'x', 'y')", {"Pack"}),
    ("eq(variables.Build, 'Succeeded')", set()),
    ("eq(variables['dependencies'], 'Build')", set()),
    ("containsValue(dependencies.*.result, 'Failed')", set()),
    ("succeeded(variables.stage)", set()),
    ("eq(dependencies.A.outputs['B.step.var'], 'x')", {"A"}),
    ("", set()),
    ("eq(dependencies.A.result", set()),
]


@pytest.mark.parametrize(("text", "stages"), REFERENCES)
def test_referenced_stages(text: str, stages: set[str]) -> None:
    assert referenced_stages(text) == stages


RENAMES = [
    ("succeeded('Build')", "succeeded('Release')"),
    ("and(succeeded('build'),  eq( dependencies.Build.result,'Succeeded' ))",
     "and(succeeded('Release'),  eq( dependencies.Release.result,'Succeeded' ))"),
    ("eq(dependencies['BUILD'].outputs['Build.x.y'], 'Build')",
     "eq(dependencies['Release'].outputs['Build.x.y'], 'Build')"),
    ("eq(stageDependencies.Build.Build.result, 'x')",
     "eq(stageDependencies.Release.Build.result, 'x')"),
    ("eq(variables['Build'], 'Build')", "eq(variables['Build'], 'Build')"),
    ("succeeded('Builds')", "succeeded('Builds')"),
    ("eq(dependencies.Build.result", "eq(dependencies.Build.result"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "renamed"), RENAMES)
def test_rename_stage_references(text: str, renamed: str) -> None:
    assert rename_stage_references(text, "Build", "Release") == renamed


def test_rename_to_a_name_that_needs_quoting() -> None:
    text = "and(succeeded('Build'), eq(dependencies . Build.result, 'x'))"
    assert rename_stage_references(text, "Build", "it's-new") == (
        "and(succeeded('it''s-new'), eq(dependencies ['it''s-new'].result, 'x'))"
    )
    renamed = rename_stage_references(text, "Build", "it's-new")
    assert referenced_stages(renamed) == {"it's-new"}


def test_rename_changing_only_case() -> None:
    assert rename_stage_references("succeeded('build')", "Build", "BUILD") == "succeeded('BUILD')"


# ------------------------------------------------------------------- properties

ALPHABET = st.sampled_from(
    list("()[],.*'-_ 0123456789aetxyz\t\n\u00a0é😀")
    + ["eq", "and", "not", "in", "variables", "dependencies", "succeeded", "true", "null",
       "format", "'{0}'", "'a'", "1.2.3", ".5"]
)
TEXTS = st.lists(ALPHABET, max_size=30).map("".join) | st.text(max_size=40)


@settings(max_examples=250, deadline=None)
@given(TEXTS)
def test_parse_raises_nothing_but_expression_errors(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text)
        assert "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_evaluate_raises_nothing_but_expression_errors(text: str) -> None:
    try:
        evaluate(text, {"a": "1"}, {"A": {"result": "Succeeded", "outputs": {}}})
    except ExpressionError:
        pass


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_tokens_tile_the_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(token.text for token in tokens) == text
    assert all(token.text == text[token.start : token.end] for token in tokens)
    assert all(a.end == b.start for a, b in zip(tokens, tokens[1:], strict=False))


STAGE_NAMES = st.sampled_from(["Build", "build", "Test", "A", "Deploy_1", "x y"])
CONDITIONS = st.sampled_from([
    "and(succeeded('{0}'), eq(dependencies.{1}.result, 'Succeeded'))",
    "or(failed('{0}', '{1}'), eq(dependencies['{0}'].outputs['{1}.s.v'], '{0}'))",
    "in(stageDependencies.{1}.J.result, '{0}')",
    "eq(variables['{0}'], '{1}')",
])


@settings(max_examples=200, deadline=None)
@given(CONDITIONS, STAGE_NAMES, STAGE_NAMES.filter(lambda name: " " not in name))
def test_renaming_a_stage_to_itself_changes_nothing(template: str, a: str, b: str) -> None:
    text = template.format(a, b)
    assert rename_stage_references(text, a, a) == text
    assert rename_stage_references(text, b, b) == text


@settings(max_examples=200, deadline=None)
@given(CONDITIONS, STAGE_NAMES.filter(lambda name: " " not in name))
def test_rename_there_and_back(template: str, name: str) -> None:
    text = template.format(name, name)
    there = rename_stage_references(text, name, "Zq_Renamed")
    assert name not in referenced_stages(there)
    assert rename_stage_references(there, "Zq_Renamed", name) == text


SIMPLE_STRINGS = st.text(alphabet=st.sampled_from(list("aAbB_Zz'é1 ß")), max_size=6)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@settings(max_examples=300, deadline=None)
@given(SIMPLE_STRINGS, SIMPLE_STRINGS)
def test_string_comparisons_are_consistent(a: str, b: str) -> None:
    left, right = quoted(a), quoted(b)
    less = evaluate(f"lt({left}, {right})")
    equal = evaluate(f"eq({left}, {right})")
    greater = evaluate(f"gt({left}, {right})")
    assert [less, equal, greater].count(True) == 1
    assert evaluate(f"ne({left}, {right})") is not equal
    assert evaluate(f"le({left}, {right})") is (less or equal)
    assert evaluate(f"lt({right}, {left})") is greater
    assert evaluate(f"eq(upper({left}), {right})") is equal


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**12, max_value=10**12, places=7, allow_nan=False))
def test_numbers_survive_display_and_conversion_back(number: Decimal) -> None:
    literal = format(number, "f")
    assert evaluate(literal) == number
    assert evaluate(f"eq({literal}, '{display(number)}')") is True


def test_every_function_name_is_known_to_the_parser() -> None:
    for name in FUNCTION_NAMES:
        with pytest.raises(ExpressionError) as caught:
            parse(name)
        assert caught.value.kind == "ExpectedStartParameter"
