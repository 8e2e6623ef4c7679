"""Reading a pipeline: load (+ validate) against PyYAML's libyaml `CSafeLoader` load of the
same text (values only), and ruamel.yaml's round-trip load (the reader used before).

- the largest corpus pipeline, and a generated 500-stage pipeline (each stage with a
  deployment job, a condition and a dependency on the stage before);
- `load`: `pipeline_yaml.loads` (guarded parse, end positions, model); `load+validate`:
  the same plus `core.validation.validate`;
- `save after one edit`: the whole `save()` of the 500-stage document after renaming a
  stage that others depend on (the text, the atomic write, the new positions), against
  the atomic write alone of the same bytes (the least any save does).
Every baseline is measured on the same text in the same run; each figure is the median of
several repetitions.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from figure import Figure
from ruamel.yaml import YAML
from timing import median_ms

from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.pipeline_yaml import load, loads
from release_manager.core.validation import validate

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "pipelines"
STAGES = 500
REPEAT = 5


def _median_ms(action: Callable[[], object], repeat: int = REPEAT) -> float:
    return median_ms(action, repeat)


def _plain_load(text: str) -> object:
    return YAML(typ="rt").load(text)


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
    bare = _median_ms(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    load = _median_ms(lambda: loads(text))
    both = _median_ms(lambda: validate(loads(text)))
    return [
        Figure(f"load {label}", load, "ms", bare, "ms CSafeLoader load"),
        Figure(f"load {label} vs ruamel", load, "ms", _median_ms(lambda: _plain_load(text), 3),
               "ms ruamel round-trip load"),
        Figure(f"load+validate {label}", both, "ms", bare, "ms CSafeLoader load"),
    ]


def run() -> list[Figure]:
    largest = max((p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml")),
                  key=lambda p: p.stat().st_size)
    big = generated()
    figures = _figures(f"{largest.name} ({largest.stat().st_size // 1024} KB)",
                       largest.read_text(encoding="utf-8-sig"))
    figures += _figures(f"generated {STAGES} stages ({len(big) // 1024} KB)", big)
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "azure-pipelines.yml"
        path.write_text(big, encoding="utf-8")
        document = load(path)
        renames = iter(range(REPEAT))

        def save() -> None:
            document.pipeline.rename_stage(document.pipeline.stages[250].name,
                                           f"Renamed{next(renames)}")
            document.save()

        saved = _median_ms(save)
        data = path.read_bytes()
        figures.append(Figure(
            f"save after one edit, {STAGES} stages", saved, "ms",
            _median_ms(lambda: write_bytes_atomic(path, data)), "ms atomic write alone"))
    return figures
