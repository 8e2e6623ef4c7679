"""Verbs on pipeline files: validate, graph, eval.

Exit codes: 0 clean (warnings allowed), 1 errors (or an expression that fails to
evaluate), 2 unusable input (a file that cannot be read as a pipeline, an expression
that does not parse, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from release_manager.core import expressions
from release_manager.core.model import Pipeline
from release_manager.core.pipeline_yaml import PipelineLoadError, load
from release_manager.core.validation import Diagnostic, validate_file

RESULTS = ("Succeeded", "SucceededWithIssues", "Failed", "Canceled", "Skipped")


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    validate = subparsers.add_parser(
        "validate", help="check pipeline files",
        description="Check pipeline files: prints file:line:col: severity: message lines "
        "and a summary. Exit 0 clean (warnings allowed), 1 errors, 2 a file that cannot "
        "be read as a pipeline.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)
    validate.set_defaults(func=cmd_validate)

    graph = subparsers.add_parser(
        "graph", help="print the stage graph",
        description="Print the stage graph after Azure's implicit-dependency rule.",
    )
    graph.add_argument("file", metavar="FILE", type=Path)
    graph.add_argument("--format", choices=("text", "dot", "json"), default="text")
    graph.set_defaults(func=cmd_graph)

    evaluate = subparsers.add_parser(
        "eval", help="evaluate a condition expression",
        description="Evaluate a condition as Azure Pipelines would and print its value.",
    )
    evaluate.add_argument("expression", metavar="EXPR")
    evaluate.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                          type=_assignment, help="a variable (repeatable)")
    evaluate.add_argument("--stage-result", action="append", default=[],
                          metavar="STAGE=RESULT", type=_stage_result,
                          help=f"a dependency's result, one of {', '.join(RESULTS)} "
                          "(repeatable)")
    evaluate.add_argument("--explain", action="store_true",
                          help="print every sub-expression with its value")
    evaluate.set_defaults(func=cmd_eval)


# ---------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    found: list[Diagnostic] = []
    unreadable = False
    for path in args.files:
        diagnostics = validate_file(path)
        unreadable |= any(d.code == "load" for d in diagnostics)
        found += diagnostics
        for diagnostic in diagnostics:
            print(diagnostic)
    errors = sum(d.severity == "error" for d in found)
    warnings = sum(d.severity == "warning" for d in found)
    print(f"{_count(errors, 'error')}, {_count(warnings, 'warning')} in "
          f"{_count(len(args.files), 'file')}")
    if unreadable:
        return 2
    return 1 if errors else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# ---------------------------------------------------------------- graph


def cmd_graph(args: argparse.Namespace) -> int:
    try:
        pipeline = load(args.file).pipeline
    except PipelineLoadError as error:
        print(error, file=sys.stderr)
        return 2
    render = {"text": graph_text, "dot": graph_dot, "json": graph_json}[args.format]
    print(render(pipeline))
    return 0


def _upstream(pipeline: Pipeline) -> dict[str, list[str]]:
    upstream: dict[str, list[str]] = {name: [] for name in pipeline.stage_names}
    for before, after in pipeline.edges():
        upstream[after].append(before)
    return upstream


def _custom_condition(condition: str | None) -> str | None:
    """The condition unless it is Azure's default (`succeeded()`)."""
    if not condition or "".join(condition.split()).lower() == "succeeded()":
        return None
    return " ".join(condition.split())


def graph_text(pipeline: Pipeline) -> str:
    """One line per stage: `Name ← Dep1, Dep2`, and its condition when not the default."""
    upstream = _upstream(pipeline)
    lines = []
    for stage in pipeline.stages:
        line = stage.name
        if upstream[stage.name]:
            line += " ← " + ", ".join(upstream[stage.name])
        condition = _custom_condition(stage.condition)
        if condition:
            line += f"  [condition: {condition}]"
        lines.append(line)
    return "\n".join(lines)


def _dot_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def graph_dot(pipeline: Pipeline) -> str:
    """Graphviz, left to right: a box per stage (display name, environments, condition);
    dashed boxes for stage templates and `${{ }}` blocks (with the stages they hold)."""
    lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box];"]
    for stage in pipeline.stages:
        label = [stage.label]
        if stage.kind == "template":
            label = [f"template: {stage.template}"]
        elif stage.kind == "expression":
            label += stage.inner
        if stage.environments:
            label.append("environment: " + ", ".join(stage.environments))
        condition = _custom_condition(stage.condition)
        if condition:
            label.append("if " + condition)
        shape = "" if stage.kind == "stage" else ", style=dashed"
        lines.append(f"  {_dot_quoted(stage.name)} [label={_dot_quoted(chr(10).join(label))}"
                     f"{shape}];")
    for before, after in pipeline.edges():
        lines.append(f"  {_dot_quoted(before)} -> {_dot_quoted(after)};")
    lines.append("}")
    return "\n".join(lines)


def graph_json(pipeline: Pipeline) -> str:
    dependencies = pipeline.dependency_map()
    stages = [
        {
            "name": stage.name,
            "displayName": stage.display_name,
            "dependsOn": dependencies[stage.name],
            "condition": stage.condition,
            "environments": stage.environments,
            "kind": stage.kind,
        }
        for stage in pipeline.stages
    ]
    edges = [list(edge) for edge in pipeline.edges()]
    return json.dumps({"stages": stages, "edges": edges}, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- eval


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def _stage_result(text: str) -> tuple[str, str]:
    stage, result = _assignment(text)
    canonical = {r.lower(): r for r in RESULTS}.get(result.strip().lower())
    if canonical is None:
        raise argparse.ArgumentTypeError(
            f"{result!r} is not a stage result: use one of {', '.join(RESULTS)}"
        )
    return stage, canonical


def cmd_eval(args: argparse.Namespace) -> int:
    variables = dict(args.var)
    dependencies = {stage: {"result": result, "outputs": {}} for stage, result in
                    args.stage_result}
    try:
        if args.explain:
            print(expressions.explain_text(args.expression, variables, dependencies))
        else:
            value = expressions.evaluate(args.expression, variables, dependencies)
            print(expressions.display(value))
    except expressions.ExpressionError as error:
        print(pointed(args.expression, error), file=sys.stderr)
        return 1 if isinstance(error, expressions.EvaluationError) else 2
    return 0


def pointed(expression: str, error: expressions.ExpressionError) -> str:
    """The expression, a caret under the faulty column, and the engine's message."""
    shown = expression.translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
    caret = " " * max(error.column - 1, 0) + "^"
    message = error.message.split(". Located at column")[0]
    return f"{shown}\n{caret}\nerror: {message} (column {error.column})"
