"""Validation: the first check of a file (schema compiled on the way) and the per-edit check.

- first validation: `validate` of the largest corpus pipeline in a fresh process, so the
  schema is read, adapted and compiled inside the measured call. Baselines: the same call
  again in that process (everything warm), and a plain jsonschema check of the same file
  against the unadapted official schema (every scalar a string, as Azure reads it). Also
  `validate_file` warm against the load alone (the loader's share).
- per edit: `validate_pipeline` on a generated 300-stage pipeline after one condition edit.
  Baseline: the full `validate` (schema included) of that document.
- per edit in the editor: `validate_edited`, as the GUI runs it (the same rules, placed in
  the text a save would write: one more pass of the writer). Baseline: `validate_pipeline`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from figure import Figure

from release_manager.core.pipeline_yaml import loads
from release_manager.core.validation import validate, validate_edited, validate_pipeline

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RELEASE_MANAGER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "pipelines"
STAGES = 300

_FIRST = """
import json, sys, time
from pathlib import Path
from release_manager.core.pipeline_yaml import load
from release_manager.core.validation import validate, validate_file
path = Path(sys.argv[1])
start = time.perf_counter()
document = load(path)
loading = time.perf_counter() - start
start = time.perf_counter()
validate(document)
first = time.perf_counter() - start
start = time.perf_counter()
validate(document)
again = time.perf_counter() - start
start = time.perf_counter()
validate_file(path)
whole = time.perf_counter() - start
print(json.dumps({"load": loading, "first": first, "again": again, "whole": whole}))
"""

_PLAIN = """
import json, sys, time
from jsonschema import Draft7Validator
from ruamel.yaml import YAML
start = time.perf_counter()
schema = json.load(open(sys.argv[2], encoding="utf-8"))
data = YAML(typ="base").load(open(sys.argv[1], encoding="utf-8").read())
errors = list(Draft7Validator(schema).iter_errors(data))
print(json.dumps({"plain": time.perf_counter() - start, "errors": len(errors)}))
"""


def _in_fresh_process(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, check=True
    )
    return json.loads(done.stdout)


def _generated(stages: int) -> str:
    lines = ["trigger: none", "stages:"]
    for index in range(stages):
        lines += [f"- stage: S{index}", f"  displayName: 'Stage {index}'"]
        if index >= 2:
            lines += [
                f"  dependsOn: [S{index - 1}, S{index - 2}]",
                f"  condition: and(succeeded('S{index - 1}'), "
                f"in(dependencies.S{index - 2}.result, 'Succeeded', 'Skipped'))",
            ]
        lines += [
            "  jobs:",
            "  - deployment: Deploy",
            f"    environment: env{index}",
            "    strategy:",
            "      runOnce:",
            "        deploy:",
            "          steps:",
            f"          - script: ./deploy.sh {index}",
        ]
    return "\n".join(lines) + "\n"


def _median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[Figure]:
    largest = max(
        (p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml")),
        key=lambda p: p.stat().st_size,
    )
    schema = SHARED / "contracts" / "azure-pipelines.schema.json"
    first = _in_fresh_process(_FIRST, str(largest))
    plain = _in_fresh_process(_PLAIN, str(largest), str(schema))

    text = _generated(STAGES)
    document = loads(text, "generated.yml")
    pipeline = document.pipeline
    toggle = iter(range(10**9))

    def edit_and_check() -> None:
        pipeline.set_condition("S150", f"and(succeeded(), eq(variables.n, '{next(toggle)}'))")
        validate_pipeline(pipeline, text=text, file="generated.yml")

    def edit_and_check_in_editor() -> None:
        pipeline.set_condition("S150", f"and(succeeded(), eq(variables.n, '{next(toggle)}'))")
        validate_edited(document)

    per_edit = _median_seconds(edit_and_check, 30)
    in_editor = _median_seconds(edit_and_check_in_editor, 30)
    full = _median_seconds(lambda: validate(document), 5)
    return [
        Figure(
            f"validation first validate() with schema compile ({largest.name})",
            first["first"] * 1000,
            "ms",
            first["again"] * 1000,
            "ms (second validate())",
        ),
        Figure(
            "validation first validate() vs plain jsonschema check (unadapted schema)",
            first["first"] * 1000,
            "ms",
            plain["plain"] * 1000,
            "ms",
        ),
        Figure(
            "validation validate_file, warm (load + validate)",
            first["whole"] * 1000,
            "ms",
            first["load"] * 1000,
            "ms (first load alone)",
        ),
        Figure(
            f"validation per edit, validate_pipeline, {STAGES} stages",
            per_edit * 1000,
            "ms",
            full * 1000,
            "ms (full validate with schema)",
        ),
        Figure(
            f"validation per edit in the editor, validate_edited, {STAGES} stages",
            in_editor * 1000,
            "ms",
            per_edit * 1000,
            "ms (validate_pipeline, positions of the loaded text)",
        ),
    ]
