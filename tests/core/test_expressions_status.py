"""Status functions over direct and indirect dependencies (spec §9)."""

from __future__ import annotations

import pytest

from release_manager.core.expressions import EvaluationError, evaluate, evaluate_condition


def deps(**results: str) -> dict[str, dict[str, object]]:
    return {name: {"result": result, "outputs": {}} for name, result in results.items()}


NO_ARGUMENTS = [
    # (direct results, canceling, always, canceled, succeeded, failed, succeededOrFailed)
    ({"A": "Succeeded"}, False, True, False, True, False, True),
    ({"A": "SucceededWithIssues"}, False, True, False, True, False, True),
    ({"A": "succeeded"}, False, True, False, True, False, True),
    ({"A": "Failed"}, False, True, False, False, True, True),
    ({"A": "Canceled"}, False, True, False, False, False, False),
    ({"A": "Skipped"}, False, True, False, False, False, False),
    ({"A": "Abandoned"}, False, True, False, False, False, False),
    ({"A": "Succeeded", "B": "Failed"}, False, True, False, False, True, True),
    ({"A": "Succeeded", "B": "Skipped"}, False, True, False, False, False, False),
    ({"A": "Skipped", "B": "Succeeded"}, False, True, False, False, False, False),
    ({}, False, True, False, True, False, True),
    ({"A": "Succeeded"}, True, True, True, False, False, False),
    ({"A": "Failed"}, True, True, True, False, False, False),
    ({}, True, True, True, False, False, False),
]


@pytest.mark.parametrize(
    ("results", "canceling", "always", "canceled", "succeeded", "failed", "either"),
    NO_ARGUMENTS,
)
def test_status_functions_without_arguments(
    results: dict[str, str],
    canceling: bool,
    always: bool,
    canceled: bool,
    succeeded: bool,
    failed: bool,
    either: bool,
) -> None:
    def run(text: str) -> object:
        return evaluate(text, dependencies=deps(**results), canceling=canceling)

    assert (run("always()"), run("canceled()")) == (always, canceled)
    assert (run("succeeded()"), run("failed()"), run("succeededOrFailed()")) == (
        succeeded, failed, either,
    )
    assert evaluate_condition("", dependencies=deps(**results), canceling=canceling) is succeeded


NAMED = [
    ("succeeded('A')", True),
    ("succeeded('a')", True),
    ("Succeeded('A', 'C')", True),
    ("succeeded('B')", False),
    ("succeeded('A', 'B')", False),
    ("succeeded('nosuch')", False),
    ("succeeded('A', 'nosuch')", False),
    ("failed('B')", True),
    ("failed('A')", False),
    ("failed('D')", False),
    ("failed('B', 'nosuch')", True),
    ("failed('nosuch', 'B')", False),
    ("succeededOrFailed('B')", True),
    ("succeededOrFailed('A', 'C')", True),
    ("succeededOrFailed('A', 'D')", False),
    ("succeededOrFailed('A', 'nosuch')", False),
    ("succeeded(variables.stage)", True),
    ("succeeded(format('{0}', 'A'))", True),
]


@pytest.mark.parametrize(("text", "expected"), NAMED)
def test_status_functions_with_stage_names(text: str, expected: bool) -> None:
    dependencies = deps(A="Succeeded", B="Failed", C="SucceededWithIssues", D="Canceled")
    assert evaluate(text, {"stage": "a"}, dependencies) is expected


LAZY_NAMES = [  # the engine reads stage names one at a time and stops when it knows
    ("succeeded('nosuch', gt(1, 'x'))", False),
    ("succeeded('B', 'A', gt(1, 'x'))", False),
    ("failed('B', gt(1, 'x'))", True),
    ("failed('nosuch', gt(1, 'x'))", False),
    ("succeededOrFailed('B', gt(1, 'x'))", True),
    ("succeededOrFailed('B', 'nosuch')", True),
    ("succeededOrFailed('nosuch', 'B')", False),
    ("succeeded(gt(1, 'x'))", None),
    ("succeeded('A', gt(1, 'x'))", None),
    ("failed('A', gt(1, 'x'))", None),
]


@pytest.mark.parametrize(("text", "expected"), LAZY_NAMES)
def test_stage_names_are_read_lazily(text: str, expected: bool | None) -> None:
    dependencies = deps(A="Succeeded", B="Failed")
    if expected is None:
        with pytest.raises(EvaluationError):
            evaluate(text, dependencies=dependencies)
    else:
        assert evaluate(text, dependencies=dependencies) is expected
    assert evaluate(text, dependencies=dependencies, canceling=True) is False


def test_named_status_functions_are_false_while_canceling() -> None:
    dependencies = deps(A="Succeeded", B="Failed")
    for text in ("succeeded('A')", "failed('B')", "succeededOrFailed('B')"):
        assert evaluate(text, dependencies=dependencies, canceling=True) is False


def test_stage_name_arguments_must_convert_to_strings() -> None:
    with pytest.raises(EvaluationError) as caught:
        evaluate("succeeded(dependencies)", dependencies=deps(A="Succeeded"))
    assert caught.value.kind == "TypeCast"


INDIRECT = [  # §9.3: the default and no-argument forms look at every ancestor
    ("succeeded()", {"B": "Succeeded"}, {"A": "Skipped"}, False),
    ("", {"B": "Succeeded"}, {"A": "Skipped"}, False),
    ("", {"B": "Succeeded"}, {"A": "Succeeded"}, True),
    ("succeeded('B')", {"B": "Succeeded"}, {"A": "Skipped"}, True),
    ("succeeded('A')", {"B": "Succeeded"}, {"A": "Skipped"}, False),
    ("failed()", {"B": "Succeeded"}, {"A": "Failed"}, True),
    ("failed('A')", {"B": "Succeeded"}, {"A": "Failed"}, True),
    ("succeededOrFailed()", {"B": "Succeeded"}, {"A": "Failed"}, True),
    ("succeededOrFailed()", {"B": "Succeeded"}, {"A": "Skipped"}, False),
    ("eq(dependencies.A.result, '')", {"B": "Succeeded"}, {"A": "Failed"}, True),
    ("containsValue(dependencies.*.result, 'Failed')", {"B": "Succeeded"}, {"A": "Failed"}, False),
    ("eq(dependencies.B.result, 'Succeeded')", {"B": "Succeeded"}, {"A": "Failed"}, True),
]


@pytest.mark.parametrize(("text", "direct", "ancestors", "expected"), INDIRECT)
def test_indirect_dependencies(
    text: str, direct: dict[str, str], ancestors: dict[str, str], expected: bool
) -> None:
    assert evaluate_condition(text, dependencies=deps(**direct), ancestors=ancestors) is expected


def test_direct_result_wins_over_an_ancestor_of_the_same_name() -> None:
    assert evaluate("succeeded('A')", dependencies=deps(A="Succeeded"), ancestors={"a": "Failed"})


CUSTOM_CONDITIONS = [  # §1: a custom condition replaces the default succeeded()
    ("eq(variables.x, 'y')", True),
    ("and(succeeded(), eq(variables.x, 'y'))", False),
    ("and(failed(), eq(variables.x, 'y'))", True),
    ("in(dependencies.A.result, 'Succeeded', 'SucceededWithIssues')", False),
    ("eq(dependencies.A.result, 'failed')", True),
    ("containsValue(dependencies.*.result, 'Failed')", True),
    ("not(canceled())", True),
]


@pytest.mark.parametrize(("text", "expected"), CUSTOM_CONDITIONS)
def test_custom_conditions_after_a_failure(text: str, expected: bool) -> None:
    assert evaluate_condition(text, {"x": "y"}, deps(A="Failed")) is expected


def test_outputs_of_a_stage_dependency() -> None:
    dependencies = {
        "A": {
            "result": "Succeeded",
            "outputs": {"A1.printvar.skipsubsequent": "true"},
            "A1": {"result": "Succeeded", "outputs": {"printvar.shouldrun": "yes"}},
        }
    }
    condition = "and(succeeded(), ne(dependencies.A.outputs['A1.printvar.skipsubsequent'], 'true'))"
    assert evaluate_condition(condition, dependencies=dependencies) is False
    assert evaluate("stageDependencies.A.A1.outputs['printvar.shouldrun']",
                    dependencies=dependencies) == "yes"
    assert evaluate("stageDependencies.A.A1.result", dependencies=dependencies) == "Succeeded"
