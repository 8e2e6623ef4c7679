"""Opening a pipeline: load (+ validate) against a plain ruamel.yaml round-trip load.

- the largest corpus pipeline, and a generated 500-stage pipeline (each stage with a
  deployment job, a condition and a dependency on the stage before);
- `load`: `pipeline_yaml.loads` (guarded parse, end positions, model); `load+validate`:
  the same plus `core.validation.validate`;
- `save after one edit`: `dumps()` of the 500-stage document after renaming a stage that
  others depend on, against a plain ruamel round-trip dump of the same file.
Every baseline is measured on the same text in the same run; each figure is the median of
several repetitions.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from figure import Figure
from ruamel.yaml import YAML

from release_manager.core.pipeline_yaml import loads
from release_manager.core.validation import validate

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "pipelines"
STAGES = 500
REPEAT = 5


def _median_ms(action: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _plain_load(text: str) -> object:
    return YAML(typ="rt").load(text)


def _plain_dump(tree: object) -> str:
    yaml = YAML(typ="rt")
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


def generated(stages: int = STAGES) -> str:
    lines = ["trigger:", "- main", "", "stages:"]
    for index in range(stages):
        lines += [f"- stage: S{index}", f"  displayName: Stage {index}"]
        if index:
            lines += [f"  dependsOn: S{index - 1}",
                      f"  condition: and(succeeded(), ne(dependencies.S{index - 1}.result, "
                      "'Skipped'))"]
        lines += ["  jobs:", "  - deployment: Deploy", f"    environment: env{index % 7}",
                  "    strategy:", "      runOnce:", "        deploy:", "          steps:",
                  f"          - script: echo deploying {index}", ""]
    return "\n".join(lines)


def _figures(label: str, text: str) -> list[Figure]:
    baseline = _median_ms(lambda: _plain_load(text))
    load = _median_ms(lambda: loads(text))
    both = _median_ms(lambda: validate(loads(text)))
    return [
        Figure(f"load {label}", load, "ms", baseline, "ms plain ruamel round-trip load"),
        Figure(f"load+validate {label}", both, "ms", baseline,
               "ms plain ruamel round-trip load"),
    ]


def run() -> list[Figure]:
    largest = max((p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml")),
                  key=lambda p: p.stat().st_size)
    big = generated()
    figures = _figures(f"{largest.name} ({largest.stat().st_size // 1024} KB)",
                       largest.read_text(encoding="utf-8-sig"))
    figures += _figures(f"generated {STAGES} stages ({len(big) // 1024} KB)", big)
    document = loads(big)
    document.pipeline.rename_stage("S250", "Renamed")
    tree = _plain_load(big)
    figures.append(Figure(
        f"save after one edit, {STAGES} stages", _median_ms(document.dumps), "ms",
        _median_ms(lambda: _plain_dump(tree)), "ms plain ruamel round-trip dump"))
    return figures
