"""Job and step conditions, evaluated with `core.expressions` as Azure does: a job sees its
dependencies' results; a step sees the job's status so far (`Agent.JobStatus`)."""

from __future__ import annotations

from collections.abc import Mapping

from release_manager.core import expressions


def job_condition(
    condition: str | None,
    variables: Mapping[str, str],
    dependencies: Mapping[str, dict],
    ancestors: Mapping[str, str],
    canceling: bool,
) -> tuple[bool, str]:
    """(runs, why not); a condition that cannot be evaluated does not run, and says why."""
    text = condition or "succeeded()"
    try:
        return expressions.evaluate_condition(
            text, variables=dict(variables), dependencies=dict(dependencies),
            ancestors=dict(ancestors), canceling=canceling,
        ), ""
    except expressions.ExpressionError as error:
        return False, f"the condition '{text}' cannot be evaluated: {error}"


def step_condition(
    condition: str | None, variables: Mapping[str, str], job_status: str, canceling: bool
) -> tuple[bool, str]:
    """A step's status functions look at the job's result so far, which is passed as the
    only record the no-argument functions consider."""
    return job_condition(condition, variables, {}, {"Agent.JobStatus": job_status}, canceling)
