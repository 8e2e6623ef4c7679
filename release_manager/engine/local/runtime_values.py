"""`$[ … ]` variable values: runtime expressions evaluated when a job starts, as Azure
does, over the outputs of the run's earlier stages (`dependencies.<stage>.outputs
['<job>.<step>.<var>']`, `stageDependencies.<stage>.<job>.outputs['<step>.<var>']`) and
the variables set so far. A value that carries a secret output is secret itself."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from release_manager.core import expressions
from release_manager.engine.local.variables import Variables


def stage_records(outputs: Mapping[str, str]) -> dict[str, dict[str, object]]:
    """`Stage.Job.step.var` → value as the expression contexts read them: each stage's
    outputs by `Job.step.var`, and each of its jobs' by `step.var`."""
    records: dict[str, dict[str, object]] = {}
    for name, value in outputs.items():
        stage, job, rest = (name.split(".", 2) + ["", ""])[:3]
        if not rest:
            continue
        record = records.setdefault(stage, {"outputs": {}})
        record["outputs"][f"{job}.{rest}"] = value  # type: ignore[index]
        job_record = record.setdefault(job, {"outputs": {}})
        job_record["outputs"][rest] = value  # type: ignore[index]
    return records


class RuntimeValues:
    """Evaluates a job's `$[ … ]` variables: (value, secret)."""

    def __init__(self, outputs: Mapping[str, str], secret_outputs: Collection[str],
                 variables: Variables, note: Callable[[str], None]) -> None:
        """`note` is told of an expression that cannot be evaluated (its value is "")."""
        self._records = stage_records(outputs)
        self._note = note
        self._secrets = [outputs[name] for name in secret_outputs if outputs.get(name)]
        self._variables = variables

    def __call__(self, expression: str) -> tuple[str, bool]:
        try:
            value = expressions.evaluate(
                expression, variables=self._variables.as_dict(), dependencies=self._records,
                secrets=self._variables.secrets)
        except expressions.ExpressionError as error:
            self._note(f"The runtime expression $[{expression}] cannot be evaluated: {error}")
            return "", False
        text = "" if value is None else value if isinstance(value, str) \
            else expressions.display(value)
        return text, any(secret in text for secret in self._secrets)
