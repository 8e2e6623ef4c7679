"""Evaluation of Azure condition expressions: literals, coercions, every function.

Expected values come from shared/specs/expressions.md (section numbers in the ids)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from release_manager.core.expressions import (
    EvaluationError,
    ExpressionError,
    Version,
    evaluate,
    evaluate_condition,
)

VARIABLES = {
    "Build.SourceBranch": "refs/heads/main",
    "Build.Reason": "PullRequest",
    "Build": "b",
    "deployTarget": "prod",
    "empty": "",
    "flag": "false",
    "count": "10",
    "my-var": "dashed",
    "stage": "build",
}
DEPENDENCIES = {
    "Build": {
        "result": "Succeeded",
        "outputs": {"BuildJob.setVersion.version": "1.2.3", "BuildJob.setVersion.skip": "false"},
    },
    "Test": {"result": "SucceededWithIssues", "outputs": {}},
}
START = datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)
FAIL = "gt(1, 'x')"  # parses, and raises TypeCast whenever it is evaluated


def run(text: str) -> object:
    return evaluate(text, VARIABLES, DEPENDENCIES, start_time=START)


def case(text: str, expected: object) -> object:
    return pytest.param(text, expected, id=text)


LITERALS = [
    case("true", True),
    case("TRUE", True),
    case("tRuE", True),
    case("False", False),
    case("1", Decimal(1)),
    case("-1", Decimal(-1)),
    case("1.", Decimal(1)),
    case(".5", Decimal("0.5")),
    case("-.5", Decimal("-0.5")),
    case("01", Decimal(1)),
    case("1.10", Decimal("1.1")),
    case("79228162514264337593543950335", Decimal("79228162514264337593543950335")),
    case("1.2.3", Version(1, 2, 3)),
    case("1.02.3", Version(1, 2, 3)),
    case("1.2.3.4", Version(1, 2, 3, 4)),
    case("'it''s'", "it's"),
    case("''", ""),
    case(r"'a\nb'", "a\\nb"),
    case("'no \"double\" quotes'", 'no "double" quotes'),
    case(" \t eq( 1 , 1 ) \n", True),
    case("\u00a0eq(1, 1)", True),
    case("and (true, true)", True),
    case("eq(1, .5)", False),
]


@pytest.mark.parametrize(("text", "expected"), LITERALS)
def test_literals(text: str, expected: object) -> None:
    assert run(text) == expected


def test_version_literal_keeps_missing_components() -> None:
    assert run("1.2.3") != Version(1, 2, 3, 0)
    assert str(run("1.02.3")) == "1.2.3"


BOOLEAN_CONVERSION = [  # §5.1: the condition's value converted to Boolean
    case("'false'", True),
    case("'False'", True),
    case("'0'", True),
    case("' '", True),
    case("''", False),
    case("0", False),
    case("0.0", False),
    case("-0", False),
    case("0.1", True),
    case("1.2.3", True),
    case("variables.undefined", False),
    case("variables.empty", False),
    case("variables.flag", True),
    case("dependencies", True),
    case("dependencies.nope.*", True),
    case("false", False),
]


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_CONVERSION)
def test_condition_boolean_conversion(text: str, expected: bool) -> None:
    assert evaluate_condition(text, VARIABLES, DEPENDENCIES) is expected


EQUALITY = [  # §6.1: the right value takes the LEFT value's kind
    case("eq(true, 'false')", True),
    case("eq(false, '')", True),
    case("eq(true, 2)", True),
    case("eq(true, 1.2.3)", True),
    case("eq(1, '1.0')", True),
    case("eq(1000, '1,000')", True),
    case("eq(1000.5, ' +1,000.50 ')", True),
    case("eq(0, '')", True),
    case("eq(0, '-0')", True),
    case("eq(10, '1,0')", True),
    case("eq(1, '1,')", True),
    case("eq(1, ',1')", False),
    case("eq(1, '1.0,0')", False),
    case("eq(1000, '1e3')", False),
    case("eq(1, '0x1')", False),
    case("eq(1, true)", True),
    case("eq(0, variables.undefined)", True),
    case("eq(1.2, 1.2.0)", False),
    case("eq(1.2, '1.2')", True),
    case("eq(1, 'x')", False),
    case("ne(1, 'x')", True),
    case("eq('1.0', 1)", False),
    case("eq('1', true)", False),
    case("eq('true', true)", True),
    case("eq('True', true)", True),
    case("eq('', variables.undefined)", True),
    case("eq('abc', 'ABC')", True),
    case("eq('é', 'É')", True),
    case("eq('straße', 'STRASSE')", False),
    case("eq('a', dependencies)", False),
    case("ne('a', dependencies)", True),
    case("eq(1.2.3, '1.02.3')", True),
    case("eq(1.2.3, 1.2.3.0)", False),
    case("eq(1.2.0, 1.2)", False),
    case("eq(1.2.3.4, '1.2.3.4')", True),
    case("eq(1.2.3, 'x')", False),
    case("eq(variables.undefined, '')", True),
    case("eq(variables.undefined, variables.other)", True),
    case("eq(variables.undefined, 0)", False),
    case("eq(variables.undefined, false)", False),
    case("eq(false, variables.undefined)", True),
    case("eq(dependencies, dependencies)", True),
    case("eq(dependencies.Build, dependencies.build)", True),
    case("eq(dependencies.*, dependencies.*)", False),
    case("eq(variables.count, 10)", True),
    case("eq(10, variables.count)", True),
    case("ne(variables['Build.Reason'], 'PullRequest')", False),
    case("eq(pipeline.startTime, '2024-03-05T07:08:09+00:00')", True),
    case("eq(pipeline.startTime, '2024-03-05 08:08:09+01:00')", True),
    case("eq(pipeline.startTime, '2024/03/05 07:08:09Z')", True),
    case("eq(pipeline.startTime, '2024-02-30 00:00:00')", False),
    case("eq(pipeline.startTime, 1)", False),
]


@pytest.mark.parametrize(("text", "expected"), EQUALITY)
def test_equality(text: str, expected: bool) -> None:
    assert run(text) is expected


ORDERING = [  # §6.2 and §6.3
    case("gt(variables.undefined, -1)", True),
    case("gt('10', 9)", False),
    case("gt(10, '9')", True),
    case("lt(1.2.3, '1.10')", True),
    case("lt('1.2.3', '1.10')", False),
    case("lt('a', '_')", True),
    case("gt('b', 'A')", True),
    case("ge('a', 'A')", True),
    case("le('a', 'A')", True),
    case("lt('Z', 'a')", False),
    case("gt(true, false)", True),
    case("lt(false, 'x')", True),
    case("lt(1, true)", False),
    case("ge(1, 1)", True),
    case("le(1, 2)", True),
    case("lt(2, 1)", False),
    case("gt(1.2.0, 1.2)", True),
    case("lt(1.2, '1.3')", True),
    case("gt(1000, '999.99')", True),
    case("gt(pipeline.startTime, '2024-01-01 00:00:00')", True),
    case("lt(pipeline.startTime, '2024/03/05 07:08:10Z')", True),
    case("ge(pipeline.startTime, '2024-03-05 07:08:09')", True),
]


@pytest.mark.parametrize(("text", "expected"), ORDERING)
def test_ordering(text: str, expected: bool) -> None:
    assert run(text) is expected


TYPE_CASTS = [  # §6.2 and §8: a failed conversion is an evaluation error, not false
    case("gt(1, 'x')", "Unable to convert from String to Number. Value: x"),
    case("gt(variables.undefined, 'a')", "Unable to convert from String to Number. Value: a"),
    case("lt(1, 1.2.3)", "Unable to convert from Version to Number. Value: 1.2.3"),
    case("lt(1.2.3, true)", "Unable to convert from Boolean to Version. Value: True"),
    case("gt(dependencies, 1)", "Unable to convert from Object to Number"),
    case("gt(pipeline.startTime, 'x')", "Unable to convert from String to DateTime. Value: x"),
    case("contains(dependencies.*, 'x')", "Unable to convert from Array to String"),
    case("startsWith('a', dependencies)", "Unable to convert from Object to String"),
    case("format('{0}', dependencies)", "Unable to convert from Object to String"),
    case("join(dependencies, split('a;b', ';'))", "Unable to convert from Object to String"),
    case("succeeded(dependencies)", "Unable to convert from Object to String"),
    case("lower(split('a', ','))", "Unable to convert from Array to String"),
]


@pytest.mark.parametrize(("text", "message"), TYPE_CASTS)
def test_type_cast_errors(text: str, message: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        run(text)
    assert caught.value.kind == "TypeCast"
    assert caught.value.message.startswith(message)


def test_evaluation_error_points_at_the_failing_call() -> None:
    with pytest.raises(EvaluationError) as caught:
        run("and(true, or(false, gt(1, 'x')))")
    assert (caught.value.column, caught.value.token) == (21, "gt")
    assert "column 21" in str(caught.value)
    assert isinstance(caught.value, ExpressionError)


FUNCTIONS = [
    # §8.2 logical
    case("and(true, 'x', 1)", True),
    case("and(true, 0)", False),
    case("or(false, 0, '')", False),
    case("or(false, 'false')", True),
    case("not('')", True),
    case("not(variables.flag)", False),
    case("xor(true, false)", True),
    case("xor(true, 'x')", False),
    # §8.3 in / notIn
    case("in('b', 'a', 'B')", True),
    case("in(1, '1.0')", True),
    case("in('1.0', 1)", False),
    case("in(variables.undefined, 'Succeeded')", False),
    case("in(dependencies.Build.result, 'Succeeded', 'SucceededWithIssues')", True),
    case("notIn('c', 'a', 'b')", True),
    case("notIn('a', 'A')", False),
    # §8.4 string tests
    case("contains('abc', 'B')", True),
    case("contains('abc', '')", True),
    case("contains('abc', 'x')", False),
    case("contains(123456789, 456)", True),
    case("contains(1.2.3.4, 2.3)", True),
    case("contains(true, 'RU')", True),
    case("contains(variables.undefined, '')", True),
    case("startsWith(variables['Build.SourceBranch'], 'REFS/heads/')", True),
    case("startsWith('abc', 'b')", False),
    case("endsWith(true, 'ue')", True),
    case("endsWith('abc', 'x')", False),
    # §8.5 containsValue: the needle is the left operand
    case("containsValue(split('1.0,2', ','), 1)", True),
    case("containsValue(split('1.0,2', ','), '1')", False),
    case("containsValue(dependencies.*.result, 'succeeded')", True),
    case("containsValue(dependencies.*.result, 'Failed')", False),
    case("containsValue(dependencies.Build.outputs, '1.2.3')", True),
    case("containsValue('abc', 'abc')", False),
    # §8.6 coalesce
    case("coalesce(variables.undefined, '', 'x')", "x"),
    case("coalesce(0, 'x')", Decimal(0)),
    case("coalesce(false, 'x')", False),
    case("coalesce(' ', 'x')", " "),
    case("coalesce(variables.undefined, '')", ""),
    case("coalesce('', variables.undefined)", None),
    # §8.7 format
    case("format('{0}-{1}', 'a', 1.50)", "a-1.5"),
    case("format(1.5)", "1.5"),
    case("format('{{0}}')", "{0}"),
    case("format('{{{0}}}', 'x')", "{x}"),
    case("format('a}}b')", "a}b"),
    case("format('{0}{0}{1}', 'a', 'b')", "aab"),
    case("format('{0}', true)", "True"),
    case("format('{0}', variables.undefined)", ""),
    case("format('{0}', 0.00000005)", "0.0000001"),
    case("format('{0}', -0.00000005)", "-0.0000001"),
    case("format('{0}', -0)", "0"),
    case("format('{0}', 1.02.3)", "1.2.3"),
    case("format('{0}', pipeline.startTime)", "2024-03-05 07:08:09+00:00"),
    case("format('{0:yyyyMMdd}', pipeline.startTime)", "20240305"),
    case(r"format('{0:yyyy\-MM\-dd}', pipeline.startTime)", "2024-03-05"),
    case("format('{0:HH mm ss}', pipeline.startTime)", "07 08 09"),
    case("format('{0:yy M d H m s fff K}', pipeline.startTime)", "24 3 5 7 8 9 000 +00:00"),
    case("format('{0:zzz}', pipeline.startTime)", "+00:00"),
    # §8.8 join
    case("join(', ', split('a;b;c', ';'))", "a, b, c"),
    case("join(',', 'abc')", "abc"),
    case("join(',', 1.50)", "1.5"),
    case("join(',', variables.undefined)", ""),
    case("join(',', dependencies)", ""),
    case("join('-', dependencies.*.outputs)", "-"),
    case("join(',', dependencies.*.result)", "Succeeded,SucceededWithIssues"),
    # §8.9 convertToJson
    case("convertToJson(split('a,b', ','))", '[\n  "a",\n  "b"\n]'),
    case(
        "convertToJson(dependencies.Test)",
        '{\n  "result": "SucceededWithIssues",\n  "outputs": {}\n}',
    ),
    case("convertToJson(1.50)", "1.5"),
    case("convertToJson('x\"y')", '"x\\"y"'),
    case("convertToJson(variables.undefined)", "null"),
    case("convertToJson(true)", "true"),
    case("convertToJson(1.2.3)", '"1.2.3"'),
    # §8.10 length
    case("length('abc')", Decimal(3)),
    case("length('')", Decimal(0)),
    case("length('😀')", Decimal(2)),
    case("length(split('a,b', ','))", Decimal(2)),
    case("length(dependencies)", Decimal(2)),
    case("length(variables.*)", Decimal(len(VARIABLES))),
    # §8.11 newer string functions
    case("lower('ABC É')", "abc é"),
    case("upper('straße')", "STRAßE"),
    case("upper(true)", "TRUE"),
    case("trim('  a b \t')", "a b"),
    case("trim(variables.undefined)", ""),
    case("replace('aXbx', 'x', '-')", "a-b-"),
    case("replace('https://a.example/x', 'https://a.example', 'http://b')", "http://b/x"),
    case("replace('abc', '', 'x')", "abc"),
    case("split('a,,b,', ',')", ["a", "", "b", ""]),
    case("split('a--b', '--')", ["a", "b"]),
    case("split('abc', '')", ["abc"]),
    case("split(variables['Build.SourceBranch'], '/')[2]", "main"),
    case("split('a', ',')[8]", None),
    case("iif(true, 'a', 'b')", "a"),
    case("iif('false', 'a', 'b')", "a"),
    case("iif(0, 'a', 'b')", "b"),
    case("iif(variables.undefined, 1, 2)", Decimal(2)),
]


@pytest.mark.parametrize(("text", "expected"), FUNCTIONS)
def test_functions(text: str, expected: object) -> None:
    assert run(text) == expected


def test_trim_uses_dotnet_whitespace() -> None:
    assert run("trim('\u00a0\u2003a\u3000')") == "a"
    assert run("trim('\u200ba')") == "\u200ba"  # zero width space is not white space


FORMAT_ERRORS = [
    case("format('{0', 'a')", "Format"),
    case("format('}', 'a')", "Format"),
    case("format('{a}', 1)", "Format"),
    case("format('{ 0}', 1)", "Format"),
    case("format('{1}', 'a')", "Format"),
    case("format('{256}', 'a')", "Format"),
    case("format('{0:d}', 1)", "Format"),
    case("format('{0:yyyy-MM-dd}', pipeline.startTime)", "Format"),
    case("format('{0:yyy}', pipeline.startTime)", "Format"),
    case("format('{0:hh}', pipeline.startTime)", "Format"),
    case(f"format('{{0}}}}', {FAIL})", "Format"),
    case("format('{0:yyyy}', 1)", "Format"),
    case("format('{0:yyyy}', split('a', ','))", "TypeCast"),
    case("length(variables.undefined)", "NotSupported"),
    case("length(true)", "NotSupported"),
    case("length(1)", "NotSupported"),
    case("length(1.2.3)", "NotSupported"),
]


@pytest.mark.parametrize(("text", "kind"), FORMAT_ERRORS)
def test_format_and_length_errors(text: str, kind: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        run(text)
    assert caught.value.kind == kind


SHORT_CIRCUIT = [  # §8: what is not evaluated cannot fail
    case(f"and(false, {FAIL})", False),
    case(f"and(0, {FAIL}, {FAIL})", False),
    case(f"or(true, {FAIL})", True),
    case(f"or('x', {FAIL})", True),
    case(f"in(1, 1, {FAIL})", True),
    case(f"notIn(1, 1, {FAIL})", False),
    case(f"containsValue('abc', {FAIL})", False),
    case(f"containsValue(variables.undefined, {FAIL})", False),
    case(f"coalesce('a', {FAIL})", "a"),
    case(f"format('{{1}}', {FAIL}, 'b')", "b"),
    case(f"format('no placeholders', {FAIL})", "no placeholders"),
    case(f"join({FAIL}, split('a', ';'))", "a"),
    case(f"join({FAIL}, variables.undefined)", ""),
    case(f"dependencies.Nope[{FAIL}]", None),
    case(f"variables.undefined[{FAIL}]", None),
]


@pytest.mark.parametrize(("text", "expected"), SHORT_CIRCUIT)
def test_short_circuit_skips_the_rest(text: str, expected: object) -> None:
    assert run(text) == expected


NOT_SHORT_CIRCUIT = [
    f"and(true, {FAIL})",
    f"or(false, {FAIL})",
    f"xor(true, {FAIL})",
    f"in(1, 2, {FAIL})",
    f"iif(true, 'a', {FAIL})",
    f"coalesce('', {FAIL})",
    f"format('{{0}}', {FAIL})",
    f"join({FAIL}, split('a;b', ';'))",
    f"variables[{FAIL}]",
    f"split('a', ',')[{FAIL}]",
    f"dependencies.*[{FAIL}]",
    f"dependencies.*.nothing.*[{FAIL}]",
    f"not({FAIL})",
]


@pytest.mark.parametrize("text", NOT_SHORT_CIRCUIT)
def test_evaluated_arguments_raise(text: str) -> None:
    with pytest.raises(EvaluationError):
        run(text)


PROPERTIES = [  # §7 and §9.4
    case("dependencies.Build.result", "Succeeded"),
    case("dependencies.build.RESULT", "Succeeded"),
    case("Dependencies.Build.Result", "Succeeded"),
    case("dependencies['Build'].outputs['BuildJob.setVersion.version']", "1.2.3"),
    case("dependencies . Build . outputs [ 'buildjob.setversion.version' ]", "1.2.3"),
    case("stageDependencies.Build.outputs['BuildJob.setVersion.skip']", "false"),
    case("dependencies.Nope.result", None),
    case("dependencies.Build.outputs['missing']", None),
    case("dependencies.*.result", ["Succeeded", "SucceededWithIssues"]),
    case("dependencies[*].result", ["Succeeded", "SucceededWithIssues"]),
    case("dependencies.*.outputs.*", ["1.2.3", "false"]),
    case("dependencies.*.nope", []),
    case("dependencies.Nope.*", []),
    case("split('a,b', ',').*", ["a", "b"]),
    case("variables['Build.SourceBranch']", "refs/heads/main"),
    case("variables['build.sourcebranch']", "refs/heads/main"),
    case("VARIABLES.deploytarget", "prod"),
    case("variables.Build.SourceBranch", None),
    case("variables['my-var']", "dashed"),
    case("variables.undefined", None),
    case("variables.undefined.foo", None),
    case("variables['Build.SourceBranch'].x", None),
    case("variables[1]", None),
    case("variables.true", None),
    case("variables.eq", None),
    case("split('a,b', ',')[1]", "b"),
    case("split('a,b', ',')['1']", "b"),
    case("split('a,b', ',')[1.7]", "b"),
    case("split('a,b', ',')[-1]", None),
    case("split('a,b', ',')[2]", None),
    case("split('a,b', ',')['x']", None),
    case("succeeded()[0]", None),
    case("pipeline.startTime", START),
    case("dependencies.Test", {"result": "SucceededWithIssues", "outputs": {}}),
]


@pytest.mark.parametrize(("text", "expected"), PROPERTIES)
def test_property_access(text: str, expected: object) -> None:
    assert run(text) == expected


def test_pipeline_start_time_is_null_when_unknown() -> None:
    assert evaluate("pipeline.startTime") is None


def test_variables_shadowed_case_insensitively_keep_the_last() -> None:
    assert evaluate("variables.name", {"NAME": "first", "name": "second"}) == "second"


def test_variables_are_always_strings() -> None:
    given: dict[str, object] = {"n": 2.50, "flag": False, "list": [1]}
    assert evaluate("variables.n", given) == "2.5"  # type: ignore[arg-type]
    assert evaluate("variables.flag", given) == "False"  # type: ignore[arg-type]
    assert evaluate_condition("variables.flag", given) is True  # type: ignore[arg-type]
    assert evaluate("gt('10', variables.n)", given) is False  # type: ignore[arg-type]
    assert evaluate("variables.list", given) == "[\n  1\n]"  # type: ignore[arg-type]


DOC_EXAMPLES = [  # conditions from Microsoft's Conditions and Expressions pages
    case("and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))", True),
    case("and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))", False),
    case("eq(variables['Build.Reason'], 'PullRequest')", True),
    case("eq(dependencies.Build.outputs['BuildJob.setVersion.skip'], 'false')", True),
    case("and(succeeded(), True)", True),
    case("in(dependencies.Build.result, 'Succeeded', 'SucceededWithIssues', 'Skipped')", True),
    case("containsValue(dependencies.*.result, 'Failed')", False),
    case("startsWith(variables['Build.SourceBranch'], 'refs/heads/release/')", False),
    case("or(eq(variables.deployTarget, 'prod'), eq(variables.deployTarget, 'staging'))", True),
    case("eq(variables['Build.Reason'], 'Schedule')", False),
    case("not(eq(variables.stage, 'Build'))", False),
    case("eq(length(split(variables['Build.SourceBranch'], '/')), 3)", True),
]


@pytest.mark.parametrize(("text", "expected"), DOC_EXAMPLES)
def test_documented_conditions(text: str, expected: bool) -> None:
    assert evaluate_condition(text, VARIABLES, DEPENDENCIES) is expected
